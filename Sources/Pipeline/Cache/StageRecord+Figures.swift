import Foundation

extension StageRecord {
    /// Figures as one short line, names sorted: `final_loss=0.0123 steps=2000 speed="12 img/s"`. Numbers keep
    /// 4 significant digits; text with spaces, quotes or `=` is quoted as JSON; lists and objects are compact JSON.
    public static func describe(figures: [String: PlainValue]) -> String {
        figures.keys.sorted().map { "\($0)=\(describe(figure: figures[$0]!))" }.joined(separator: " ")
    }

    static func describe(figure value: PlainValue) -> String {
        switch value {
        case .double(let d) where d.isFinite: String(format: "%.4g", d)
        case .string(let s) where s.isEmpty || s.contains(where: { $0.isWhitespace || $0 == "=" || $0 == "\"" }):
            PlainValue.string(s).canonicalJSON
        case .null: "null"
        default: value.interpolated
        }
    }
}
