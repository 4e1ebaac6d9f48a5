import Testing

@testable import Imaging

@Suite struct EXIFOrientationTests {
    /// A TIFF block with one IFD0 entry; `bigEndian` picks MM or II byte order.
    static func tiff(bigEndian: Bool, tag: UInt16 = 0x0112, type: UInt16 = 3, value: UInt16, exifHeader: Bool = true) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { bigEndian ? u16(UInt16(v >> 16)) + u16(UInt16(v & 0xFFFF)) : u16(UInt16(v & 0xFFFF)) + u16(UInt16(v >> 16)) }
        var bytes: [UInt8] = exifHeader ? Array("Exif".utf8) + [0, 0] : []
        bytes += bigEndian ? Array("MM".utf8) : Array("II".utf8)
        bytes += u16(42) + u32(8) + u16(1)
        bytes += u16(tag) + u16(type) + u32(1) + u16(value) + u16(0)
        bytes += u32(0)
        return bytes
    }

    @Test(arguments: 1...8)
    func parsesEveryValueInBothByteOrders(_ value: Int) {
        for bigEndian in [false, true] {
            for header in [false, true] {
                let parsed = EXIFOrientation.parse(exif: Self.tiff(bigEndian: bigEndian, value: UInt16(value), exifHeader: header))
                #expect(parsed?.rawValue == value)
            }
        }
    }

    @Test func malformedDataGivesNil() {
        #expect(EXIFOrientation.parse(exif: []) == nil)
        #expect(EXIFOrientation.parse(exif: Array("Exif\0\0".utf8)) == nil)
        #expect(EXIFOrientation.parse(exif: Self.tiff(bigEndian: true, value: 9)) == nil)  // out of range
        #expect(EXIFOrientation.parse(exif: Self.tiff(bigEndian: true, value: 0)) == nil)
        #expect(EXIFOrientation.parse(exif: Self.tiff(bigEndian: false, type: 4, value: 6)) == nil)  // not SHORT
        #expect(EXIFOrientation.parse(exif: Self.tiff(bigEndian: false, tag: 0x0110, value: 6)) == nil)  // other tag
        var badOffset = Self.tiff(bigEndian: false, value: 6)
        badOffset[10] = 0xFF  // IFD offset far beyond the data
        #expect(EXIFOrientation.parse(exif: badOffset) == nil)
        let cut = Array(Self.tiff(bigEndian: true, value: 6).prefix(20))
        #expect(EXIFOrientation.parse(exif: cut) == nil)
        var badMagic = Self.tiff(bigEndian: true, value: 6)
        badMagic[9] = 41
        #expect(EXIFOrientation.parse(exif: badMagic) == nil)
    }

    @Test func swapsAxesForTheQuarterTurns() {
        #expect(EXIFOrientation.allCases.filter(\.swapsAxes) == [.transposed, .rotated90Clockwise, .transversed, .rotated90CounterClockwise])
    }

    @Test func transformsMoveTheCornerPixels() {
        // 3×2 image with samples 0…5: row 0 = 0 1 2, row 1 = 3 4 5.
        let image = Image(width: 3, height: 2, channels: 1, pixels: [0, 1, 2, 3, 4, 5])
        func rows(_ o: EXIFOrientation) -> [Float] { image.oriented(o).pixels }
        #expect(rows(.normal) == [0, 1, 2, 3, 4, 5])
        #expect(rows(.mirrored) == [2, 1, 0, 5, 4, 3])
        #expect(rows(.rotated180) == [5, 4, 3, 2, 1, 0])
        #expect(rows(.flippedVertically) == [3, 4, 5, 0, 1, 2])
        #expect(rows(.transposed) == [0, 3, 1, 4, 2, 5])
        #expect(rows(.rotated90Clockwise) == [3, 0, 4, 1, 5, 2])
        #expect(rows(.transversed) == [5, 2, 4, 1, 3, 0])
        #expect(rows(.rotated90CounterClockwise) == [2, 5, 1, 4, 0, 3])
    }
}
