/// Where a picture is taken. Each context has its own ground and sky colours and scene objects (waves, snow,
/// buildings, tiles, moon, trees, cacti), so the context phrase of a caption is visible in the picture.
public enum WorldContext: String, Sendable, Codable, CaseIterable, Comparable {
    case beach, snow, grass, street, kitchen, night, forest, desert

    /// The phrase captions append ("a dog on the beach").
    public var phrase: String {
        switch self {
        case .beach: "on the beach"
        case .snow: "in the snow"
        case .grass: "on the grass"
        case .street: "on a city street"
        case .kitchen: "in a kitchen"
        case .night: "at night"
        case .forest: "in the forest"
        case .desert: "in the desert"
        }
    }

    /// The light falling on the subject before per-scene variation: night is dark and blue, the desert warm.
    var light: RGB {
        switch self {
        case .night: RGB(0.62, 0.66, 0.86)
        case .desert: RGB(1.04, 0.97, 0.86)
        case .forest: RGB(0.86, 0.92, 0.82)
        case .snow: RGB(0.98, 1.0, 1.06)
        case .kitchen: RGB(1.0, 0.96, 0.9)
        case .street: RGB(0.92, 0.92, 0.94)
        default: RGB(1, 1, 1)
        }
    }

    /// Looks a context up by name; nil for anything else.
    public init?(name: String) { self.init(rawValue: name.lowercased()) }

    public static func < (a: Self, b: Self) -> Bool { a.index < b.index }

    /// Position in `allCases`.
    public var index: Int { Self.allCases.firstIndex(of: self)! }
}
