import Foundation

/// Runs the built `dbrun` binary, as a user would, for end-to-end tests.
public enum DBRunProcess {
    /// The `dbrun` built beside the test bundle (SwiftPM puts both in the same products folder).
    public static var binary: URL {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        var candidate = products.appendingPathComponent("dbrun")
        // When run from inside an .xctest bundle folder, step up to the products folder.
        if !FileManager.default.isExecutableFile(atPath: candidate.path) {
            candidate = products.deletingLastPathComponent().appendingPathComponent("dbrun")
        }
        return candidate
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var output: String { stdout + stderr }
    }

    /// Starts `dbrun arguments` in `folder` without waiting.
    public static func start(_ arguments: [String], in folder: URL, environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment
        env["DBRUN_CACHE"] = nil
        env.merge(environment) { _, new in new }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    /// Runs `dbrun arguments` in `folder` to completion.
    @discardableResult
    public static func run(_ arguments: [String], in folder: URL, environment: [String: String] = [:]) throws -> Result {
        let (process, out, err) = try start(arguments, in: folder, environment: environment)
        return finish(process, out, err)
    }

    public static func finish(_ process: Process, _ out: Pipe, _ err: Pipe) -> Result {
        // Read both pipes before waiting, so a chatty child cannot fill a pipe and block.
        nonisolated(unsafe) var stdoutData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            stdoutData = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrData, as: UTF8.self))
    }
}

/// Polls `condition` until it holds or `timeout` passes.
public func waitUntil(timeout: TimeInterval = 20, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

extension TemporaryFolder {
    /// Writes `text` to `relative` inside the folder, creating folders as needed.
    @discardableResult
    public func write(_ relative: String, _ text: String) throws -> URL {
        let target = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
        return target
    }

    public func read(_ relative: String) -> String? {
        FileManager.default.contents(atPath: url.appendingPathComponent(relative).path).map { String(decoding: $0, as: UTF8.self) }
    }
}
