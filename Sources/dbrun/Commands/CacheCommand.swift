import ArgumentParser
import Foundation
import Pipeline

/// `dbrun cache …`: share and tidy a store.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache", abstract: "Share, tidy and check the cache store.",
        subcommands: [Push.self, Pull.self, GC.self, Verify.self]
    )

    /// The store named by --cache, $DBRUN_CACHE, or `.dbrun/` in the current folder.
    struct StoreOption: ParsableArguments {
        @Option(help: "The local store (default: $DBRUN_CACHE, else .dbrun/ in the current folder).")
        var cache: String?

        var store: Store {
            let path = cache ?? ProcessInfo.processInfo.environment["DBRUN_CACHE"] ?? ".dbrun"
            return Store(root: URL(fileURLWithPath: path))
        }
    }

    struct Push: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Copy records and objects to another store.")
        @OptionGroup var local: StoreOption
        @Option(help: "The destination store folder (e.g. a shared disk).") var to: String

        func run() throws {
            let report = try local.store.transfer(to: Store(root: URL(fileURLWithPath: to)))
            print("pushed \(report.records) records, \(report.objects) objects (\(Bytes.format(report.bytes)))\(report.memosNote) to \(to)")
        }
    }

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Copy records and objects from another store.")
        @OptionGroup var local: StoreOption
        @Option(help: "The source store folder.") var from: String

        func run() throws {
            guard FileManager.default.fileExists(atPath: from) else {
                throw PipelineError.invalid("no store at \(from)")
            }
            let report = try Store(root: URL(fileURLWithPath: from)).transfer(to: local.store)
            print("pulled \(report.records) records, \(report.objects) objects (\(Bytes.format(report.bytes)))\(report.memosNote) from \(from)")
        }
    }

    struct GC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Remove records no stage points to any more, the objects only they used, and the work folders unfinished runs left.",
            discussion: "A stage that failed or was interrupted keeps its checkpoints in resume/KEY/ for a rerun; gc removes them, so such a stage starts afresh. Folders whose key a running dbrun holds are kept.")
        @OptionGroup var local: StoreOption

        func run() throws {
            let report = try local.store.collectGarbage()
            var text = "removed \(report.records) records, \(report.objects) objects (\(Bytes.format(report.bytes))), "
                + "\(report.resumeFolders) resume folders (\(Bytes.format(report.resumeBytes)))"
            if report.memos > 0 { text += ", \(report.memos) item memos" }
            if report.resumeFoldersInUse > 0 { text += "; kept \(report.resumeFoldersInUse) in use by a running stage" }
            print(text)
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check every object against its hash and every record's objects.")
        @OptionGroup var local: StoreOption

        func run() throws {
            let problems = local.store.verify()
            problems.forEach { print($0) }
            if !problems.isEmpty { throw PipelineError.failed("\(problems.count) problems in the store") }
            print("the store is sound")
        }
    }
}

enum Bytes {
    static func format(_ n: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(n), unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }
}

extension Store.TransferReport {
    /// ", 12 item memos" when items made one by one (class images) went along.
    var memosNote: String { memos > 0 ? ", \(memos) item memos" : "" }
}
