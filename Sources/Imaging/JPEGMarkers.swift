/// Walks a JPEG's marker segments up to the first scan, to find the EXIF APP1 segment without libjpeg.
///
/// Only structure is read here (segment lengths, bounded by the data); libjpeg validates everything else.
enum JPEGMarkers {
    /// The payload of the first APP1 segment that starts with `Exif\0\0` (as PIL takes the first), or nil.
    static func exifPayload(_ data: UnsafeRawBufferPointer) -> [UInt8]? {
        var i = 2  // after SOI
        let n = data.count
        while i + 4 <= n {
            guard data[i] == 0xFF else { return nil }
            var marker = data[i + 1]
            i += 1
            while marker == 0xFF, i + 1 < n {  // fill bytes
                i += 1
                marker = data[i]
            }
            i += 1
            if marker == 0xD9 || marker == 0xDA { return nil }  // EOI, or SOS: image data follows
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { continue }  // no length field
            guard i + 2 <= n else { return nil }
            let length = Int(data[i]) << 8 | Int(data[i + 1])
            guard length >= 2, i + length <= n else { return nil }
            let payload = i + 2..<i + length
            if marker == 0xE1, payload.count >= 6,
                Array(data[payload.lowerBound..<payload.lowerBound + 6]) == [0x45, 0x78, 0x69, 0x66, 0, 0]
            {
                return Array(data[payload])
            }
            i += length
        }
        return nil
    }
}
