import Imaging
import WorkerThreads

/// The embedded procedural world: seeded pictures of subjects (dogs, cats, backpacks, teapots, vases,
/// sneakers) in contexts (beach, snow, …) with captions, for training and testing tiny models without any
/// downloaded data.
///
/// A scene is drawn as a display list of anti-aliased signed-distance shapes in unit coordinates, then
/// rasterized at the asked size: the same scene is the same picture at 64 and at 256 pixels, with fine
/// details (tags, irises, logos, stitching) resolved only at the larger size. Pixel math uses only +, −, ×, ÷
/// and square roots, so the bytes are the same on every machine and for any thread count.
public enum ToyWorld {
    /// Bump whenever a picture, a caption or the sampler's stream changes: stages that train on the world keep it
    /// in their cache key, so weights trained on older pictures are never taken for current ones.
    public static let version = 1

    /// The smallest picture side the renderer draws.
    public static let minimumSize = 8

    /// Draws `scene` as a `size`×`size` RGB image in [0, 1].
    public static func render(_ scene: Scene, size: Int) -> Image { canvas(scene, size: size, layers: 0..<3).image() }

    /// Draws some layers of `scene` (0: background, 1: subject and shadow, 2: foreground): tests find the
    /// subject's silhouette by leaving it out.
    static func canvas(_ scene: Scene, size: Int, layers: Range<Int>) -> Canvas {
        precondition(size >= minimumSize, "picture side \(size) < \(minimumSize)")
        var canvas = Canvas(size: size)
        for layer in displayList(scene)[layers] {
            for band in layer.bands { canvas.gradient(top: band.top, bottom: band.bottom, from: band.from, to: band.to) }
            for paint in layer.paints { canvas.draw(paint) }
        }
        return canvas
    }

    /// Draws `scenes` in parallel, one image per task, as a contiguous NCHW batch `[N, 3, size, size]` in
    /// [-1, 1]: what a diffusion model trains on. Each image is drawn by one thread, so the bytes do not depend
    /// on the thread count.
    public static func renderBatch(_ scenes: [Scene], size: Int) -> [Float] {
        var batch = [Float](repeating: 0, count: scenes.count * 3 * size * size)
        batch.withUnsafeMutableBufferPointer { renderBatch(scenes, size: size, into: $0) }
        return batch
    }

    /// `renderBatch` into a caller's buffer of at least `scenes.count · 3 · size²` floats: a training loop
    /// reuses one buffer, and skips the page faults of touching fresh memory (as much time as drawing, at 256).
    public static func renderBatch(_ scenes: [Scene], size: Int, into buffer: UnsafeMutableBufferPointer<Float>) {
        renderBatch(scenes, size: size, into: buffer, scale: 2, offset: -1)
    }

    /// Draws `scenes` in parallel as images in [0, 1].
    public static func renderImages(_ scenes: [Scene], size: Int) -> [Image] {
        let per = 3 * size * size
        var batch = [Float](repeating: 0, count: scenes.count * per)
        batch.withUnsafeMutableBufferPointer { renderBatch(scenes, size: size, into: $0, scale: 1, offset: 0) }
        return scenes.indices.map { n in Image(width: size, height: size, channels: 3, pixels: Array(batch[n * per..<(n + 1) * per])) }
    }

    /// `renderBatch` in [-1, 1], then each channel `c` as `v · channels[c].scale + channels[c].shift`: a CLIP or ViT
    /// image processor's normalisation ((v01 − mean) / std, so scale 0.5 / std and shift (0.5 − mean) / std), done
    /// while drawing instead of in another pass over the batch.
    public static func renderBatch(_ scenes: [Scene], size: Int, into buffer: UnsafeMutableBufferPointer<Float>,
                                   channels: [(scale: Float, shift: Float)]) {
        precondition(channels.count == 3, "\(channels.count) channel affines for RGB")
        renderBatch(scenes, size: size, into: buffer, scale: 2, offset: -1, channels: channels)
    }

    /// One image per task on the pool, each written as `v · scale + offset` (then `channels`, when given).
    static func renderBatch(_ scenes: [Scene], size: Int, into buffer: UnsafeMutableBufferPointer<Float>, scale: Float, offset: Float,
                            channels: [(scale: Float, shift: Float)]? = nil) {
        let per = 3 * size * size
        precondition(buffer.count >= scenes.count * per, "batch buffer of \(buffer.count) floats < \(scenes.count)×\(per)")
        nonisolated(unsafe) let base = buffer.baseAddress!
        Parallel.forRanges(scenes.count, grain: 1) { range in
            for n in range {
                canvas(scenes[n], size: size, layers: 0..<3).write(to: base + n * per, scale: scale, offset: offset, channels: channels)
            }
        }
    }

    /// The layers of a scene: background, the subject with its shadow, and what falls in front of it.
    static func displayList(_ scene: Scene) -> [Painter] {
        var back = Painter.picture, front = Painter.picture
        back.background(scene.context, seed: scene.backgroundSeed, front: &front)
        let extent = scene.worldClass.extent
        if scene.context == .night {
            // A pool of moonlight behind the subject, so even a black cat stands out as a silhouette.
            back.ellipse(scene.centerX, scene.groundY - scene.scale * extent.height * 0.45,
                         scene.scale * (extent.halfWidth + 0.25), scene.scale * extent.height * 0.7,
                         RGB(0.3, 0.34, 0.52), alpha: 0.75, soft: 0.12)
        }
        var subject = Painter(subjectOf: scene)
        let lit = subject.light
        subject.light = nil
        subject.ellipse(0, 0.0, extent.halfWidth * 0.85, 0.05, RGB(0, 0, 0), alpha: 0.3, soft: 0.04)  // shadow
        subject.light = lit
        switch scene.worldClass {
        case .dog: subject.dog(scene.subject, sitting: scene.sitting, gait: scene.gait)
        case .cat: subject.cat(scene.subject, sitting: scene.sitting, gait: scene.gait)
        case .backpack: subject.backpack(scene.subject)
        case .teapot: subject.teapot(scene.subject)
        case .vase: subject.vase(scene.subject)
        case .sneaker: subject.sneaker(scene.subject)
        }
        return [back, subject, front]
    }
}
