import Imaging

/// `preprocessor_config.json` of a transformers `CLIPImageProcessor` or `ViTImageProcessor` (also their older
/// `…FeatureExtractor` names): how an image becomes `pixel_values`.
///
/// A missing key takes the processor's own default, which differs between the two families (CLIP: shortest edge
/// 224, bicubic, centre crop 224, OpenAI mean/std; ViT: squash to 224×224, bilinear, no crop, mean/std 0.5), so the
/// family is read first from `image_processor_type` or `feature_extractor_type`.
public struct ImageProcessorConfig: ModelConfig, Equatable {
    /// The processor families dbrun reproduces.
    public enum Family: String, Sendable, Codable { case clip, vit }

    /// A resize target: the shorter side (aspect kept, long side truncated as transformers does), or a fixed size.
    public enum Size: Equatable, Sendable, Codable {
        case shortestEdge(Int)
        case fixed(height: Int, width: Int)
    }

    public var family: Family = .clip
    public var doResize = true
    public var size: Size = .shortestEdge(224)
    /// PIL's resampling code: 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming (0, nearest, is not supported).
    public var resample = 3
    public var doCenterCrop = true
    public var cropSize = Size.fixed(height: 224, width: 224)
    public var doRescale = true
    public var rescaleFactor = 1.0 / 255
    public var doNormalize = true
    public var imageMean = [0.48145466, 0.4578275, 0.40821073]
    public var imageStd = [0.26862954, 0.26130258, 0.27577711]

    public init(family: Family = .clip) {
        self.family = family
        guard family == .vit else { return }
        size = .fixed(height: 224, width: 224)
        resample = 2
        doCenterCrop = false
        imageMean = [0.5, 0.5, 0.5]
        imageStd = [0.5, 0.5, 0.5]
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case imageProcessorType = "image_processor_type", featureExtractorType = "feature_extractor_type"
        case doResize = "do_resize", size, resample, doCenterCrop = "do_center_crop", cropSize = "crop_size"
        case doRescale = "do_rescale", rescaleFactor = "rescale_factor", doNormalize = "do_normalize"
        case imageMean = "image_mean", imageStd = "image_std"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decodeIfPresent(String.self, forKey: .imageProcessorType)
            ?? c.decodeIfPresent(String.self, forKey: .featureExtractorType) ?? ""
        if type.hasPrefix("CLIP") {
            self.init(family: .clip)
        } else if type.hasPrefix("ViT") {
            self.init(family: .vit)
        } else {
            throw ConfigError.unsupported("image_processor_type", "\"\(type)\"",
                                          supported: ["CLIPImageProcessor", "ViTImageProcessor (and …FeatureExtractor)"])
        }
        doResize = try c.value(.doResize, default: doResize)
        // A bare number means a shortest edge for CLIP (default_to_square = False) and a square for ViT.
        if c.contains(.size) { size = try Self.decodeSize(c, .size, square: family == .vit) }
        resample = try c.value(.resample, default: resample)
        doCenterCrop = try c.value(.doCenterCrop, default: doCenterCrop)
        if c.contains(.cropSize) { cropSize = try Self.decodeSize(c, .cropSize, square: true) }
        doRescale = try c.value(.doRescale, default: doRescale)
        rescaleFactor = try c.value(.rescaleFactor, default: rescaleFactor)
        doNormalize = try c.value(.doNormalize, default: doNormalize)
        imageMean = try Self.decodeTriple(c, .imageMean, default: imageMean)
        imageStd = try Self.decodeTriple(c, .imageStd, default: imageStd)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(family == .clip ? "CLIPImageProcessor" : "ViTImageProcessor", forKey: .imageProcessorType)
        try c.encode(doResize, forKey: .doResize)
        try Self.encodeSize(size, &c, .size)
        try c.encode(resample, forKey: .resample)
        try c.encode(doCenterCrop, forKey: .doCenterCrop)
        try Self.encodeSize(cropSize, &c, .cropSize)
        try c.encode(doRescale, forKey: .doRescale)
        try c.encode(rescaleFactor, forKey: .rescaleFactor)
        try c.encode(doNormalize, forKey: .doNormalize)
        try c.encode(imageMean, forKey: .imageMean)
        try c.encode(imageStd, forKey: .imageStd)
    }

    public static var fieldKeys: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }

    /// Decoded images are always RGB, so `do_convert_rgb` changes nothing; `processor_class` names the wrapper.
    public static var otherKeys: [String: ConfigKeyRule] {
        ["do_convert_rgb": .irrelevant, "processor_class": .irrelevant, "default_to_square": .irrelevant,
         "use_square_size": .neutral([.bool(false)]), "do_pad": .neutral([.bool(false)])]
    }

    /// The Imaging filter for `resample`.
    public var filter: ResamplingFilter {
        get throws(ConfigError) {
            switch resample {
            case 1: return .lanczos
            case 2: return .bilinear
            case 3: return .bicubic
            case 4: return .box
            case 5: return .hamming
            default: throw ConfigError.unsupported("resample", "\(resample)", supported: ["1", "2", "3", "4", "5"])
            }
        }
    }

    public func validate() throws(ConfigError) {
        _ = try filter
        for (field, s) in [("size", size), ("crop_size", cropSize)] {
            switch s {
            case .shortestEdge(let e): try ConfigCheck.positive("\(field).shortest_edge", e)
            case .fixed(let h, let w):
                try ConfigCheck.positive("\(field).height", h)
                try ConfigCheck.positive("\(field).width", w)
            }
        }
        if case .shortestEdge = cropSize {
            throw ConfigError.invalid("crop_size", "shortest_edge", "a crop needs height and width")
        }
        if doNormalize, let bad = imageStd.first(where: { $0 <= 0 }) {
            throw ConfigError.invalid("image_std", "\(bad)", "must be positive")
        }
    }

    private static func decodeSize(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys, square: Bool) throws -> Size {
        if let n = try? c.decode(Int.self, forKey: key) { return square ? .fixed(height: n, width: n) : .shortestEdge(n) }
        let d = try c.decode([String: Int].self, forKey: key)
        if let h = d["height"], let w = d["width"], d.count == 2 { return .fixed(height: h, width: w) }
        if let e = d["shortest_edge"], d.count == 1 { return .shortestEdge(e) }
        throw ConfigError.unsupported(key.rawValue, "\(d.keys.sorted())",
                                      supported: ["{\"shortest_edge\": n}", "{\"height\": h, \"width\": w}", "n"])
    }

    private static func encodeSize(_ s: Size, _ c: inout KeyedEncodingContainer<CodingKeys>, _ key: CodingKeys) throws {
        switch s {
        case .shortestEdge(let e): try c.encode(["shortest_edge": e], forKey: key)
        case .fixed(let h, let w): try c.encode(["height": h, "width": w], forKey: key)
        }
    }

    /// Mean and std: three numbers, or one for every channel.
    private static func decodeTriple(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys, default d: [Double]) throws -> [Double] {
        guard c.contains(key) else { return d }
        if let v = try? c.decode(Double.self, forKey: key) { return [v, v, v] }
        let values = try c.decode([Double].self, forKey: key)
        guard values.count == 3 else {
            throw ConfigError.invalid(key.rawValue, "\(values)", "needs 3 values (one per RGB channel)")
        }
        return values
    }
}
