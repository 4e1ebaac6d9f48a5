/// The stages as a DAG: an edge from A to B when B references A's output, names A in `needs`, or reads a path
/// that A writes. Built once per load; rejects unknown stages and outputs, and cycles, naming both ends.
public struct StageGraph: Sendable {
    /// Stage names in a valid run order; among stages free to go, file order first.
    public private(set) var order: [String]
    /// Stage → the stages it depends on directly.
    public private(set) var upstream: [String: [String]]
    /// Stage → why each upstream edge exists (for `dag` and messages).
    public private(set) var edgeReasons: [String: [String: String]]

    public init(_ spec: PipelineSpec, outputs: [String: [OutputDeclaration]], inputs: [String: [String]]) throws {
        var problems: [PipelineError] = []
        var upstream: [String: [String]] = [:]
        var reasons: [String: [String: String]] = [:]
        let names = spec.stages.map(\.name)

        func addEdge(_ from: String, _ to: String, _ reason: String) {
            if !(upstream[to] ?? []).contains(from) { upstream[to, default: []].append(from) }
            if reasons[to]?[from] == nil { reasons[to, default: [:]][from] = reason }
        }

        for stage in spec.stages {
            upstream[stage.name] = upstream[stage.name] ?? []
            for ref in stage.references {
                guard let declared = outputs[ref.stage] else {
                    problems.append(.invalid(at: ref.location, "\(ref) in stage '\(stage.name)' names no stage '\(ref.stage)'",
                                             hint: Suggestion.didYouMean(ref.stage, among: names)))
                    continue
                }
                if ref.stage == stage.name {
                    problems.append(.invalid(at: ref.location, "stage '\(stage.name)' refers to its own output \(ref)"))
                    continue
                }
                guard declared.contains(where: { $0.name == ref.output }) else {
                    let available = declared.map(\.name)
                    problems.append(.invalid(
                        at: ref.location, "stage '\(ref.stage)' has no output '\(ref.output)' (in stage '\(stage.name)')",
                        hint: Suggestion.didYouMean(ref.output, among: available)
                            ?? (available.isEmpty ? "it declares no outputs" : "its outputs: \(available.joined(separator: ", "))")))
                    continue
                }
                addEdge(ref.stage, stage.name, "reads \(ref)")
            }
            for need in stage.needs {
                guard outputs[need.stage] != nil else {
                    problems.append(.invalid(at: need.location, "stage '\(stage.name)' needs '\(need.stage)', which is not a stage",
                                             hint: Suggestion.didYouMean(need.stage, among: names)))
                    continue
                }
                if need.stage == stage.name {
                    problems.append(.invalid(at: need.location, "stage '\(stage.name)' needs itself"))
                    continue
                }
                addEdge(need.stage, stage.name, "needs")
            }
        }

        // Paths one stage writes in place and another reads: an implicit edge, as DVC infers from deps and outs.
        var writers: [(path: String, stage: String)] = []
        for stage in spec.stages {
            for case .inPlace(let path) in (outputs[stage.name] ?? []).map(\.form) {
                let normal = Self.normalize(path)
                if let clash = writers.first(where: { Self.overlaps($0.path, normal) }) {
                    problems.append(.invalid(at: stage.location,
                                             "stages '\(clash.stage)' and '\(stage.name)' both write '\(normal)'",
                                             hint: "each path may be an output of one stage only"))
                }
                writers.append((normal, stage.name))
            }
        }
        for stage in spec.stages {
            for input in inputs[stage.name] ?? [] {
                let normal = Self.normalize(input)
                for writer in writers where writer.stage != stage.name && Self.overlaps(writer.path, normal) {
                    addEdge(writer.stage, stage.name, "reads \(input), written by '\(writer.stage)'")
                }
            }
        }

        if !problems.isEmpty { throw PipelineErrors(problems) }
        self.upstream = upstream
        self.edgeReasons = reasons
        self.order = []
        self.order = try Self.topologicalOrder(spec, upstream: upstream)
    }

    /// Every stage `targets` need, targets included, in run order.
    public func closure(of targets: [String]) -> [String] {
        var wanted = Set<String>()
        var stack = targets
        while let name = stack.popLast() {
            if wanted.insert(name).inserted { stack.append(contentsOf: upstream[name] ?? []) }
        }
        return order.filter(wanted.contains)
    }

    /// Stages that depend on `name`, directly or not.
    public func downstream(of name: String) -> Set<String> {
        var found = Set<String>()
        var changed = true
        while changed {
            changed = false
            for (stage, ups) in upstream where !found.contains(stage) && ups.contains(where: { $0 == name || found.contains($0) }) {
                found.insert(stage)
                changed = true
            }
        }
        return found
    }

    /// Kahn's algorithm; ties broken by file order so that every run and every machine plans the same.
    private static func topologicalOrder(_ spec: PipelineSpec, upstream: [String: [String]]) throws -> [String] {
        var remaining = upstream.mapValues { Set($0) }
        var order: [String] = []
        while order.count < spec.stages.count {
            guard let next = spec.stages.first(where: { remaining[$0.name]?.isEmpty == true }) else {
                throw cycleError(spec, remaining: remaining)
            }
            order.append(next.name)
            remaining[next.name] = nil
            for key in remaining.keys { remaining[key]!.remove(next.name) }
        }
        return order
    }

    /// Walks the leftover edges to name one cycle in full.
    private static func cycleError(_ spec: PipelineSpec, remaining: [String: Set<String>]) -> PipelineError {
        let start = spec.stages.first { remaining[$0.name] != nil }!.name
        var path = [start]
        var current = start
        while true {
            let next = spec.stages.map(\.name).first { remaining[current]?.contains($0) == true }!
            if let i = path.firstIndex(of: next) {
                // `path` follows "depends on"; reversed, it follows the data. Start at the earliest stage in the file.
                let flow = Array(path[i...].reversed())
                let names = spec.stages.map(\.name)
                let first = flow.indices.min { names.firstIndex(of: flow[$0])! < names.firstIndex(of: flow[$1])! }!
                let cycle = Array(flow[first...] + flow[..<first])
                return .invalid(at: spec.stage(cycle[0])!.location,
                                "the stages form a cycle: \((cycle + [cycle[0]]).joined(separator: " → "))",
                                hint: "remove one of these references or needs")
            }
            path.append(next)
            current = next
        }
    }

    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == "..", let last = parts.last, last != ".." { parts.removeLast() } else { parts.append(part) }
        }
        return parts.joined(separator: "/")
    }

    /// Same path, or one inside the other.
    static func overlaps(_ a: String, _ b: String) -> Bool {
        a == b || b.hasPrefix(a + "/") || a.hasPrefix(b + "/")
    }

    /// Graphviz source for `dbrun dag --dot`.
    public func dot(name: String) -> String {
        var lines = ["digraph \"\(name)\" {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
        for stage in order { lines.append("  \"\(stage)\";") }
        for stage in order {
            for up in upstream[stage] ?? [] {
                lines.append("  \"\(up)\" -> \"\(stage)\" [tooltip=\"\(edgeReasons[stage]?[up] ?? "")\"];")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }
}
