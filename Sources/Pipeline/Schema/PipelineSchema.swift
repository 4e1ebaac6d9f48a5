import Foundation

/// The pipeline schema, embedded from `schemas/pipeline.schema.json` by `scripts/embed-schema`.
public enum PipelineSchema {
    /// The schema as shipped in `schemas/`, byte for byte.
    public static var text: String { embeddedText }

    /// The parsed validator. Parsing a few kilobytes of JSON is cheap, but it happens on every command, so once.
    public static let validator: JSONSchema = {
        do {
            return try JSONSchema(json: Data(embeddedText.utf8))
        } catch {
            fatalError("the embedded pipeline schema is broken: \(error)")
        }
    }()

    /// The stage kinds the schema describes, in its order.
    public static var kindNames: [String] {
        validator.document["$defs"]?["stage"]?["properties"]?["kind"]?["enum"]?.array?.compactMap(\.string) ?? []
    }

    /// The schema of a `kind`'s stage: the `then` of the `allOf` branch whose `if` selects that kind, with a local
    /// `$ref` followed. Nil when the schema lists the kind without saying what its stage holds.
    public static func stageSchema(forKind kind: String) -> PlainValue? {
        for branch in validator.document["$defs"]?["stage"]?["allOf"]?.array ?? [] {
            guard branch["if"]?["properties"]?["kind"]?["const"]?.string == kind, let then = branch["then"] else { continue }
            guard let ref = then["$ref"]?.string else { return then }
            let prefix = "#/$defs/"
            guard ref.hasPrefix(prefix) else { return nil }
            return validator.document["$defs"]?[String(ref.dropFirst(prefix.count))]
        }
        return nil
    }
}
