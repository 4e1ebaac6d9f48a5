// Entry point: choose OpenBLAS's kernels (this may restart the process, so it comes first), then parse, run, and
// map every error to DESIGN.md's exit codes (ExitCodes.swift).
import Foundation
import Pipeline
import Tensor

BLASCore.selectAtStartup { ExitCodes.printError("dbrun: warning: \($0)") }
Interruption.shared.install()
do {
    var command = try DBRun.parseAsRoot()
    try command.run()
} catch {
    exit(ExitCodes.report(error))
}
