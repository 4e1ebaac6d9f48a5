import Foundation
import Imaging
import Testing
import Tensor
@testable import Diffusion

/// `ImageProcessor` against transformers' CLIP and ViT image processors on a committed PNG.
@Suite struct CLIPImageProcessorTests {
    static let image = FixturePaths.fixture("clip/preprocessing/image.png")

    /// CLIP's recipe (shortest edge, bicubic, odd-surplus centre crop), a crop larger than the image on one side
    /// (zero padding), and ViT's squash with bilinear and ImageNet statistics.
    @Test(arguments: ["clip", "clip_pad", "vit"])
    func pixelValuesMatchTransformers(_ name: String) throws {
        let fixture = try ParityCase("clip/preprocessing/" + name)
        let processor = try ImageProcessor(folder: fixture.folder)
        let pixels = try processor.pixelValues(contentsOf: [Self.image])
        let expected = try fixture.tensor("pixel_values")
        #expect(pixels.shape == expected.shape)
        #expect(relativeError(pixels, expected) < 1e-4)
    }

    @Test func configDefaultsFollowTheFamily() throws {
        let legacyCLIP = #"{"feature_extractor_type": "CLIPFeatureExtractor", "size": 224, "crop_size": 224}"#
        let clip = try ImageProcessorConfig.decode(Data(legacyCLIP.utf8)).config
        #expect(clip.size == .shortestEdge(224) && clip.cropSize == .fixed(height: 224, width: 224))
        #expect(clip.resample == 3 && clip.doCenterCrop && clip.imageMean[0] == 0.48145466)

        let dino = #"{"feature_extractor_type": "ViTFeatureExtractor", "size": 224, "resample": 2,"#
            + #" "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225], "do_normalize": true}"#
        let vit = try ImageProcessorConfig.decode(Data(dino.utf8)).config
        #expect(vit.family == .vit && vit.size == .fixed(height: 224, width: 224) && !vit.doCenterCrop)
        #expect(vit.imageStd == [0.229, 0.224, 0.225])
    }

    @Test func unsupportedValuesAreNamed() {
        #expect { try ImageProcessorConfig.decode(Data(#"{"image_processor_type": "CLIPImageProcessor", "resample": 0}"#.utf8)) }
            throws: { "\($0)".contains("resample") }
        #expect { try ImageProcessorConfig.decode(Data(#"{"image_processor_type": "SiglipImageProcessor"}"#.utf8)) }
            throws: { "\($0)".contains("image_processor_type") && "\($0)".contains("Siglip") }
        #expect { try ImageProcessorConfig.decode(Data(#"{"image_processor_type": "ViTImageProcessor", "do_pad": true}"#.utf8)) }
            throws: { "\($0)".contains("do_pad") }
    }

    @Test func differentOutputSizesAreRefused() throws {
        var config = ImageProcessorConfig(family: .clip)
        config.size = .shortestEdge(8)
        config.doCenterCrop = false
        let processor = try ImageProcessor(config)
        let a = Image(width: 16, height: 8, color: [0.5, 0.5, 0.5]), b = Image(width: 8, height: 8, color: [1, 0, 0])
        #expect(try processor.pixelValues([a]).shape == [1, 3, 8, 16])
        #expect { try processor.pixelValues([a, b]) } throws: { "\($0)".contains("images[1]") }
    }
}
