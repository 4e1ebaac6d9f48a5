import Foundation
import Testing

@testable import Imaging

@Suite struct GridTests {
    @Test func fontCoversPrintableASCII() {
        #expect(BitmapFont.glyphs.count == 95)
        for glyph in BitmapFont.glyphs {
            #expect(glyph.count == 7 && glyph.allSatisfy { $0 < 32 })
        }
        // Every visible character looks different from every other.
        let visible = BitmapFont.glyphs.dropFirst()
        #expect(Set(visible).count == visible.count)
        #expect(BitmapFont.glyph("é") == BitmapFont.glyph("?"))
    }

    @Test func drawsGlyphBitsAtScale() {
        var canvas = Image(width: 20, height: 20, color: [1, 1, 1])
        BitmapFont.draw("T", into: &canvas, x: 2, y: 3, scale: 2, color: [0, 0, 0])
        // T: top row full (5 columns × 2 px), then a 2-px stem in the middle column.
        for x in 2..<12 { #expect(canvas[0, 3, x] == 0 && canvas[0, 4, x] == 0) }
        #expect(canvas[0, 3, 12] == 1)
        #expect(canvas[1, 10, 6] == 0 && canvas[1, 10, 7] == 0 && canvas[1, 10, 5] == 1 && canvas[1, 10, 8] == 1)
        #expect(canvas[0, 17, 6] == 1)  // below the glyph
        #expect(BitmapFont.width(of: "abc", scale: 2) == 36)
    }

    @Test func gridTilesWithMargins() throws {
        let red = Image(width: 10, height: 6, color: [1, 0, 0])
        let blue = Image(width: 10, height: 6, color: [0, 0, 1])
        let grid = Grid.make([red, blue, red], options: GridOptions(columns: 2, margin: 3))
        #expect(grid.width == 2 * 10 + 3 * 3)
        #expect(grid.height == 2 * 6 + 3 * 3)
        #expect(grid[0, 0, 0] == 1 && grid[1, 0, 0] == 1)  // white margin
        #expect(grid[0, 3, 3] == 1 && grid[1, 3, 3] == 0)  // red tile at (3, 3)
        #expect(grid[2, 3, 16] == 1 && grid[0, 3, 16] == 0)  // blue tile at (16, 3)
        #expect(grid[0, 12, 3] == 1 && grid[1, 12, 3] == 0)  // third tile, second row
        #expect(grid[1, 12, 16] == 1)  // empty cell stays background
        // And it encodes.
        let png = try PNGEncoder.encode(grid)
        #expect(try ImageDecoder.decode(png).image == grid)
    }

    @Test func captionsAreDrawnUnderTiles() {
        let tile = Image(width: 60, height: 20, color: [0.5, 0.5, 0.5])
        let plain = Grid.make([tile, tile], options: GridOptions(columns: 2, margin: 4))
        let captioned = Grid.make([tile, tile], captions: ["seed 1", ""], options: GridOptions(columns: 2, margin: 4))
        #expect(captioned.height > plain.height)
        // Some black pixels below the first tile, none below the second.
        func darkPixels(x: Range<Int>) -> Int {
            var count = 0
            for y in (4 + 20)..<captioned.height { for xi in x where captioned[0, y, xi] == 0 { count += 1 } }
            return count
        }
        #expect(darkPixels(x: 4..<64) > 10)
        #expect(darkPixels(x: 68..<128) == 0)
    }

    @Test func captionsWrapAndEllipsize() {
        #expect(Grid.wrap("a photo of sks dog", width: 60, scale: 1, lines: 2) == ["a photo of", "sks dog"])
        #expect(Grid.wrap("a photo of sks dog on the beach at night", width: 60, scale: 1, lines: 2) == ["a photo of", "sks dog..."])
        #expect(Grid.wrap("supercalifragilistic", width: 36, scale: 1, lines: 2) == ["superc", "ali..."])
        #expect(Grid.wrap("", width: 36, scale: 1, lines: 2).isEmpty)
    }
}

@Suite struct PerceptualHashTests {
    @Test func nearDuplicatesAreClose() throws {
        let photo = try Image(contentsOf: Fixtures.path("resize/source.png"))
        let hash = PerceptualHash(photo)
        let smaller = PerceptualHash(photo.resized(width: 40, height: 31))
        let recompressed = PerceptualHash(try ImageDecoder.decode(JPEGEncoder.encode(photo, quality: 60)).image)
        var brighter = photo
        brighter.pixels = brighter.pixels.map { min(1, $0 * 1.05 + 0.02) }
        #expect(hash.distance(to: smaller) <= PerceptualHash.nearDuplicateDistance)
        #expect(hash.distance(to: recompressed) <= PerceptualHash.nearDuplicateDistance)
        #expect(hash.distance(to: PerceptualHash(brighter)) <= PerceptualHash.nearDuplicateDistance)
        // A different picture (made by the same generator, so alike in layout) is beyond the threshold; the
        // mirrored one is far.
        let other = try Image(contentsOf: Fixtures.path("jpeg/baseline420.jpg"))
        #expect(hash.distance(to: PerceptualHash(other)) > PerceptualHash.nearDuplicateDistance + 4)
        #expect(hash.distance(to: PerceptualHash(photo.flippedHorizontally())) > 30)
        #expect(hash.description.count == 32)
    }
}
