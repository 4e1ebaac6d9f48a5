/// Just enough HTML building for dbrun's reports: escaping, tables and figures, with no scripts or remote assets,
/// so a report opens offline from its folder.
enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    static func table(header: [String], rows: [[String]], classes: String = "") -> String {
        let head = header.map { "<th>\(escape($0))</th>" }.joined()
        let body = rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<table class=\"\(classes)\"><thead><tr>\(head)</tr></thead><tbody>\n\(body)\n</tbody></table>"
    }

    static func figure(_ source: String, caption: String, width: Int? = nil) -> String {
        let size = width.map { " width=\"\($0)\"" } ?? ""
        return "<figure><img src=\"\(escape(source))\"\(size) alt=\"\(escape(caption))\"><figcaption>\(escape(caption))</figcaption></figure>"
    }

    static func number(_ value: Double?, digits: Int = 3) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.\(digits)f", value)
    }

    static let style = """
    body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
    h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
    table { border-collapse: collapse; margin: 0.6em 0; } th, td { padding: 0.3em 0.8em; border-bottom: 1px solid #eee; text-align: left; }
    th { background: #f6f6f6; } td.num { font-variant-numeric: tabular-nums; text-align: right; }
    .pass { color: #17702f; font-weight: 600; } .fail { color: #b3261e; font-weight: 600; }
    figure { display: inline-block; margin: 0.4em 0.8em 0.4em 0; vertical-align: top; }
    figcaption { font-size: 0.85em; color: #555; max-width: 520px; } img { image-rendering: pixelated; border: 1px solid #ddd; }
    pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 12px; } .muted { color: #666; }
    """
}
