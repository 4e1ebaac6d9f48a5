import Foundation

/// One measured figure of a benchmark, beside the reference it is judged against, measured in the same run.
struct BenchFigure {
    enum Better { case higher, lower }

    let name: String
    let value: Double
    let unit: String
    /// What the figure is set against (same unit), e.g. `memcpy` or `pillow`; nil where none applies.
    var reference: (name: String, value: Double)?
    var better: Better = .higher

    /// How many times faster than the reference (above 1: faster).
    var speedup: Double? {
        guard let reference, reference.value > 0, value > 0 else { return nil }
        return better == .higher ? value / reference.value : reference.value / value
    }
}

/// Prints figures as JSON (`--json`) or as an aligned table with each figure's ratio to its reference.
func printFigures(_ benchmark: String, _ figures: [BenchFigure], json: Bool, notes: [String] = []) {
    if json {
        let items = figures.map { figure -> [String: Any] in
            var item: [String: Any] = ["name": figure.name, "value": rounded(figure.value), "unit": figure.unit]
            if let reference = figure.reference {
                item["reference"] = ["name": reference.name, "value": rounded(reference.value)]
                item["speedup"] = figure.speedup.map(rounded) ?? NSNull()
            }
            return item
        }
        let object: [String: Any] = ["benchmark": benchmark, "figures": items, "notes": notes]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        print(String(decoding: data, as: UTF8.self))
        return
    }
    let width = figures.map(\.name.count).max() ?? 0
    for figure in figures {
        var line = figure.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
            + String(format: "%12.4g", figure.value) + "  " + figure.unit.padding(toLength: 12, withPad: " ", startingAt: 0)
        if let reference = figure.reference, let speedup = figure.speedup {
            line += String(format: "  %6.2f× %@ (%.4g)", speedup, reference.name, reference.value)
        }
        print(line)
    }
    for note in notes { print(note) }
}

private func rounded(_ value: Double) -> Double { Double(String(format: "%.6g", value)) ?? value }

func measureSeconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// The shortest of `rounds` timings: the least disturbed by other work on a shared machine.
func bestSeconds(_ rounds: Int, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<max(rounds, 1) { best = min(best, try measureSeconds(body)) }
    return best
}
