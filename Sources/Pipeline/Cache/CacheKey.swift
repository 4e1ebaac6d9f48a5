import Foundation

/// DESIGN.md's cache-key contract: SHA-256 of the canonical JSON of the stage's kind, the kind's version, its
/// parameters as written (references unresolved), the content hash of every input, the fingerprints of the upstream
/// outputs it reads, and the seed if the kind uses one. Never paths outside the workspace, mtimes, user names,
/// host names or thread counts: a teammate's machine computes the same key.
public struct CacheKey: Sendable, Equatable {
    public let parts: PlainValue
    public let value: String

    public init(parts: PlainValue) {
        self.parts = parts
        self.value = ContentHash.sha256Hex(Data(parts.canonicalJSON.utf8))
    }

    /// - Parameters:
    ///   - inputs: each input path (as written, relative to the pipeline's folder) → its content hash.
    ///   - upstream: each `stage.output` read → that output's fingerprint; `needs` edges as `stage` → all its outputs.
    public init(kind: any StageKind, identity: StageIdentity, inputs: [String: ContentHash], upstream: [String: PlainValue],
                seed: Int) {
        var parts: [String: PlainValue] = [
            "kind": .string(kind.name),
            "kind_version": .int(kind.version),
            "params": identity.parameters,
            "inputs": .object(inputs.mapValues { .string($0.value) }),
            "upstream": .object(upstream),
        ]
        if kind.usesSeed { parts["seed"] = .int(seed) }
        self.init(parts: .object(parts))
    }
}

extension PlainValue {
    /// Human-readable differences from `old` to `self`, as `path: old → new` lines (for `dbrun why`).
    func differences(from old: PlainValue, path: String = "") -> [String] {
        if self == old { return [] }
        if case .object(let new) = self, case .object(let was) = old {
            var out: [String] = []
            for key in Set(new.keys).union(was.keys).sorted() {
                let sub = path.isEmpty ? key : "\(path).\(key)"
                switch (was[key], new[key]) {
                case (nil, let n?): out.append("\(sub): added (\(n.short))")
                case (let o?, nil): out.append("\(sub): removed (was \(o.short))")
                case (let o?, let n?): out += n.differences(from: o, path: sub)
                default: break
                }
            }
            return out
        }
        return ["\(path.isEmpty ? "value" : path): \(old.short) → \(short)"]
    }

    /// A value for a message: long hashes cut, long strings shortened.
    var short: String {
        switch self {
        case .string(let s) where s.count == 64 || s.hasSuffix(".dir"): return String(s.prefix(12))
        case .string(let s) where s.count > 60: return "\"\(s.prefix(57))…\""
        case .string(let s): return "\"\(s)\""
        default:
            let text = canonicalJSON
            return text.count > 60 ? String(text.prefix(57)) + "…" : text
        }
    }
}
