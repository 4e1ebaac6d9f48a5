/// The kinds of subject the world draws. Each has a distinct silhouette at 64×64 (four-legged with a snout,
/// four-legged with pointed ears and a long tail, a tall box with straps, a round pot with spout and handle, a
/// tall narrow-necked vessel, a long low shoe), so a tiny model can tell them apart.
public enum WorldClass: String, Sendable, Codable, CaseIterable, Comparable {
    case dog, cat, backpack, teapot, vase, sneaker

    /// The class noun in captions ("a photo of a dog").
    public var noun: String { rawValue }

    /// Whether the subject is an animal (it has eyes, may sit, and wears a collar).
    public var isAnimal: Bool { self == .dog || self == .cat }

    /// The colours an instance's main colour is drawn from: what such a thing plausibly comes in.
    public var palette: [WorldColor] {
        switch self {
        case .dog: [.brown, .black, .white, .golden, .grey, .cream]
        case .cat: [.black, .white, .grey, .orange, .brown, .cream]
        case .backpack: [.red, .blue, .green, .yellow, .black, .purple, .orange, .pink, .grey, .teal]
        case .teapot: [.white, .blue, .red, .green, .yellow, .pink, .black, .brown, .teal, .cream]
        case .vase: [.blue, .white, .red, .green, .yellow, .purple, .orange, .teal, .black, .pink]
        case .sneaker: [.white, .black, .red, .blue, .green, .yellow, .pink, .orange, .purple, .grey]
        }
    }

    /// Half the subject's width and its height, in units of its nominal height, when standing and facing right:
    /// placement keeps this box inside the picture.
    var extent: (halfWidth: Float, height: Float) {
        switch self {
        case .dog: (0.82, 1.0)
        case .cat: (0.78, 1.0)
        case .backpack: (0.45, 1.0)
        case .teapot: (0.75, 1.0)
        case .vase: (0.40, 1.0)
        case .sneaker: (0.95, 0.62)
        }
    }

    /// Looks a class up by its noun; nil for anything else.
    public init?(noun: String) { self.init(rawValue: noun.lowercased()) }

    public static func < (a: Self, b: Self) -> Bool { a.index < b.index }

    /// Position in `allCases`: a stable small integer for labels and seeds.
    public var index: Int { Self.allCases.firstIndex(of: self)! }
}
