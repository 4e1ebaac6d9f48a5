import Foundation

/// Settings for `ImageCheck.run`, i.e. `dbrun image check`.
public struct ImageCheckOptions: Sendable, Equatable {
    /// The training resolution: images with a shorter side below it will be upscaled (blurry samples).
    public var resolution: Int
    public var limits: DecodeLimits
    /// DreamBooth learns a subject from a handful of photos; fewer than this is a warning.
    public var minimumImages: Int
    /// More than this is a warning: extra photos slow training and rarely help.
    public var maximumImages: Int
    /// Long side / short side above this is a warning: a square crop throws most of the photo away.
    public var maximumAspectRatio: Double
    /// Perceptual-hash distance (of 128 bits) at or below which two images are near-duplicates.
    public var duplicateDistance: Int

    public init(
        resolution: Int = 512, limits: DecodeLimits = .default, minimumImages: Int = 3, maximumImages: Int = 10,
        maximumAspectRatio: Double = 2, duplicateDistance: Int = PerceptualHash.nearDuplicateDistance
    ) {
        self.resolution = resolution
        self.limits = limits
        self.minimumImages = minimumImages
        self.maximumImages = maximumImages
        self.maximumAspectRatio = maximumAspectRatio
        self.duplicateDistance = duplicateDistance
    }
}

/// What `dbrun image check` found: one entry per file, plus warnings about the set as a whole.
public struct ImageCheckReport: Sendable, Codable, Equatable {
    /// One file: what training will see (size, orientation, colours) or why it cannot be read.
    public struct File: Sendable, Codable, Equatable {
        public var path: String
        public var ok: Bool
        public var format: String?
        /// Upright size, as training sees it.
        public var width: Int?
        public var height: Int?
        /// Size as stored in the file.
        public var storedWidth: Int?
        public var storedHeight: Int?
        /// EXIF orientation value 1–8 and its meaning.
        public var orientation: Int?
        public var orientationName: String?
        public var colorType: String?
        public var bitDepth: Int?
        public var alpha: Bool?
        public var interlaced: Bool?
        /// The perceptual hash, hex.
        public var hash: String?
        public var warnings: [String]
        /// Why the file is unreadable (nil when `ok`), and the `ImageError.Kind`.
        public var error: String?
        public var errorKind: String?
    }

    public var resolution: Int
    public var files: [File]
    /// Warnings about the set: too few or too many images, near-duplicate pairs, skipped files.
    public var warnings: [String]
    public var readable: Int
    public var unreadable: Int

    /// DESIGN.md's exit codes: 2 (invalid input) when any file is unreadable or no image was found, else 0.
    public var exitCode: Int32 { unreadable > 0 || readable == 0 ? 2 : 0 }

    /// The report as JSON with sorted keys.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// The report for people: one line per file, indented warnings, then a summary.
    public func text() -> String {
        var lines: [String] = []
        for file in files {
            guard file.ok, let w = file.width, let h = file.height else {
                lines.append("\(file.path): ERROR: \(file.error ?? "unreadable")")
                continue
            }
            var line = "\(file.path): \(w)×\(h)"
            if let o = file.orientation, o != 1, let sw = file.storedWidth, let sh = file.storedHeight {
                line += " (stored \(sw)×\(sh), EXIF orientation \(o): \(file.orientationName ?? ""))"
            }
            line += ", \(file.format?.uppercased() ?? "?") \(file.colorType ?? "?") \(file.bitDepth ?? 8)-bit"
            if file.alpha == true { line += ", transparent" }
            if file.interlaced == true { line += file.format == "jpeg" ? ", progressive" : ", interlaced" }
            lines.append(line)
            for warning in file.warnings { lines.append("  warning: \(warning)") }
        }
        lines.append("\(readable) image\(readable == 1 ? "" : "s") readable, \(unreadable) unreadable (training resolution \(resolution))")
        for warning in warnings { lines.append("warning: \(warning)") }
        return lines.joined(separator: "\n")
    }
}

/// Preflight for a training set: reads every image exactly as training would (`ImageDecoder`) and reports
/// what training will see and what will go wrong, before hours are spent on it.
public enum ImageCheck {
    /// Checks files and folders (a folder contributes the images `ImageFolder.list` finds in it).
    /// `isCancelled` is polled between files (the CLI passes its Ctrl-C flag); once it returns true the
    /// remaining files are left out of the report.
    public static func run(
        _ paths: [String], options: ImageCheckOptions = ImageCheckOptions(), isCancelled: () -> Bool = { false }
    ) -> ImageCheckReport {
        var files: [ImageCheckReport.File] = []
        var setWarnings: [String] = []
        var targets: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                do {
                    let listing = try ImageFolder.list(path)
                    targets += listing.images
                    let stems = Set(listing.images.map { ($0 as NSString).deletingPathExtension })
                    for skipped in listing.skipped {
                        let ext = (skipped as NSString).pathExtension.lowercased()
                        let isCaption = ImageFolder.captionExtensions.contains(ext)
                            && stems.contains((skipped as NSString).deletingPathExtension)
                        if isCaption { continue }  // an image's caption file (caption_extension), not a stray file
                        setWarnings.append("skipped \(skipped): not an image file, by its extension (training skips it too)")
                    }
                    if listing.images.isEmpty { setWarnings.append("no images in folder \(path)") }
                } catch {
                    files.append(failed(path, error))
                }
            } else {
                targets.append(path)
            }
        }
        var hashes: [(index: Int, hash: PerceptualHash)] = []
        for path in targets {
            if isCancelled() { break }
            do {
                // Decoded and resized to the training resolution, as training reads it (and, for a JPEG, in
                // bytes: a folder of 12 MP photos is checked without 145 MB of floats per photo).
                let decoded = try ImageDecoder.decode(
                    contentsOf: path, shortSide: options.resolution, filter: .bilinear, limits: options.limits)
                let hash = PerceptualHash(decoded.image)
                hashes.append((files.count, hash))
                files.append(describe(path, decoded, hash: hash, options: options))
            } catch {
                files.append(failed(path, error))
            }
        }
        // Near-duplicates, each pair once.
        for (i, a) in hashes.enumerated() {
            for b in hashes[(i + 1)...] {
                let d = a.hash.distance(to: b.hash)
                guard d <= options.duplicateDistance else { continue }
                let pa = files[a.index].path, pb = files[b.index].path
                files[a.index].warnings.append("near-duplicate of \(pb) (perceptual hash distance \(d)/128)")
                files[b.index].warnings.append("near-duplicate of \(pa) (perceptual hash distance \(d)/128)")
                setWarnings.append("near-duplicates: \(pa) and \(pb) (distance \(d)/128); keep one, or vary pose and background")
            }
        }
        let readable = files.filter(\.ok).count
        if readable < options.minimumImages {
            setWarnings.append("only \(readable) readable image\(readable == 1 ? "" : "s"): DreamBooth needs at least \(options.minimumImages) photos of the subject (3–5 is typical)")
        } else if readable > options.maximumImages {
            setWarnings.append("\(readable) images: more than \(options.maximumImages) subject photos rarely helps and slows training; keep the best 3–\(options.maximumImages)")
        }
        return ImageCheckReport(
            resolution: options.resolution, files: files, warnings: setWarnings, readable: readable,
            unreadable: files.count - readable)
    }

    static func describe(_ path: String, _ decoded: DecodedImage, hash: PerceptualHash, options: ImageCheckOptions)
        -> ImageCheckReport.File
    {
        let info = decoded.info
        var warnings = info.warnings
        let short = min(info.width, info.height), long = max(info.width, info.height)
        if short < options.resolution {
            warnings.append("smaller than the training resolution: short side \(short) px < \(options.resolution) px, will be upscaled (blurry)")
        }
        let ratio = Double(long) / Double(max(short, 1))
        if ratio > options.maximumAspectRatio {
            let kept = Int((100 / ratio).rounded())
            warnings.append("extreme aspect ratio \(String(format: "%.1f", ratio)):1: the square crop keeps only \(kept)% of the image")
        }
        if info.hasAlpha { warnings.append("has transparency: composited on white for training") }
        return ImageCheckReport.File(
            path: path, ok: true, format: info.format.rawValue, width: info.width, height: info.height,
            storedWidth: info.storedWidth, storedHeight: info.storedHeight, orientation: info.orientation.rawValue,
            orientationName: info.orientation.name, colorType: info.colorType, bitDepth: info.bitDepth,
            alpha: info.hasAlpha, interlaced: info.interlaced, hash: hash.description, warnings: warnings, error: nil,
            errorKind: nil)
    }

    static func failed(_ path: String, _ error: ImageError) -> ImageCheckReport.File {
        ImageCheckReport.File(path: path, ok: false, warnings: [], error: error.reason, errorKind: error.kind.rawValue)
    }
}
