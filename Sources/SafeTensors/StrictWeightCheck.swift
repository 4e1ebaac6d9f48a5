/// Strict loading's first half: the archive must hold exactly the expected tensors with the expected shapes, as
/// float data. Every missing, unexpected and misshapen tensor is reported at once, so one run shows the whole
/// mismatch (a wrong model class, a LoRA file given as a model, a renamed checkpoint).
public struct WeightMismatch: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let missing: [String]
    public let unexpected: [String]
    /// Name, expected shape, shape in the file.
    public let misshapen: [(name: String, expected: [Int], found: [Int])]
    /// Tensors whose dtype is not a float type.
    public let notFloat: [(name: String, dtype: String)]

    public var description: String {
        var parts: [String] = []
        func list(_ items: [String]) -> String {
            let shown = items.prefix(8).joined(separator: ", ")
            return items.count > 8 ? shown + ", … (\(items.count) in all)" : shown
        }
        if !missing.isEmpty { parts.append("\(missing.count) missing: \(list(missing))") }
        if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected: \(list(unexpected))") }
        if !misshapen.isEmpty {
            parts.append("\(misshapen.count) misshapen: " + list(misshapen.map { "\($0.name) is \($0.found), expected \($0.expected)" }))
        }
        if !notFloat.isEmpty {
            parts.append("\(notFloat.count) not float: " + list(notFloat.map { "\($0.name) is \($0.dtype)" }))
        }
        return "\(path): weights do not match the model: " + parts.joined(separator: "; ")
    }
}

extension SafeTensorsArchive {
    /// Throws `WeightMismatch` unless the archive holds exactly `expected` (name → shape), each as F32/F16/BF16/F64.
    public func checkExactly(_ expected: [String: [Int]]) throws(WeightMismatch) {
        let available = Set(names)
        let missing = expected.keys.filter { !available.contains($0) }.sorted()
        let unexpected = available.filter { expected[$0] == nil }.sorted()
        var misshapen: [(name: String, expected: [Int], found: [Int])] = []
        var notFloat: [(name: String, dtype: String)] = []
        for (name, shape) in expected.sorted(by: { $0.key < $1.key }) {
            guard let info = try? info(name) else { continue }
            if info.shape != shape { misshapen.append((name, shape, info.shape)) }
            if !info.dtype.convertsToFloat { notFloat.append((name, info.dtype.rawValue)) }
        }
        guard missing.isEmpty, unexpected.isEmpty, misshapen.isEmpty, notFloat.isEmpty else {
            throw WeightMismatch(path: path, missing: missing, unexpected: unexpected, misshapen: misshapen,
                                 notFloat: notFloat)
        }
    }
}
