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
}
