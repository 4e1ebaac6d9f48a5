import ArgumentParser
import Foundation

/// Runs one of `scripts/reference/`'s measuring scripts with a given Python and reads the JSON it prints, so a
/// benchmark can alternate its own rounds with the reference tool's in one run (both see the same machine load).
struct ReferenceScript {
    let python: String
    let script: String

    /// Finds `scripts/reference/NAME` from the current folder or the binary's checkout (`.build/…/dbrun`).
    init(python: String, name: String) throws {
        let candidates = [FileManager.default.currentDirectoryPath]
            + [URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
                .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path]
        guard let root = candidates.first(where: {
            FileManager.default.fileExists(atPath: $0 + "/scripts/reference/" + name)
        }) else {
            throw ValidationError("scripts/reference/\(name) not found: run from the dbrun checkout")
        }
        self.python = python
        script = root + "/scripts/reference/" + name
    }

    func run(_ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        // stderr goes to a file: reading two pipes one after the other can deadlock on a chatty script.
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("dbrun-reference-\(getpid()).err").path
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        do { try process.run() } catch {
            throw ValidationError("cannot run \(python): \(error.localizedDescription)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let message = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0,
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ValidationError("\(python) \(script) failed (status \(process.terminationStatus)):\n\(message.suffix(2000))")
        }
        return object
    }
}
