import ArgumentParser
import Foundation
import Imaging
import Pipeline

/// `dbrun new …`: pipeline files to start from.
struct NewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new", abstract: "Write a ready pipeline file to start from.", subcommands: [NewDreamBoothCommand.self])
}

/// `dbrun new dreambooth --photos DIR --class cat`: checks the photos as training reads them, then writes a DreamBooth
/// pipeline for them (the stages of pipelines/dog.yaml) with sensible defaults and comments on what to change.
struct NewDreamBoothCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dreambooth", abstract: "Write a DreamBooth pipeline for your own subject's photos.",
        discussion: """
            Models default to the embedded world's (models/toyworld/, found above the current folder); give \
            --model, --upscaler, --dino and --clip for real ones (a Stable Diffusion folder, the SD x4 upscaler, \
            a DINO ViT, a CLIP model). Paths in the file are relative to it. Refuses to overwrite a file.
            """)

    @Option(help: "The folder of the subject's photos (3–5 PNG or JPEG files).")
    var photos: String

    @Option(name: .customLong("class"), help: "The subject's class noun, e.g. cat, backpack, teapot.")
    var classNoun: String

    @Option(help: "The pipeline file to write (default: CLASS.yaml).")
    var out: String?

    @Option(help: "Base Stable Diffusion folder.") var model: String?
    @Option(help: "×4 upscaler folder (StableDiffusionUpscalePipeline).") var upscaler: String?
    @Option(help: "Subject-fidelity encoder folder (transformers ViTModel).") var dino: String?
    @Option(help: "CLIP folder (transformers CLIPModel).") var clip: String?

    func validate() throws {
        let noun = classNoun.trimmingCharacters(in: .whitespaces)
        guard !noun.isEmpty, noun.allSatisfy({ $0.isLetter || $0 == " " || $0 == "-" }) else {
            throw ValidationError("--class must be a noun in letters, e.g. cat (got '\(classNoun)')")
        }
    }

    func run() throws {
        let output = URL(fileURLWithPath: out ?? "\(classNoun.replacingOccurrences(of: " ", with: "-")).yaml").standardizedFileURL
        guard !FileManager.default.fileExists(atPath: output.path) else {
            throw PipelineError.invalid(at: SourceLocation(file: output.path), "already exists; remove it or choose another --out")
        }
        let world = Self.embeddedModels()
        func folder(_ given: String?, _ name: String, _ option: String) throws -> URL {
            if let given { return URL(fileURLWithPath: given).standardizedFileURL }
            guard let world else {
                throw ValidationError("no models/toyworld/ above this folder: give --\(option)")
            }
            return world.appendingPathComponent(name)
        }
        let models = (base: try folder(model, "base", "model"), upscaler: try folder(upscaler, "upscaler", "upscaler"),
                      dino: try folder(dino, "identity", "dino"), clip: try folder(clip, "clip", "clip"))

        let resolution = model == nil ? 64 : 512
        let report = ImageCheck.run([photos], options: ImageCheckOptions(resolution: resolution)) { Interruption.shared.isRequested }
        try Interruption.shared.check()
        print(report.text())
        guard report.exitCode == 0 else {
            throw PipelineError.invalid(at: SourceLocation(file: photos), "fix or remove the unreadable photos first")
        }

        let base = output.deletingLastPathComponent()
        let text = DreamBoothTemplate(
            name: output.deletingPathExtension().lastPathComponent, classNoun: classNoun.trimmingCharacters(in: .whitespaces),
            photos: Self.relative(URL(fileURLWithPath: photos).standardizedFileURL, to: base), photoCount: report.readable,
            model: Self.relative(models.base, to: base), upscaler: Self.relative(models.upscaler, to: base),
            dino: Self.relative(models.dino, to: base), clip: Self.relative(models.clip, to: base), embedded: model == nil,
            captionExtension: try Self.captionExtension(photos)).text
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: output, options: .withoutOverwriting)
        print("wrote \(output.path): run it with `dbrun \(output.path)`")
    }

    /// The caption extension every photo has a file of beside it (kohya's sidecars), if any; photos captioned only
    /// in part are an error, since training would stop at the first photo without one.
    static func captionExtension(_ photos: String) throws -> String? {
        let images = try ImageFolder.list(photos).images
        for bare in ImageFolder.captionExtensions.sorted().reversed() {  // "txt" first, then "caption"
            let found = images.filter { FileManager.default.fileExists(atPath: ImageFolder.captionPath(forImage: $0, extension: bare)) }
            if found.isEmpty { continue }
            guard found.count == images.count else {
                let missing = images.first { !found.contains($0) }!
                throw PipelineError.invalid(at: SourceLocation(file: ImageFolder.captionPath(forImage: missing, extension: bare)),
                                            "\(found.count) of \(images.count) photos have .\(bare) captions; add this one or remove them all")
            }
            print("captions: every photo has a .\(bare) file beside it; both fine-tunes read them (caption_extension)")
            return "." + bare
        }
        return nil
    }

    /// models/toyworld in this folder or one above it.
    static func embeddedModels() -> URL? {
        var folder = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL
        while true {
            let candidate = folder.appendingPathComponent("models/toyworld")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("base/model_index.json").path) { return candidate }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
    }

    /// `url` relative to `base` (both absolute), with `..` where needed.
    static func relative(_ url: URL, to base: URL) -> String {
        let a = url.pathComponents, b = base.pathComponents
        let common = zip(a, b).prefix { $0 == $1 }.count
        let parts = Array(repeating: "..", count: b.count - common) + a[common...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}
