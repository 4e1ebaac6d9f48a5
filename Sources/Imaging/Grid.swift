/// Sample sheets: images tiled into one picture with a margin, each optionally captioned underneath
/// (prompt, seed, step) in the built-in bitmap font, so a run's results can be judged at a glance as one PNG.
public struct GridOptions: Sendable, Equatable {
    /// Tiles per row; nil picks ceil(sqrt(count)) for a roughly square sheet.
    public var columns: Int?
    /// Space around and between tiles, in pixels.
    public var margin: Int
    /// Canvas colour, RGB in [0, 1].
    public var background: [Float]
    public var captionColor: [Float]
    /// Font scale: 1 draws 5×7 glyphs, 2 draws 10×14.
    public var captionScale: Int
    /// Captions wrap at word boundaries onto at most this many lines; the rest is cut with `...`.
    public var captionLines: Int

    public init(
        columns: Int? = nil, margin: Int = 8, background: [Float] = [1, 1, 1], captionColor: [Float] = [0, 0, 0],
        captionScale: Int = 1, captionLines: Int = 2
    ) {
        self.columns = columns
        self.margin = margin
        self.background = background
        self.captionColor = captionColor
        self.captionScale = captionScale
        self.captionLines = captionLines
    }
}

/// Builds sample sheets (see `GridOptions`).
public enum Grid {
    /// Tiles `images` (any sizes: each cell is as large as the largest tile, tiles centred in it) left to right,
    /// top to bottom. With `captions` (one per image, may be empty strings) a caption strip is added under each
    /// tile. Returns an RGB image ready for `PNGEncoder`.
    public static func make(_ images: [Image], captions: [String]? = nil, options: GridOptions = GridOptions()) -> Image {
        precondition(captions == nil || captions!.count == images.count, "one caption per image")
        guard !images.isEmpty else { return Image(width: 1, height: 1, color: options.background) }
        let tiles = images.map { $0.channels == 4 ? $0.compositedOnWhite() : ($0.channels < 3 ? $0.expandedToRGB() : $0) }
        let columns = max(1, min(options.columns ?? Int(Double(tiles.count).squareRoot().rounded(.up)), tiles.count))
        let rows = (tiles.count + columns - 1) / columns
        let cellWidth = tiles.map(\.width).max()!, cellHeight = tiles.map(\.height).max()!
        let m = max(0, options.margin), scale = max(1, options.captionScale)
        let wrapped = captions.map { list in list.map { wrap($0, width: cellWidth, scale: scale, lines: options.captionLines) } }
        let captionHeight: Int
        if let wrapped, wrapped.contains(where: { !$0.isEmpty }) {
            captionHeight = options.captionLines * BitmapFont.lineHeight * scale + max(2, m / 2)
        } else {
            captionHeight = 0
        }
        let width = columns * cellWidth + (columns + 1) * m
        let height = rows * (cellHeight + captionHeight) + (rows + 1) * m
        var canvas = Image(width: width, height: height, color: options.background)
        for (index, tile) in tiles.enumerated() {
            let left = m + (index % columns) * (cellWidth + m)
            let top = m + (index / columns) * (cellHeight + captionHeight + m)
            paste(tile, into: &canvas, x: left + (cellWidth - tile.width) / 2, y: top + (cellHeight - tile.height) / 2)
            guard let lines = wrapped?[index] else { continue }
            for (n, line) in lines.enumerated() {
                let lineWidth = BitmapFont.width(of: line, scale: scale)
                BitmapFont.draw(
                    line, into: &canvas, x: left + max(0, (cellWidth - lineWidth) / 2),
                    y: top + cellHeight + max(2, m / 2) + n * BitmapFont.lineHeight * scale, scale: scale,
                    color: options.captionColor)
            }
        }
        return canvas
    }

    /// Copies `tile` (3 channels) into `canvas` at (`x`, `y`).
    static func paste(_ tile: Image, into canvas: inout Image, x: Int, y: Int) {
        let cw = canvas.width, ch = canvas.height
        canvas.pixels.withUnsafeMutableBufferPointer { dst in
            tile.pixels.withUnsafeBufferPointer { src in
                for c in 0..<3 {
                    for row in 0..<tile.height {
                        let from = src.baseAddress! + (c * tile.height + row) * tile.width
                        let to = dst.baseAddress! + (c * ch + y + row) * cw + x
                        to.update(from: from, count: tile.width)
                    }
                }
            }
        }
    }

    /// Greedy word wrap to `lines` lines of at most `width` pixels; words longer than a line are cut, and text
    /// that does not fit ends in `...`.
    static func wrap(_ text: String, width: Int, scale: Int, lines: Int) -> [String] {
        let perLine = max(1, width / (BitmapFont.advance * scale))
        var result: [String] = []
        var current = ""
        var words = text.split(separator: " ").map(String.init)[...]
        while let word = words.first {
            let candidate = current.isEmpty ? word : current + " " + word
            if candidate.count <= perLine {
                current = candidate
                words = words.dropFirst()
            } else if current.isEmpty {
                current = String(word.prefix(perLine))
                words[words.startIndex] = String(word.dropFirst(perLine))
            } else {
                result.append(current)
                current = ""
            }
            if result.count == lines { break }
        }
        if !current.isEmpty && result.count < lines { result.append(current) }
        if !words.isEmpty, let last = result.indices.last {
            let cut = String(result[last].prefix(max(0, perLine - 3)))
            result[last] = perLine >= 3 ? cut + "..." : cut
        }
        return result
    }
}
