/// GPT-2/CLIP's byte-level alphabet: each of the 256 byte values stands for one printable character, so BPE can
/// work on text without whitespace or control characters in its symbols.
///
/// Printable Latin-1 bytes ('!'…'~', '¡'…'¬', '®'…'ÿ') stand for themselves; the other 68 bytes, in increasing
/// order, take the characters from U+0100 on. The vocabulary's first 256 entries are these characters.
enum ByteLevelAlphabet {
    /// The character standing for each byte value.
    static let symbols: [Character] = {
        var table = [Character](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                table[byte] = Character(Unicode.Scalar(UInt8(byte)))
            } else {
                table[byte] = Character(Unicode.Scalar(next)!)
                next += 1
            }
        }
        return table
    }()

    /// The byte each alphabet character stands for (the inverse of `symbols`).
    static let bytes: [Character: UInt8] = {
        Dictionary(uniqueKeysWithValues: symbols.enumerated().map { ($1, UInt8($0)) })
    }()
}
