// Entry point: parse, run, and map every error to DESIGN.md's exit codes (ExitCodes.swift).
import Foundation
import Pipeline

Interruption.shared.install()
do {
    var command = try DBRun.parseAsRoot()
    try command.run()
} catch {
    exit(ExitCodes.report(error))
}
