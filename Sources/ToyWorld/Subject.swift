import Imaging

/// One instance of a class, named by a number: `SubjectID(.dog, 17)` is always the same dog.
///
/// Ids in `reservedIDs` are the examples' and the evaluation's subjects; pretraining draws only from
/// `pretrainingIDs`, so a DreamBooth run on dog 17 teaches the model a dog it has never seen.
public struct SubjectID: Sendable, Hashable, Codable, CustomStringConvertible {
    public var worldClass: WorldClass
    public var id: Int

    /// Ids kept for examples and evaluation, never drawn by pretraining.
    public static let reservedIDs = 0..<1000
    /// The ids pretraining draws from.
    public static let pretrainingIDs = 1000..<1_000_000

    public init(_ worldClass: WorldClass, _ id: Int) {
        precondition(id >= 0, "subject ids are non-negative")
        self.worldClass = worldClass
        self.id = id
    }

    /// Whether the id is one of the reserved (held-out) subjects.
    public var isReserved: Bool { Self.reservedIDs.contains(id) }

    /// The instance's seed: a stable hash of the class noun and the id (never Swift's per-process `Hasher`).
    public var seed: UInt64 {
        WorldMath.mix(WorldMath.fnv1a(worldClass.noun.utf8), UInt64(id))
    }

    public var description: String { "\(worldClass.noun) \(id)" }
}

/// How a subject's surface is patterned.
public enum Pattern: String, Sendable, Codable, CaseIterable {
    case plain, spots, stripes, patches
}

/// Small shapes for tags, logos and painted motifs: the fine detail that survives only at 256×256.
public enum DetailShape: String, Sendable, Codable, CaseIterable {
    case circle, star, heart, square, bone, diamond
}

/// Everything that makes one instance itself, drawn once from its `SubjectID`'s seed and the same in every
/// photo of it: colours, pattern, proportions, accessories and fine details. Pose and place belong to `Scene`.
public struct Subject: Sendable, Hashable, Codable {
    public var id: SubjectID
    /// The colour captions name ("a brown dog").
    public var mainColor: WorldColor
    /// The pattern's and trim's colour (spots, stripes, pocket, sole…), never the main colour.
    public var secondColor: WorldColor
    public var pattern: Pattern
    /// The accessory's colour: collar, bow, strap, lid knob, laces.
    public var accessoryColor: WorldColor
    /// Whether the instance wears its class's accessory (collar, bow, lid, flowers, second strap…).
    public var hasAccessory: Bool
    /// Class-specific shape variant: ear type, vase profile, sneaker height…
    public var variant: Int
    /// Proportions in [0, 1], each a class-specific measure (body length, head size, leg length…).
    public var proportions: [Float]
    /// The small detail: a collar tag, a logo, a painted motif.
    public var detailShape: DetailShape
    public var detailColor: WorldColor
    /// The iris colour of animals (also used as a second motif colour for objects).
    public var eyeColor: RGB

    /// Draws the instance for `id` deterministically.
    public init(_ id: SubjectID) {
        var rng = SplitMix64(seed: id.seed)
        let palette = id.worldClass.palette
        self.id = id
        mainColor = rng.pick(palette)
        var second = rng.pick(WorldColor.allCases)
        while second == mainColor { second = rng.pick(WorldColor.allCases) }
        secondColor = second
        let patterns: [Pattern] = id.worldClass == .cat ? [.plain, .stripes, .stripes, .patches, .spots]
            : id.worldClass == .dog ? [.plain, .plain, .spots, .patches] : Pattern.allCases
        pattern = rng.pick(patterns)
        accessoryColor = rng.pick([.red, .blue, .green, .yellow, .pink, .purple, .orange, .teal])
        hasAccessory = rng.chance(0.7)
        variant = rng.below(3)
        proportions = (0..<6).map { _ in rng.unit() }
        detailShape = rng.pick(DetailShape.allCases)
        var detail = rng.pick([WorldColor.golden, .white, .red, .blue, .yellow, .green, .pink, .purple, .teal, .black])
        if detail == mainColor { detail = detail == .white ? .black : .white }
        detailColor = detail
        eyeColor = rng.pick([RGB(0.45, 0.28, 0.10), RGB(0.20, 0.50, 0.90), RGB(0.25, 0.62, 0.22),
                             RGB(0.90, 0.65, 0.10), RGB(0.55, 0.45, 0.20)])
    }

    /// Proportion `i` mapped into `range`.
    func measure(_ i: Int, _ range: ClosedRange<Float>) -> Float {
        range.lowerBound + (range.upperBound - range.lowerBound) * proportions[i]
    }
}
