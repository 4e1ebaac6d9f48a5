import Foundation

/// A pipeline that passed every check: schema, kinds, references, DAG. What every command works on.
public struct LoadedPipeline: Sendable {
    public var spec: PipelineSpec
    public var graph: StageGraph
    public var outputs: [String: [OutputDeclaration]]
    public var kinds: StageKindRegistry

    public func kind(of stage: StageSpec) -> any StageKind { kinds[stage.kind]! }
}

/// File → YAML → schema → typed spec → each kind's own checks → DAG. Collects all problems of one phase before
/// throwing, so a user fixes them in one go.
public enum PipelineLoader {
    /// - Parameters:
    ///   - schema: the schema to validate against; the shipped one unless a test brings kinds of its own.
    ///   - overrides: `--set` values, applied to the file before any check.
    public static func load(file: String, kinds: StageKindRegistry = .builtIn,
                            schema: JSONSchema = PipelineSchema.validator,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            overrides: [SpecOverride] = []) throws -> LoadedPipeline {
        let root = try SpecOverride.apply(overrides, to: YAMLLoader.load(file: file))
        let problems = schema.validate(root)
        if !problems.isEmpty {
            throw PipelineErrors(problems, stoppedEarly: problems.count >= PipelineErrors.keepLimit)
        }

        let workspace = URL(fileURLWithPath: file).deletingLastPathComponent().standardizedFileURL
        let defaultName = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var spec = PipelineSpec(file: file, workspace: workspace, name: root["name"]?.string ?? defaultName,
                                seed: root["seed"]?.int ?? 0, stages: [])
        var environmentProblems: [PipelineError] = []
        for entry in root["stages"]?.entries ?? [] {
            let kind = entry.value["kind"]?.string ?? ""
            let needs = (entry.value["needs"]?.array ?? []).compactMap { node in
                node.string.map { StageSpec.Dependency(stage: $0, location: node.location) }
            }
            if entry.key == PipelineSpec.environmentStage {
                environmentProblems.append(.invalid(at: entry.keyLocation, "a stage cannot be named '\(entry.key)': ${env.NAME} reads environment variables",
                                                    hint: "rename the stage"))
            }
            let references = entry.value.references
            for ref in references where ref.stage == PipelineSpec.environmentStage && spec.environment[ref.output] == nil {
                if let value = environment[ref.output], !value.isEmpty {
                    spec.environment[ref.output] = value
                } else {
                    environmentProblems.append(.invalid(at: ref.location, "\(ref) in stage '\(entry.key)': environment variable \(ref.output) is not set",
                                                        hint: "export \(ref.output)=… before running dbrun"))
                }
            }
            spec.stages.append(StageSpec(name: entry.key, kind: kind, location: entry.keyLocation, body: entry.value,
                                         needs: needs, references: references.filter { $0.stage != PipelineSpec.environmentStage }))
        }
        if !environmentProblems.isEmpty { throw PipelineErrors(Array(environmentProblems.prefix(PipelineErrors.keepLimit))) }

        var outputs: [String: [OutputDeclaration]] = [:]
        var inputs: [String: [String]] = [:]
        var kindProblems: [PipelineError] = []
        var omitted = 0
        for stage in spec.stages {
            guard let kind = kinds[stage.kind] else {
                kindProblems.append(.invalid(at: stage.body["kind"]?.location ?? stage.location,
                                             "this dbrun has no stage kind '\(stage.kind)'",
                                             hint: Suggestion.didYouMean(stage.kind, among: kinds.names)))
                continue
            }
            do {
                outputs[stage.name] = try kind.declareOutputs(of: stage, in: spec)
                inputs[stage.name] = try kind.identity(of: stage, in: spec).inputs
            } catch let error as PipelineError {
                kindProblems.append(error)
            } catch let errors as PipelineErrors {
                kindProblems.append(contentsOf: errors.errors)
                omitted += errors.omitted
            }
        }
        if !kindProblems.isEmpty {
            // Each stage's problems are bounded by its size; together they are kept to the usual limit.
            omitted += max(0, kindProblems.count - PipelineErrors.keepLimit)
            throw PipelineErrors(Array(kindProblems.prefix(PipelineErrors.keepLimit)), omitted: omitted)
        }

        let graph = try StageGraph(spec, outputs: outputs, inputs: inputs)
        return LoadedPipeline(spec: spec, graph: graph, outputs: outputs, kinds: kinds)
    }
}
