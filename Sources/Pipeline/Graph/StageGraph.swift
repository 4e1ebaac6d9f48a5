/// The stages as a DAG: an edge from A to B when B references A's output, names A in `needs`, or reads a path
/// that A writes. Built once per load; rejects unknown stages and outputs, and cycles, naming both ends.
///
/// Every step is near-linear in the size of the spec (hash maps, a path trie, a heap), and "did you mean" hints
/// are computed only for the problems that will be printed, so a hostile file is answered as fast as a good one.
public struct StageGraph: Sendable {
    /// Stage names in a valid run order; among stages free to go, file order first.
    public private(set) var order: [String]
    /// Stage → the stages it depends on directly.
    public private(set) var upstream: [String: [String]]
    /// Stage → why each upstream edge exists (for `dag` and messages).
    public private(set) var edgeReasons: [String: [String: String]]

    public init(_ spec: PipelineSpec, outputs: [String: [OutputDeclaration]], inputs: [String: [String]]) throws {
        var problems: [PipelineError] = []
        var omitted = 0
        /// Keeps the first problems and counts the rest; messages past the limit are never built.
        func report(_ problem: @autoclosure () -> PipelineError) {
            if problems.count < PipelineErrors.keepLimit { problems.append(problem()) } else { omitted += 1 }
        }
        var upstream: [String: [String]] = [:]
        var reasons: [String: [String: String]] = [:]
        let names = spec.stages.map(\.name)
        let outputNames = outputs.mapValues { Set($0.map(\.name)) }
        /// Hints cost an edit-distance search, so only the problems that will be printed get one.
        func hint(_ make: @autoclosure () -> String?) -> String? {
            problems.count < PipelineErrors.reportLimit ? make() : nil
        }

        func addEdge(_ from: String, _ to: String, _ reason: String) {
            guard reasons[to]?[from] == nil else { return }
            upstream[to, default: []].append(from)
            reasons[to, default: [:]][from] = reason
        }

        for stage in spec.stages {
            upstream[stage.name] = upstream[stage.name] ?? []
            for ref in stage.references {
                guard let declared = outputNames[ref.stage] else {
                    report(.invalid(at: ref.location, "\(ref) in stage '\(stage.name)' names no stage '\(ref.stage)'",
                                             hint: hint(Suggestion.didYouMean(ref.stage, among: names))))
                    continue
                }
                if ref.stage == stage.name {
                    report(.invalid(at: ref.location, "stage '\(stage.name)' refers to its own output \(ref)"))
                    continue
                }
                guard declared.contains(ref.output) else {
                    report(.invalid(
                        at: ref.location, "stage '\(ref.stage)' has no output '\(ref.output)' (in stage '\(stage.name)')",
                        hint: hint(Self.outputHint(ref.output, outputs[ref.stage] ?? []))))
                    continue
                }
                addEdge(ref.stage, stage.name, "reads \(ref)")
            }
            for need in stage.needs {
                guard outputs[need.stage] != nil else {
                    report(.invalid(at: need.location, "stage '\(stage.name)' needs '\(need.stage)', which is not a stage",
                                             hint: hint(Suggestion.didYouMean(need.stage, among: names))))
                    continue
                }
                if need.stage == stage.name {
                    report(.invalid(at: need.location, "stage '\(stage.name)' needs itself"))
                    continue
                }
                addEdge(need.stage, stage.name, "needs")
            }
        }

        // Paths one stage writes in place and another reads: an implicit edge, as DVC infers from deps and outs.
        var writers = PathTrie()
        for stage in spec.stages {
            for case .inPlace(let path) in (outputs[stage.name] ?? []).map(\.form) {
                let normal = Self.normalize(path)
                if let clash = writers.firstOverlap(normal) {
                    report(.invalid(at: stage.location,
                                             "stages '\(clash)' and '\(stage.name)' both write '\(normal)'",
                                             hint: "each path may be an output of one stage only"))
                }
                writers.insert(normal, writer: stage.name)
            }
        }
        for stage in spec.stages {
            var seen = Set<String>()
            for input in inputs[stage.name] ?? [] where seen.insert(Self.normalize(input)).inserted {
                for writer in writers.overlapping(Self.normalize(input)) where writer != stage.name {
                    addEdge(writer, stage.name, "reads \(input), written by '\(writer)'")
                }
            }
        }

        if !problems.isEmpty { throw PipelineErrors(problems, omitted: omitted) }
        self.upstream = upstream
        self.edgeReasons = reasons
        self.order = []
        self.order = try Self.topologicalOrder(spec, upstream: upstream)
    }

    private static func outputHint(_ output: String, _ declared: [OutputDeclaration]) -> String {
        let available = declared.map(\.name)
        if let suggestion = Suggestion.didYouMean(output, among: available) { return suggestion }
        if available.isEmpty { return "it declares no outputs" }
        let shown = available.prefix(10).joined(separator: ", ")
        return "its outputs: \(shown)\(available.count > 10 ? ", … (\(available.count) in all)" : "")"
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
        var readers: [String: [String]] = [:]
        for (stage, ups) in upstream {
            for up in ups { readers[up, default: []].append(stage) }
        }
        var found = Set<String>()
        var stack = readers[name] ?? []
        while let stage = stack.popLast() {
            if found.insert(stage).inserted { stack.append(contentsOf: readers[stage] ?? []) }
        }
        return found
    }

    /// Kahn's algorithm with a heap of file positions, so that among the stages free to go the earliest in the
    /// file runs first, and every run and every machine plans the same.
    private static func topologicalOrder(_ spec: PipelineSpec, upstream: [String: [String]]) throws -> [String] {
        let names = spec.stages.map(\.name)
        var position: [String: Int] = [:]
        for (i, name) in names.enumerated() where position[name] == nil { position[name] = i }
        var pending = [Int](repeating: 0, count: names.count)
        var readers = [[Int]](repeating: [], count: names.count)
        for (i, name) in names.enumerated() {
            for up in upstream[name] ?? [] {
                guard let u = position[up] else { continue }
                pending[i] += 1
                readers[u].append(i)
            }
        }
        var ready = MinHeap()
        for i in names.indices where pending[i] == 0 { ready.push(i) }
        var order: [String] = []
        var placed = [Bool](repeating: false, count: names.count)
        while let i = ready.pop() {
            order.append(names[i])
            placed[i] = true
            for r in readers[i] {
                pending[r] -= 1
                if pending[r] == 0 { ready.push(r) }
            }
        }
        if order.count < names.count {
            throw cycleError(spec, names: names, position: position, upstream: upstream, placed: placed)
        }
        return order
    }

    /// Walks the leftover edges to name one cycle in full: from the earliest unplaced stage, always to its
    /// earliest unplaced upstream, until a stage repeats.
    private static func cycleError(_ spec: PipelineSpec, names: [String], position: [String: Int],
                                   upstream: [String: [String]], placed: [Bool]) -> PipelineError {
        var current = placed.firstIndex(of: false)!
        var path = [current]
        var onPath = [current: 0]
        while true {
            let next = (upstream[names[current]] ?? []).compactMap { position[$0] }.filter { !placed[$0] }.min()!
            if let i = onPath[next] {
                // `path` follows "depends on"; reversed, it follows the data. Start at the earliest stage in the file.
                let flow = Array(path[i...].reversed())
                let first = flow.indices.min { flow[$0] < flow[$1] }!
                let cycle = (flow[first...] + flow[..<first]).map { names[$0] }
                return .invalid(at: spec.stages[flow[first]].location,
                                "the stages form a cycle: \(Self.cycleText(cycle))",
                                hint: "remove one of these references or needs")
            }
            onPath[next] = path.count
            path.append(next)
            current = next
        }
    }

    /// `a → b → c → a`, shortened in the middle when the cycle is long.
    private static func cycleText(_ cycle: [String]) -> String {
        let closed = cycle + [cycle[0]]
        guard closed.count > 12 else { return closed.joined(separator: " → ") }
        return (closed.prefix(6) + ["… (\(cycle.count - 10) more)"] + closed.suffix(5)).joined(separator: " → ")
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

/// A binary min-heap of stage positions.
struct MinHeap {
    private var items: [Int] = []

    mutating func push(_ x: Int) {
        items.append(x)
        var i = items.count - 1
        while i > 0, items[(i - 1) / 2] > items[i] {
            items.swapAt(i, (i - 1) / 2)
            i = (i - 1) / 2
        }
    }

    mutating func pop() -> Int? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        items[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < items.count, items[l] < items[smallest] { smallest = l }
            if r < items.count, items[r] < items[smallest] { smallest = r }
            if smallest == i { return top }
            items.swapAt(i, smallest)
            i = smallest
        }
    }
}
