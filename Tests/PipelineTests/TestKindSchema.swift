import Foundation
@testable import Pipeline

/// The shipped schema with test kinds added to the `kind` enum, and optionally `with:` required for them.
enum TestKindSchema {
    static func adding(_ kinds: [String], requiringWith: Bool = false) -> JSONSchema {
        guard case .object(var root) = PipelineSchema.validator.document,
              case .object(var defs) = root["$defs"]!, case .object(var stage) = defs["stage"]!,
              case .object(var properties) = stage["properties"]!, case .object(var kind) = properties["kind"]!,
              case .array(var names) = kind["enum"]!, case .array(var branches) = stage["allOf"]! else { fatalError() }
        names += kinds.map(PlainValue.string)
        kind["enum"] = .array(names)
        properties["kind"] = .object(kind)
        stage["properties"] = .object(properties)
        if requiringWith {
            for name in kinds {
                branches.append(.object([
                    "if": .object(["required": .array([.string("kind")]), "properties": .object(["kind": .object(["const": .string(name)])])]),
                    "then": .object(["required": .array([.string("with")])]),
                ]))
            }
            stage["allOf"] = .array(branches)
        }
        defs["stage"] = .object(stage)
        root["$defs"] = .object(defs)
        return try! JSONSchema(json: try! JSONEncoder().encode(PlainValue.object(root)))
    }
}
