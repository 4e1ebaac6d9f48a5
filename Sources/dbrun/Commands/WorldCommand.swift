import ArgumentParser
import Foundation
import Imaging
import Pipeline
import ToyWorld

/// `dbrun world …`: pictures of the embedded procedural world, for looking at and for building data sets.
struct WorldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "world", abstract: "Render the embedded procedural world: subjects, contexts, captions.",
        subcommands: [Render.self, SubjectPhotos.self, Sample.self, GridSheet.self, WorldEvalCommand.self]
    )

    /// `dbrun world render`: one scene to a PNG.
    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Render one subject in one context.")
        @Option(name: .customLong("class"), help: "Class: \(WorldArguments.classNames).") var worldClass: String
        @Option(help: "Subject id (0–999 are the reserved example subjects).") var subject: Int
        @Option(help: "Context: \(WorldArguments.contextNames).") var context: String
        @Option(help: "Picture side in pixels.") var size = 256
        @Option(help: "Scene variation: pose, placement, light, scene objects.") var seed: UInt64 = 0
        @Option(help: "The PNG to write.") var out: String

        func run() throws {
            let id = try WorldArguments.subject(worldClass, subject)
            let scene = Scene(id, in: try WorldArguments.context(context), variation: seed)
            try PNGEncoder.write(ToyWorld.render(scene, size: try WorldArguments.size(size)), to: out)
            print(Captions.caption(for: scene, template: 3))
        }
    }

    /// `dbrun world subject`: a subject's photos as a user would bring them.
    struct SubjectPhotos: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "subject", abstract: "Write one subject's photos (varied contexts and poses) to a folder.",
            discussion: "With --jpeg-exif, the first photo is also written as a JPEG stored sideways with EXIF orientation 6, as a phone would.")
        @Option(name: .customLong("class"), help: "Class: \(WorldArguments.classNames).") var worldClass: String
        @Option(help: "Subject id.") var subject: Int
        @Option(help: "How many photos.") var count = 4
        @Option(help: "Picture side in pixels.") var size = 256
        @Option(help: "Seeds the photos' contexts and variations.") var seed: UInt64 = 0
        @Flag(name: .customLong("jpeg-exif"), help: "Also write photo 0 as an EXIF-rotated JPEG.") var jpegEXIF = false
        @Flag(help: "Beside each photo, a .txt caption naming its context (\"on the beach\"), as caption_extension reads.")
        var captions = false
        @Option(help: "The folder to write.") var out: String

        func run() throws {
            let id = try WorldArguments.subject(worldClass, subject)
            guard count >= 1 else { throw PipelineError.invalid("--count must be at least 1") }
            let side = try WorldArguments.size(size)
            try WorldArguments.makeFolder(out)
            let scenes = ToyWorld.subjectPhotos(id, count: count, seed: seed)
            let images = ToyWorld.renderImages(scenes, size: side)
            func caption(_ stem: String, _ k: Int) throws {
                guard captions else { return }
                try Data((scenes[k].context.phrase + "\n").utf8).write(to: URL(fileURLWithPath: "\(out)/\(stem).txt"), options: .atomic)
            }
            for (k, image) in images.enumerated() {
                let stem = "\(id.worldClass.noun)-\(id.id)-\(k)"
                try PNGEncoder.write(image, to: "\(out)/\(stem).png")
                try caption(stem, k)
            }
            if jpegEXIF {
                let data = try JPEGEncoder.encode(upright: images[0], orientation: .rotated90Clockwise, quality: 92)
                let stem = "\(id.worldClass.noun)-\(id.id)-0-exif6"
                try data.write(to: URL(fileURLWithPath: "\(out)/\(stem).jpg"), options: .atomic)
                try caption(stem, 0)
            }
            print("wrote \(images.count) photo\(images.count == 1 ? "" : "s") of \(id) to \(out)")
        }
    }

    /// `dbrun world sample`: a Hugging Face imagefolder of (image, caption) pairs from the pretraining stream.
    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write pretraining examples as an imagefolder (PNGs and metadata.jsonl).",
            discussion: "Example i is a pure function of (--seed, i); --start resumes the stream at an index.")
        @Option(help: "How many examples.") var count: Int
        @Option(help: "Picture side in pixels.") var size = 64
        @Option(help: "The stream's seed.") var seed: UInt64 = 0
        @Option(help: "The first example's index.") var start = 0
        @Option(help: "The folder to write.") var out: String

        func run() throws {
            guard count >= 1, start >= 0 else { throw PipelineError.invalid("--count must be at least 1 and --start not negative") }
            let side = try WorldArguments.size(size)
            try WorldArguments.makeFolder(out)
            let sampler = WorldSampler(seed: seed)
            var lines = ""
            var index = start
            let chunk = 256
            while index < start + count {
                let examples = sampler.examples(index..<min(start + count, index + chunk))
                let images = ToyWorld.renderImages(examples.map(\.scene), size: side)
                for (k, example) in examples.enumerated() {
                    let name = String(format: "%08d.png", index + k)
                    try PNGEncoder.write(images[k], to: "\(out)/\(name)")
                    let object: [String: Any] = [
                        "file_name": name, "text": example.caption, "class": example.worldClass.noun,
                        "context": example.context.rawValue, "subject": example.subject.id,
                    ]
                    let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                    lines += String(decoding: json, as: UTF8.self) + "\n"
                }
                index += examples.count
            }
            try Data(lines.utf8).write(to: URL(fileURLWithPath: "\(out)/metadata.jsonl"), options: .atomic)
            print("wrote \(count) examples to \(out)")
        }
    }

    /// `dbrun world grid`: every class in every context on one sheet, to judge the drawing at a glance.
    struct GridSheet: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "grid", abstract: "Write a sheet of every class × context at --size, and a row at --large.")
        @Option(help: "Tile side of the class × context sheet.") var size = 64
        @Option(help: "Tile side of the close-up row (0: none).") var large = 256
        @Option(help: "Subject id of the first column (the others follow it) and of the close-ups.") var subject = 7
        @Option(help: "Scene variation.") var seed: UInt64 = 1
        @Option(help: "Instead, tile the first N pretraining examples of stream --seed.") var stream = 0
        @Option(name: .customLong("class"), help: "With --stream: only this class.") var worldClass: String?
        @Option(help: "The PNG to write.") var out: String

        func run() throws {
            let side = try WorldArguments.size(size)
            if stream > 0 {
                let classes = try worldClass.map { [try WorldArguments.subject($0, 0).worldClass] } ?? WorldClass.allCases
                let scenes = WorldSampler(seed: seed, classes: classes).examples(0..<stream).map(\.scene)
                let sheet = Grid.make(ToyWorld.renderImages(scenes, size: side), options: GridOptions(columns: 12, margin: 2))
                try PNGEncoder.write(sheet, to: out)
                return
            }
            var scenes: [Scene] = []
            for cls in WorldClass.allCases {
                // A different instance in each context, so the sheet shows the class's range too.
                for context in WorldContext.allCases {
                    scenes.append(Scene(SubjectID(cls, subject + context.index), in: context, variation: seed))
                }
            }
            let small = Grid.make(ToyWorld.renderImages(scenes, size: side),
                                  options: GridOptions(columns: WorldContext.allCases.count, margin: 2))
            var sheets = [small]
            if large > 0 {
                let close = WorldClass.allCases.enumerated().map { i, cls in
                    Scene(SubjectID(cls, subject), in: WorldContext.allCases[(i * 3) % 8], variation: seed)
                }
                sheets.append(Grid.make(ToyWorld.renderImages(close, size: try WorldArguments.size(large)),
                                        options: GridOptions(columns: 3, margin: 2)))
            }
            try PNGEncoder.write(Grid.make(sheets, options: GridOptions(columns: 1, margin: 0)), to: out)
        }
    }
}

/// Checks of `dbrun world`'s arguments, each a clear invalid-input error (exit 2).
enum WorldArguments {
    static let classNames = WorldClass.allCases.map(\.noun).joined(separator: ", ")
    static let contextNames = WorldContext.allCases.map(\.rawValue).joined(separator: ", ")

    static func subject(_ name: String, _ id: Int) throws -> SubjectID {
        guard let cls = WorldClass(noun: name) else {
            throw PipelineError.invalid("unknown class '\(name)'", hint: "one of: \(classNames)")
        }
        guard id >= 0, id < SubjectID.pretrainingIDs.upperBound else {
            throw PipelineError.invalid("subject id \(id) is outside 0..<\(SubjectID.pretrainingIDs.upperBound)",
                                        hint: "ids \(SubjectID.reservedIDs.lowerBound)..<\(SubjectID.reservedIDs.upperBound) are the reserved example subjects")
        }
        return SubjectID(cls, id)
    }

    static func context(_ name: String) throws -> WorldContext {
        guard let context = WorldContext(name: name) else {
            throw PipelineError.invalid("unknown context '\(name)'", hint: "one of: \(contextNames)")
        }
        return context
    }

    static func size(_ size: Int) throws -> Int {
        guard size >= ToyWorld.minimumSize, size <= 4096 else {
            throw PipelineError.invalid("--size \(size) must be between \(ToyWorld.minimumSize) and 4096")
        }
        return size
    }

    static func makeFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw PipelineError.invalid(at: SourceLocation(file: path), "cannot create the folder: \(error.localizedDescription)")
        }
    }
}
