import Foundation

/// Text cleanup and word splitting exactly as transformers' `CLIPTokenizer` (the `tokenizers`-backed class that
/// transformers 5 ships, and `CLIPTokenizerFast` in 4.x) does them, before BPE.
///
/// 1. Normalize: Unicode NFC, then lowercase each character on its own (full case mapping, no context: "Σ" at the
///    end of a word becomes "σ", not "ς"). Whitespace runs become one space, which only separates words.
/// 2. Split with CLIP's pattern
///    `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`,
///    keeping the matches (whitespace, per the Unicode White_Space property, is dropped).
/// 3. Split each piece again with GPT-2's byte-level pattern. For CLIP's pieces this only changes the two special
///    literals, which become `<|`, the word, and `|>`.
///
/// The legacy pure-Python `CLIPTokenizer` of transformers 4.x differed when `ftfy` was missing (it dropped control
/// characters and split CJK ideographs one by one) and when it was present (ftfy's fixes, such as curly quotes
/// to straight ones); dbrun follows the current behaviour, which `diffusers` pipelines get today.
enum CLIPPreTokenizer {
    /// The words of `text` (a stretch between special tokens), in order.
    static func words(_ text: Substring) -> [String] {
        let scalars = normalize(text)
        var words: [String] = []
        var offset = 0
        func take(_ count: Int) {
            var word = String.UnicodeScalarView()
            word.append(contentsOf: scalars[offset..<offset + count])
            words.append(String(word))
            offset += count
        }
        while offset < scalars.count {
            let scalar = scalars[offset]
            if isWhitespace(scalar) {
                offset += 1
            } else if let literal = specialLiteral(scalars, at: offset) {
                take(2)  // "<|"
                take(literal - 4)
                take(2)  // "|>"
            } else if let length = contractionLength(scalars, at: offset) {
                take(length)
            } else if isLetter(scalar) {
                var end = offset + 1
                while end < scalars.count, isLetter(scalars[end]) { end += 1 }
                take(end - offset)
            } else if isNumber(scalar) {
                take(1)
            } else {
                var end = offset + 1
                while end < scalars.count, !isWhitespace(scalars[end]), !isLetter(scalars[end]), !isNumber(scalars[end]) {
                    end += 1
                }
                take(end - offset)
            }
        }
        return words
    }

    /// NFC, then per-character lowercase.
    static func normalize(_ text: Substring) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.utf8.count)
        let isASCII = text.utf8.allSatisfy { $0 < 0x80 }
        let composed = isASCII ? String(text) : String(text).precomposedStringWithCanonicalMapping
        for scalar in composed.unicodeScalars {
            if scalar.value < 0x80 {
                let v = scalar.value
                scalars.append((0x41...0x5A).contains(v) ? Unicode.Scalar(v + 0x20)! : scalar)
            } else {
                scalars.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return scalars
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0x09...0x0D: return true
        case 0..<0x80: return false
        default: return scalar.properties.isWhitespace
        }
    }

    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x61...0x7A, 0x41...0x5A: return true
        case 0..<0x80: return false
        default:
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
            default: return false
            }
        }
    }

    static func isNumber(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39: return true
        case 0..<0x80: return false
        default:
            switch scalar.properties.generalCategory {
            case .decimalNumber, .letterNumber, .otherNumber: return true
            default: return false
            }
        }
    }

    private static let literals: [[Unicode.Scalar]] = ["<|startoftext|>", "<|endoftext|>"].map { Array($0.unicodeScalars) }

    /// The length of `<|startoftext|>` or `<|endoftext|>` when one starts at `offset`.
    private static func specialLiteral(_ scalars: [Unicode.Scalar], at offset: Int) -> Int? {
        guard scalars[offset] == "<" else { return nil }
        for literal in literals where offset + literal.count <= scalars.count {
            if scalars[offset..<offset + literal.count].elementsEqual(literal) { return literal.count }
        }
        return nil
    }

    /// The length of `'s`, `'t`, `'re`, `'ve`, `'m`, `'ll` or `'d` when one starts at `offset`.
    private static func contractionLength(_ scalars: [Unicode.Scalar], at offset: Int) -> Int? {
        guard scalars[offset] == "'", offset + 1 < scalars.count else { return nil }
        switch scalars[offset + 1] {
        case "s", "t", "m", "d": return 2
        case "r", "v", "l":
            guard offset + 2 < scalars.count else { return nil }
            let pair = (scalars[offset + 1], scalars[offset + 2])
            return pair == ("r", "e") || pair == ("v", "e") || pair == ("l", "l") ? 3 : nil
        default: return nil
        }
    }
}
