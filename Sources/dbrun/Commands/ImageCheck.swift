import ArgumentParser
import Foundation
import Imaging
import Pipeline

/// `dbrun image check FILE|DIR…`: preflight a training set by reading it exactly as training would.
struct ImageCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Read images as training would; report size, orientation, colour type and problems.",
        discussion: """
            Folders contribute their .png/.jpg/.jpeg files. Warns about images smaller than the training \
            resolution, extreme aspect ratios, near-duplicates (perceptual hash) and sets of fewer than 3 or \
            more than 10 images. Exits with 2 when any file is unreadable.
            """
    )

    @Argument(help: "Image files or folders of images.")
    var paths: [String]

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(help: "Training resolution (short side after resizing).")
    var resolution = 512

    @Option(help: "Largest image accepted, in pixels (width × height); larger files are refused unread.")
    var maxPixels = DecodeLimits.default.maxPixels

    func validate() throws {
        guard resolution > 0 else { throw ValidationError("--resolution must be positive") }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
    }

    func run() throws {
        let options = ImageCheckOptions(resolution: resolution, limits: DecodeLimits(maxPixels: maxPixels))
        let report = ImageCheck.run(paths, options: options) { Interruption.shared.isRequested }
        try Interruption.shared.check()  // Ctrl-C: exit 130 without a partial report
        print(json ? report.json() : report.text())
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
