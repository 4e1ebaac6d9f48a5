import Foundation

/// Where a pipeline's files go. The workspace is the pipeline file's folder; dbrun's own files live in its
/// `.dbrun/`: the store (unless `--cache`/`DBRUN_CACHE` puts it elsewhere) and, never shared, the hash state,
/// scratch folders and logs. Published outputs land in `out/PIPELINE/STAGE/`.
public struct Workspace: Sendable {
    public let root: URL
    public let pipelineName: String

    public init(root: URL, pipelineName: String) {
        self.root = root
        self.pipelineName = pipelineName
    }

    public var dbrunFolder: URL { root.appendingPathComponent(".dbrun") }
    public var defaultStore: URL { dbrunFolder }
    public var stateFile: URL { dbrunFolder.appendingPathComponent("state.json") }
    public var scratchFolder: URL { dbrunFolder.appendingPathComponent("scratch") }

    /// The stage's log, appended to by every run of the stage (see `StageProgress`).
    public func logFile(stage: String) -> URL {
        dbrunFolder.appendingPathComponent("logs").appendingPathComponent(pipelineName).appendingPathComponent("\(stage).log")
    }

    /// A published output's path, relative to the workspace.
    public func publishedPath(stage: String, fileName: String) -> String {
        "out/\(pipelineName)/\(stage)/\(fileName)"
    }

    /// The store a run uses: `--cache DIR`, else `DBRUN_CACHE`, else `.dbrun/` in the workspace.
    public func store(override: String?) -> Store {
        if let path = override ?? ProcessInfo.processInfo.environment["DBRUN_CACHE"], !path.isEmpty {
            return Store(root: URL(fileURLWithPath: path))
        }
        return Store(root: defaultStore)
    }
}
