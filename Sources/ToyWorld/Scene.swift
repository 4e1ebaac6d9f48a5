import Imaging

/// One picture: a subject in a context, posed, placed and lit. Everything is in unit coordinates (the picture
/// is 1×1), so the same scene renders as the same picture at 64 and at 256 pixels.
public struct Scene: Sendable, Hashable, Codable {
    public var subject: Subject
    public var context: WorldContext
    /// Facing right (+1) or left (−1).
    public var facing: Float
    /// Animals only: sitting instead of standing.
    public var sitting: Bool
    /// Standing animals only: how far into a stride the legs are, 0 (square) to 1 (walking).
    public var gait: Float
    /// Tilt of the whole subject in degrees (small: a hand-held camera, a sloping ground).
    public var tilt: Float
    /// The subject's horizontal centre and the ground line under it, in [0, 1] (y down).
    public var centerX: Float
    public var groundY: Float
    /// The subject's nominal height as a fraction of the picture's (≈0.35–0.6: readable at 64×64).
    public var scale: Float
    /// The light on the subject: the context's, times a per-scene brightness and tint.
    public var light: RGB
    /// Seeds the placement of scene objects (waves, trees, stars…).
    public var backgroundSeed: UInt64

    /// A scene of `subject` in `context`, its pose, placement, light and scene objects drawn from `variation`.
    public init(subject: Subject, context: WorldContext, variation: UInt64) {
        var rng = SplitMix64(seed: WorldMath.mix(variation, subject.id.seed ^ UInt64(context.index) << 56))
        let cls = subject.id.worldClass
        self.subject = subject
        self.context = context
        facing = rng.coin() ? 1 : -1
        sitting = cls.isAnimal && rng.chance(cls == .cat ? 0.5 : 0.3)
        tilt = rng.uniform(-6...6) * (cls.isAnimal ? 1 : 0.5)
        gait = cls.isAnimal && !sitting && rng.chance(0.6) ? rng.uniform(0.3...1) : 0
        let extent = cls.extent
        // Wide subjects get a smaller scale so they fit; tall ones may fill up to 60% of the height.
        let maxScale = min(0.6, 0.92 / (2 * extent.halfWidth))
        scale = rng.uniform(max(0.35, maxScale - 0.2)...maxScale)
        let half = extent.halfWidth * scale
        centerX = rng.uniform((half + 0.03)...max(half + 0.03, 0.97 - half))
        groundY = rng.uniform(0.78...0.9)
        let brightness = rng.uniform(0.85...1.12)
        let tint = RGB(rng.uniform(0.95...1.05), rng.uniform(0.95...1.05), rng.uniform(0.95...1.05))
        light = context.light.lit(tint).scaled(brightness)
        backgroundSeed = rng.next()
    }

    /// A scene for `id` in `context`: the usual way to ask for a photo of a subject.
    public init(_ id: SubjectID, in context: WorldContext, variation: UInt64) {
        self.init(subject: Subject(id), context: context, variation: variation)
    }

    /// The subject's class.
    public var worldClass: WorldClass { subject.id.worldClass }
}
