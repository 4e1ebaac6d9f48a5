import Imaging

/// Caption templates: varied wording so a text encoder learns the class noun and the context phrase rather
/// than one sentence, sometimes with the colour word, sometimes bare ("a dog").
public enum Captions {
    /// One template: how the caption is opened, and whether it names the colour, the pattern and the context.
    public struct Template: Sendable, Hashable {
        public var opening: String
        public var color: Bool
        public var pattern: Bool
        public var context: Bool
    }

    /// Every template, in a fixed order (a caption seed indexes this list).
    public static let templates: [Template] = {
        var list: [Template] = []
        for opening in ["", "a photo of ", "a picture of ", "an image of ", "a close-up photo of "] {
            for (color, pattern, context) in [(false, false, false), (false, false, true), (true, false, false),
                                              (true, false, true), (true, true, true), (false, true, true)] {
                list.append(Template(opening: opening, color: color, pattern: pattern, context: context))
            }
        }
        return list
    }()

    /// The caption of `scene` under template `template` (wrapped into range).
    public static func caption(for scene: Scene, template: Int) -> String {
        let t = templates[((template % templates.count) + templates.count) % templates.count]
        var words: [String] = []
        if t.color { words.append(scene.subject.mainColor.word) }
        if t.pattern, let adjective = patternAdjective(scene.subject.pattern) { words.append(adjective) }
        words.append(scene.worldClass.noun)
        var text = t.opening + withArticle(words.joined(separator: " "))
        if t.context { text += " " + scene.context.phrase }
        return text
    }

    /// A caption for `scene` drawn from `seed`.
    public static func caption(for scene: Scene, seed: UInt64) -> String {
        var rng = SplitMix64(seed: seed)
        return caption(for: scene, template: rng.below(templates.count))
    }

    /// "a" or "an" by the first letter's sound (every word of this world that starts with a vowel letter
    /// starts with a vowel sound).
    public static func withArticle(_ phrase: String) -> String {
        guard let first = phrase.first else { return phrase }
        return ("aeiou".contains(first) ? "an " : "a ") + phrase
    }

    static func patternAdjective(_ pattern: Pattern) -> String? {
        switch pattern {
        case .plain: nil
        case .spots: "spotted"
        case .stripes: "striped"
        case .patches: "patched"
        }
    }
}
