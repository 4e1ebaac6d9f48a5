/// A named colour: captions say the name, the renderer paints the value.
///
/// Names are what a person would call the colour, so "a red backpack" in a caption matches what the picture
/// shows; the palette is small and far apart so that colour is learnable at 64×64.
public enum WorldColor: String, Sendable, Codable, CaseIterable {
    case brown, black, white, golden, grey, red, blue, green, yellow, pink, orange, purple, cream, teal

    /// Linear-ish sRGB in [0, 1].
    public var rgb: RGB {
        switch self {
        case .brown: RGB(0.48, 0.30, 0.16)
        case .black: RGB(0.10, 0.09, 0.09)
        case .white: RGB(0.95, 0.94, 0.92)
        case .golden: RGB(0.86, 0.64, 0.30)
        case .grey: RGB(0.55, 0.55, 0.57)
        case .red: RGB(0.82, 0.13, 0.13)
        case .blue: RGB(0.16, 0.34, 0.80)
        case .green: RGB(0.18, 0.60, 0.22)
        case .yellow: RGB(0.97, 0.84, 0.15)
        case .pink: RGB(0.96, 0.55, 0.70)
        case .orange: RGB(0.96, 0.50, 0.10)
        case .purple: RGB(0.52, 0.24, 0.66)
        case .cream: RGB(0.93, 0.87, 0.72)
        case .teal: RGB(0.10, 0.58, 0.58)
        }
    }

    /// The word in captions.
    public var word: String { rawValue }
}

/// An RGB colour in [0, 1].
public struct RGB: Sendable, Hashable, Codable {
    public var r: Float, g: Float, b: Float

    public init(_ r: Float, _ g: Float, _ b: Float) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// Each channel times `k` (darker below 1).
    func scaled(_ k: Float) -> RGB { RGB(r * k, g * k, b * k) }

    /// The mix `(1 - t)·self + t·other`.
    func mixed(_ other: RGB, _ t: Float) -> RGB {
        RGB(r + (other.r - r) * t, g + (other.g - g) * t, b + (other.b - b) * t)
    }

    /// Channelwise product: a light's tint on a surface.
    func lit(_ light: RGB) -> RGB { RGB(r * light.r, g * light.g, b * light.b) }
}
