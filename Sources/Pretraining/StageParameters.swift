import Foundation
import Diffusion
import Pipeline
import SafeTensors

/// Typed reading of a stage's `with:` mapping. The schema has already checked types and ranges; these accessors
/// still name the field and its location when a value is wrong, because kinds also run on specs built in code.
package struct StageParameters {
    package let stage: StageSpec
    package let with: SpecNode

    package init(_ stage: StageSpec) {
        self.stage = stage
        with = stage.with
    }

    package func node(_ key: String) -> SpecNode? { with[key] }

    private func wrong(_ key: String, _ expected: String) -> PipelineError {
        .invalid(at: node(key)?.location ?? stage.location, "stage '\(stage.name)': '\(key)' must be \(expected)")
    }

    package func int(_ key: String, default value: Int) throws -> Int {
        guard let n = node(key) else { return value }
        guard let i = n.int else { throw wrong(key, "an integer") }
        return i
    }

    package func double(_ key: String, default value: Double) throws -> Double {
        guard let n = node(key) else { return value }
        guard let d = n.number else { throw wrong(key, "a number") }
        return d
    }

    package func float(_ key: String, default value: Float) throws -> Float { Float(try double(key, default: Double(value))) }

    package func optionalDouble(_ key: String) throws -> Double? {
        guard let n = node(key), n.plain != .null else { return nil }
        guard let d = n.number else { throw wrong(key, "a number") }
        return d
    }

    package func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let n = node(key) else { return value }
        guard let b = n.bool else { throw wrong(key, "true or false") }
        return b
    }

    package func string(_ key: String, default value: String) throws -> String {
        guard let n = node(key) else { return value }
        guard let s = n.string else { throw wrong(key, "a string") }
        return s
    }

    /// A mapping given in diffusers'/transformers' own config.json keys, as JSON, for the model's config decoder.
    package func configJSON(_ key: String) throws -> Data {
        guard let n = node(key) else { return Data("{}".utf8) }
        guard n.entries != nil else { throw wrong(key, "a mapping of config.json keys") }
        return Data(n.plain.canonicalJSON.utf8)
    }

    /// Decodes a model config from `key`, naming the stage's field when the config is refused.
    package func config<C: ModelConfig>(_ key: String, as type: C.Type) throws -> C {
        do {
            return try C.decode(try configJSON(key), path: "\(stage.name).with.\(key)").config
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError.invalid(at: node(key)?.location ?? stage.location, "stage '\(stage.name)': \(key): \(error)")
        }
    }

    /// A path parameter with its references resolved, as a file URL.
    package func path(_ key: String, in job: StageJob) throws -> URL {
        guard let n = node(key) else {
            throw PipelineError.invalid(at: stage.location, "stage '\(stage.name)' needs '\(key)'")
        }
        return job.pipeline.resolve(job.render(n))
    }

    /// The workspace paths among `keys` that enter the key by content, as written: those with stage references are
    /// upstream outputs (their content enters as the upstream's), while `${env.NAME}` paths are inputs like any
    /// other (the key holds the reference as written and the content it names).
    package func inputPaths(_ keys: [String]) -> [String] {
        keys.compactMap { key in node(key).flatMap(Self.inputPath) }
    }

    /// A path parameter that names an input (no stage references), or nil.
    package static func inputPath(_ n: SpecNode) -> String? {
        guard let s = n.string, Template(s, at: n.location).references.allSatisfy({ $0.stage == PipelineSpec.environmentStage }) else { return nil }
        return s
    }

    /// An optional string: nil when absent or null.
    package func optionalString(_ key: String) throws -> String? {
        guard let n = node(key), n.plain != .null else { return nil }
        guard let s = n.string else { throw wrong(key, "a string") }
        return s
    }

    /// A list of strings (a single string counts as a list of one).
    package func strings(_ key: String, default value: [String]) throws -> [String] {
        guard let n = node(key) else { return value }
        if let s = n.string { return [s] }
        guard let items = n.array else { throw wrong(key, "a list of strings") }
        return try items.map { item in
            guard let s = item.string else { throw wrong(key, "a list of strings") }
            return s
        }
    }

    /// `save_dtype`: float32 (default) or float16, the precision published weights are written in.
    package func saveType() throws -> SafeTensorsDType {
        switch try string("save_dtype", default: "float32") {
        case "float32": return .float32
        case "float16": return .float16
        case let other:
            throw PipelineError.invalid(at: node("save_dtype")?.location ?? stage.location,
                                        "stage '\(stage.name)': save_dtype must be float32 or float16, not '\(other)'")
        }
    }
}
