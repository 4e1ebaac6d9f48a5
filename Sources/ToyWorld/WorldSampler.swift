import Imaging

/// One training example: a scene, its caption, and what was drawn (for labels and metadata).
public struct WorldExample: Sendable {
    public var scene: Scene
    public var caption: String

    public var subject: SubjectID { scene.subject.id }
    public var worldClass: WorldClass { scene.worldClass }
    public var context: WorldContext { scene.context }
}

/// The pretraining stream: example `i` is a pure function of (seed, i), so a training loop can resume at any
/// index and two runs with one seed see the same pictures. Subjects come only from
/// `SubjectID.pretrainingIDs`; the reserved ids stay unseen.
public struct WorldSampler: Sendable {
    public let seed: UInt64
    /// The classes and contexts drawn from (all of them by default), uniformly.
    public let classes: [WorldClass]
    public let contexts: [WorldContext]

    public init(seed: UInt64, classes: [WorldClass] = WorldClass.allCases, contexts: [WorldContext] = WorldContext.allCases) {
        precondition(!classes.isEmpty && !contexts.isEmpty, "a sampler needs at least one class and one context")
        self.seed = seed
        self.classes = classes
        self.contexts = contexts
    }

    /// Example `index` (any non-negative index).
    public func example(at index: Int) -> WorldExample {
        precondition(index >= 0, "example indices are non-negative")
        var rng = SplitMix64(seed: WorldMath.mix(seed, UInt64(index)))
        let cls = classes[rng.below(classes.count)]
        let ids = SubjectID.pretrainingIDs
        let id = SubjectID(cls, ids.lowerBound + rng.below(ids.count))
        let context = contexts[rng.below(contexts.count)]
        let scene = Scene(id, in: context, variation: rng.next())
        return WorldExample(scene: scene, caption: Captions.caption(for: scene, template: rng.below(Captions.templates.count)))
    }

    /// Examples `range`, in order.
    public func examples(_ range: Range<Int>) -> [WorldExample] { range.map(example(at:)) }
}

extension ToyWorld {
    /// Photos of one subject as a user would bring them to DreamBooth: varied contexts, poses and placements,
    /// photo `k` a pure function of (subject, seed, k).
    public static func subjectPhotos(_ id: SubjectID, count: Int, seed: UInt64,
                                     contexts: [WorldContext] = WorldContext.allCases) -> [Scene] {
        let subject = Subject(id)
        var rng = SplitMix64(seed: WorldMath.mix(seed, id.seed))
        var order = contexts
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }  // Fisher–Yates
        return (0..<count).map { k in
            Scene(subject: subject, context: order[k % order.count], variation: WorldMath.mix(seed, UInt64(k) &+ 0x5EED))
        }
    }
}
