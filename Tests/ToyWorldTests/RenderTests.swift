import Imaging
import Testing

@testable import ToyWorld

/// FNV-1a of a render's 8-bit bytes: the golden value of a picture.
func fingerprint(_ image: Image) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in image.interleaved8Bit() { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    return h
}

@Suite struct RenderTests {
    /// The pictures are pure functions of the scene, on every machine: only +, −, ×, ÷ and square roots in the
    /// pixel math. A change to the drawing changes these on purpose; update them and say so in the commit.
    @Test func goldenHashes() {
        let cases: [(SubjectID, WorldContext, UInt64, Int, UInt64)] = [
            (SubjectID(.dog, 17), .beach, 3, 64, 0xB2DA_944C_CE98_A0CD),
            (SubjectID(.teapot, 3), .night, 1, 256, 0x8E63_3C7B_B809_35A1),
            (SubjectID(.sneaker, 999), .street, 7, 96, 0xAA81_FCB4_4206_09D9),
            (SubjectID(.cat, 5000), .snow, 2, 64, 0x7C2E_C338_7444_4D87),
        ]
        for (id, context, variation, size, golden) in cases {
            let hash = fingerprint(ToyWorld.render(Scene(id, in: context, variation: variation), size: size))
            #expect(hash == golden, "\(id) \(context) \(size): \(String(hash, radix: 16))")
        }
        // And the stream's first examples (every class and context appear within 64), as one hash.
        let stream = WorldSampler(seed: 0).examples(0..<64).map { fingerprint(ToyWorld.render($0.scene, size: 32)) }
        let combined = stream.reduce(UInt64(0)) { ($0 ^ $1) &* 0x0000_0100_0000_01B3 }
        #expect(combined == 0x9634_4423_28A3_052D, "stream: \(String(combined, radix: 16))")
    }

    /// Each image of a batch is drawn whole by one thread, so the batch (split over the pool) equals the images
    /// drawn one by one on this thread. The process-wide thread count is left alone (other suites depend on it);
    /// `WorldCommandTests` compares whole runs at 1 and 2 threads.
    @Test func batchEqualsImagesDrawnOneByOne() {
        let scenes = WorldSampler(seed: 9).examples(0..<12).map(\.scene)
        let batch = ToyWorld.renderBatch(scenes, size: 40)
        let per = 3 * 40 * 40
        for (n, scene) in scenes.enumerated() {
            #expect(Array(batch[n * per..<(n + 1) * per]) == ToyWorld.render(scene, size: 40).pixels.map { $0 * 2 - 1 })
        }
        #expect(batch.allSatisfy { $0 >= -1 && $0 <= 1 })
        #expect(ToyWorld.renderImages(scenes, size: 40)[3] == ToyWorld.render(scenes[3], size: 40))
    }

    @Test func everyClassInEveryContextRendersFinite() {
        for cls in WorldClass.allCases {
            for context in WorldContext.allCases {
                for sitting in [false, true] {
                    var scene = Scene(SubjectID(cls, 42), in: context, variation: 5)
                    scene.sitting = sitting && cls.isAnimal
                    let image = ToyWorld.render(scene, size: 24)
                    #expect(image.pixels.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 }, "\(cls) \(context)")
                }
            }
        }
    }

    /// Geometry lives in unit coordinates: the 256-pixel picture averaged down to 64 is the 64-pixel picture,
    /// up to anti-aliasing and the details too small to resolve.
    @Test func sameSceneIsTheSamePictureAtTwoSizes() {
        for index in 0..<6 {
            let scene = WorldSampler(seed: 1).example(at: index).scene
            let small = ToyWorld.render(scene, size: 64)
            let large = ToyWorld.render(scene, size: 256).resized(width: 64, height: 64, filter: .box)
            let mean = zip(small.pixels, large.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(small.pixels.count)
            #expect(mean < 0.02, "example \(index): mean difference \(mean)")
        }
    }

    @Test func subjectIsLargeAndClassesHaveTheirOwnSilhouettes() {
        var aspect: [WorldClass: Float] = [:]
        for cls in WorldClass.allCases {
            var sum: Float = 0
            for id in 0..<8 {
                var scene = Scene(SubjectID(cls, 2000 + id), in: .grass, variation: UInt64(id))
                scene.tilt = 0
                let (w, h) = silhouette(scene, size: 64)
                #expect(h >= (cls == .sneaker ? 0.18 : 0.3) && h <= 0.75, "\(cls) \(id): height \(h)")
                sum += w / h
            }
            aspect[cls] = sum / 8
        }
        // Sneakers are long and low, vases tall and narrow, animals longer than high, backpacks upright.
        #expect(aspect[.sneaker]! > 1.8)
        #expect(aspect[.vase]! < 0.8)
        #expect(aspect[.backpack]! < 1.0)
        #expect(aspect[.dog]! > 1.1 && aspect[.teapot]! > 1.1)
        #expect(aspect[.vase]! < aspect[.backpack]! && aspect[.backpack]! < aspect[.dog]!)
    }

    /// The subject's bounding box (width, height as fractions of the picture): where the picture with the
    /// subject differs from the background alone.
    func silhouette(_ scene: Scene, size: Int) -> (Float, Float) {
        let full = ToyWorld.canvas(scene, size: size, layers: 0..<3).image(), bare = ToyWorld.canvas(scene, size: size, layers: 0..<1).image()
        var minX = size, maxX = -1, minY = size, maxY = -1
        for y in 0..<size {
            for x in 0..<size {
                let d = (0..<3).map { abs(full[$0, y, x] - bare[$0, y, x]) }.max()!
                // The shadow is faint and wide: only clear differences count.
                guard d > 0.12 else { continue }
                minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
            }
        }
        return (Float(maxX - minX + 1) / Float(size), Float(maxY - minY + 1) / Float(size))
    }

    @Test func contextsAndClassesChangeThePicture() {
        let base = Scene(SubjectID(.dog, 1), in: .beach, variation: 0)
        var means: [[Float]] = []
        for context in WorldContext.allCases {
            var scene = base
            scene.context = context
            let image = ToyWorld.render(scene, size: 32)
            means.append((0..<3).map { c in image.pixels[c * 1024..<(c + 1) * 1024].reduce(0, +) / 1024 })
        }
        for i in means.indices {
            for j in means.indices where j > i {
                let d = zip(means[i], means[j]).map { abs($0 - $1) }.max()!
                #expect(d > 0.03, "\(WorldContext.allCases[i]) vs \(WorldContext.allCases[j])")
            }
        }
        let night = ToyWorld.render(Scene(SubjectID(.teapot, 1), in: .night, variation: 0), size: 32)
        let noon = ToyWorld.render(Scene(SubjectID(.teapot, 1), in: .grass, variation: 0), size: 32)
        #expect(night.pixels.reduce(0, +) < noon.pixels.reduce(0, +) * 0.6)
    }

    @Test func exifJPEGRoundTripShowsTheUprightPhoto() throws {
        let photo = ToyWorld.render(ToyWorld.subjectPhotos(SubjectID(.cat, 3), count: 1, seed: 0)[0], size: 64)
        let data = try JPEGEncoder.encode(upright: photo, orientation: .rotated90Clockwise, quality: 95)
        let decoded = try ImageDecoder.decode(data)
        #expect(decoded.info.orientation == .rotated90Clockwise)
        let error = zip(decoded.image.pixels, photo.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(photo.pixels.count)
        #expect(error < 0.03)
        // Without the tag the stored pixels are sideways: far from the photo.
        let sideways = photo.stored(for: .rotated90Clockwise)
        let far = zip(sideways.pixels, photo.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(photo.pixels.count)
        #expect(far > error * 3)
    }
}
