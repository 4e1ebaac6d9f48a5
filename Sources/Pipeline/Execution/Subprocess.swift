import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a shell command in its own process group (so Ctrl-C reaches it through us, and we can stop all of it),
/// streaming its output line by line.
enum Subprocess {
    /// Runs `/bin/sh -c command` in `folder`; returns its exit status (128+N when killed by signal N).
    static func shell(_ command: String, in folder: URL, environment: [String: String], leftover: LeftoverCommand? = nil,
                      interruption: Interruption = .shared, output: @escaping @Sendable (String) -> Void) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // With a leftover record, the shell writes its own pid (its process group) before the command starts, so a
        // dbrun killed at any moment after the spawn leaves the record behind.
        let script = leftover.map { "printf '%s\\n' \"$$\" > \(shellQuote($0.record.path))\n" + command } ?? command
        process.arguments = ["-c", script]
        process.currentDirectoryURL = folder
        var variables = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        if let leftover { variables[LeftoverCommand.variable] = leftover.key }
        process.environment = variables
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice

        let finishedReading = DispatchSemaphore(value: 0)
        let reader = Thread {
            defer { finishedReading.signal() }
            var pending = Data()
            let handle = pipe.fileHandleForReading
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    output(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            if !pending.isEmpty { output(String(decoding: pending, as: UTF8.self)) }
        }

        do {
            try process.run()
        } catch {
            throw PipelineError.failed("cannot start /bin/sh: \(error)")
        }
        // Foundation gives the child its own process group; Ctrl-C is forwarded to that group by Interruption.
        interruption.register(childGroup: process.processIdentifier)
        defer {
            interruption.unregister(childGroup: process.processIdentifier)
            leftover?.finished()
        }
        try? pipe.fileHandleForWriting.close()
        reader.start()
        process.waitUntilExit()
        finishedReading.wait()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Quotes a value for `/bin/sh`, so a path or prompt with spaces or `$` arrives as one word, unexpanded.
    static func shellQuote(_ s: String) -> String {
        if !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0)) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
