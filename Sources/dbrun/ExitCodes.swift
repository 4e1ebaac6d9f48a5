import ArgumentParser
import Foundation
import Pipeline

/// DESIGN.md's exit codes, decided in one place: 0 success, 1 a stage or command failed, 2 invalid input (spec,
/// arguments, files), 130 interrupted.
enum ExitCodes {
    static let success: Int32 = 0
    static let failed: Int32 = 1
    static let invalidInput: Int32 = 2
    static let interrupted: Int32 = 130

    /// Prints `error` for a person and returns the exit code it maps to.
    static func report(_ error: Error) -> Int32 {
        switch error {
        case let error as PipelineError:
            printError(error.description)
            return code(for: error.category)
        case let errors as PipelineErrors:
            printError(errors.description)
            if errors.count > 1 { printError("\(errors.count)\(errors.stoppedEarly ? " or more" : "") problems") }
            return errors.errors.map { code(for: $0.category) }.max() ?? failed
        case let exit as ExitCode:
            return exit.rawValue
        case is CancellationError:
            return interrupted
        case let corrupt as CorruptObject:
            printError("error: \(corrupt)")
            return failed
        default:
            let code = DBRun.exitCode(for: error)
            let message = DBRun.fullMessage(for: error)
            if code == .success {
                print(message)  // --help, --version
                return success
            }
            if !message.isEmpty { printError(message) }
            // Argument errors are invalid input (ArgumentParser would say 64).
            return code == .validationFailure ? invalidInput : (code.rawValue == 0 ? failed : code.rawValue)
        }
    }

    static func code(for category: PipelineError.Category) -> Int32 {
        switch category {
        case .invalidInput: invalidInput
        case .failed: failed
        case .interrupted: interrupted
        }
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
