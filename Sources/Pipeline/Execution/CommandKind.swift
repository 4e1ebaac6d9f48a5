import Foundation

/// `kind: command` — a shell command with declared `deps`, `outs` and `params`, as a DVC stage is.
///
/// Runs with `/bin/sh -c` in the pipeline's folder. Outs are removed before it runs, must exist after it succeeds,
/// are then stored in the cache and restored in place on a later hit. `params` enter the key and the environment
/// as `DBRUN_PARAM_<NAME>`. References in `cmd` are substituted shell-quoted. A command may write `name=value` lines
/// to the file `$DBRUN_FIGURES`: they become the stage's figures (shown by `dbrun status`, not keyed).
public struct CommandKind: StageKind {
    public let name = "command"
    public let version = 1
    public let usesSeed = false

    public init() {}

    public func declareOutputs(of stage: StageSpec, in pipeline: PipelineSpec) throws -> [OutputDeclaration] {
        var problems: [PipelineError] = []
        var declarations: [OutputDeclaration] = []
        for node in stage.body["outs"]?.array ?? [] {
            guard let path = node.string else { continue }
            if let problem = Self.problem(withOut: path, in: pipeline) {
                problems.append(.invalid(at: node.location, "out '\(path)' of stage '\(stage.name)' \(problem)",
                                         hint: "outs are written inside the pipeline's folder; read other places through deps"))
            } else {
                declarations.append(OutputDeclaration(name: path, form: .inPlace(path: StageGraph.normalize(path))))
            }
        }
        if !problems.isEmpty { throw PipelineErrors(problems) }
        return declarations
    }

    public func identity(of stage: StageSpec, in pipeline: PipelineSpec) throws -> StageIdentity {
        let deps = (stage.body["deps"]?.array ?? []).compactMap(\.string)
        let parameters: PlainValue = .object([
            "cmd": stage.body["cmd"]?.plain ?? .null,
            "outs": stage.body["outs"]?.plain ?? .array([]),
            "params": stage.body["params"]?.plain ?? .object([:]),
            // Deps enter the key by content; their names are kept so that renaming one is a change too.
            "deps": .array(deps.map { .string($0) }),
        ])
        return StageIdentity(parameters: parameters, inputs: deps.filter { dep in
            Template(dep, at: stage.location).references.allSatisfy { $0.stage == PipelineSpec.environmentStage }
        })
    }

    public func run(_ job: StageJob) throws -> [String: PlainValue] {
        let body = job.stage.body
        for node in body["deps"]?.array ?? [] {
            let path = job.render(node)
            guard FileSystem.exists(job.pipeline.resolve(path).path) else {
                throw PipelineError.invalid(at: node.location, "dep '\(path)' of stage '\(job.stage.name)' does not exist",
                                            hint: "create it, or add the stage that makes it and list it in outs")
            }
        }
        for node in body["outs"]?.array ?? [] {
            if let path = node.string { try FileSystem.remove(job.pipeline.resolve(path)) }
        }

        var environment: [String: String] = [:]
        for entry in body["params"]?.entries ?? [] {
            environment["DBRUN_PARAM_\(entry.key.uppercased())"] = entry.value.plain.interpolated
        }
        let figures = job.scratch.appendingPathComponent("figures.txt")
        environment[Self.figuresVariable] = figures.path
        let command = job.render(body["cmd"]!, quote: Subprocess.shellQuote)
        job.progress.line("$ \(command)")
        let status = try Subprocess.shell(command, in: job.pipeline.workspace, environment: environment,
                                          leftover: job.leftover, interruption: job.interruption) { line in
            job.progress.line(line)
        }
        try job.checkCancellation()
        guard status == 0 else {
            throw PipelineError.failed("stage '\(job.stage.name)': command exited with status \(status)",
                                       hint: "its output is above and in the stage's log")
        }
        for node in body["outs"]?.array ?? [] {
            guard let path = node.string, FileSystem.exists(job.pipeline.resolve(path).path) else {
                throw PipelineError.failed("stage '\(job.stage.name)': the command succeeded but did not create out '\(node.string ?? "")'",
                                           hint: "fix the command or the outs list")
            }
        }
        if let text = try? String(contentsOf: figures, encoding: .utf8) {
            for (name, value) in Self.figures(in: text, problem: { job.progress.line("warning: $\(Self.figuresVariable): \($0)") }) {
                job.report(figure: name, value)
            }
        }
        return [:]
    }

    /// The file a command may write its figures to, one `name=value` per line.
    static let figuresVariable = "DBRUN_FIGURES"

    /// `name=value` lines: integers and numbers as such, anything else as text; blank lines and `#` comments are
    /// skipped, other lines without a name and `=` are reported through `problem` and skipped (a figure is not worth
    /// failing a finished stage for).
    static func figures(in text: String, problem: (String) -> Void) -> [(String, PlainValue)] {
        var found: [(String, PlainValue)] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "="),
                  case let name = line[..<equals].trimmingCharacters(in: .whitespaces), !name.isEmpty else {
                problem("line \(number + 1) is not name=value: \(line)")
                continue
            }
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if let int = Int(value) { found.append((name, .int(int))) }
            else if let double = Double(value), double.isFinite { found.append((name, .double(double))) }
            else { found.append((name, .string(value))) }
        }
        return found
    }

    /// Why an out path is not allowed, or nil: it must stay inside the pipeline's folder, also through symlinks.
    static func problem(withOut path: String, in pipeline: PipelineSpec) -> String? {
        if path.hasPrefix("/") { return "is an absolute path" }
        if !Template(path, at: SourceLocation(file: "")).references.isEmpty { return "contains a reference; outs must be literal paths" }
        let normal = StageGraph.normalize(path)
        if normal.isEmpty { return "is the pipeline's folder itself" }
        if normal == ".." || normal.hasPrefix("../") { return "leaves the pipeline's folder" }
        let published = "out/\(pipeline.name)"
        if normal == ".dbrun" || normal.hasPrefix(".dbrun/") || normal == "out" || normal == published || normal.hasPrefix(published + "/") {
            return "is inside a folder dbrun manages (.dbrun/ or \(published)/)"
        }
        // Each existing prefix must resolve inside the workspace, so a symlinked folder cannot smuggle writes out.
        let root = pipeline.workspace.resolvingSymlinksInPath().path
        var prefix = pipeline.workspace
        for part in normal.split(separator: "/") {
            prefix = prefix.appendingPathComponent(String(part))
            guard FileSystem.exists(prefix.path) || FileSystem.isSymlink(prefix.path) else { break }
            let real = prefix.resolvingSymlinksInPath().path
            if real != root && !real.hasPrefix(root + "/") { return "leaves the pipeline's folder through the symbolic link \(prefix.path)" }
        }
        return nil
    }
}
