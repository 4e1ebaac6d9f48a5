import Foundation
import Testing
import TestSupport

/// Drives the built `dbrun` on temporary pipelines of `command` stages, as a user would.
@Suite struct RunnerEndToEndTests {
    /// Three chained stages and one beside them; each appends its name to runs.log (not an out), so the tests can
    /// count what actually ran.
    static let pipeline = """
    version: 1
    name: chain
    stages:
      prepare:
        kind: command
        cmd: echo prepare >> runs.log && mkdir -p work && cat data/*.txt > work/prepared.txt
        deps: [data]
        outs: [work/prepared.txt]
      train:
        kind: command
        cmd: echo train >> runs.log && (cat ${prepare.work/prepared.txt}; echo "lr=$DBRUN_PARAM_LR") > work/model.txt
        params: { lr: 0.1 }
        outs: [work/model.txt]
      report:
        kind: command
        cmd: echo report >> runs.log && mkdir -p reports && wc -l < work/model.txt > reports/lines.txt
        deps: [work/model.txt]
        outs: [reports]
      aside:
        kind: command
        cmd: echo aside >> runs.log && echo "${NOT_A_REFERENCE:-shell}" > aside.txt
        outs: [aside.txt]
    """

    func workspace(_ yaml: String = pipeline) throws -> TemporaryFolder {
        let folder = try TemporaryFolder("dbrun-e2e")
        try folder.write("p.yaml", yaml)
        try folder.write("data/a.txt", "alpha\n")
        try folder.write("data/b.txt", "beta\n")
        return folder
    }

    /// The stages that ran since the last call, in order.
    func ran(_ folder: TemporaryFolder) throws -> [String] {
        let log = folder.url.appendingPathComponent("runs.log")
        let lines = folder.read("runs.log")?.split(separator: "\n").map(String.init) ?? []
        try? FileManager.default.removeItem(at: log)
        return lines
    }

    @discardableResult
    func dbrun(_ args: [String], _ folder: TemporaryFolder, expect status: Int32 = 0,
               environment: [String: String] = [:]) throws -> DBRunProcess.Result {
        let result = try DBRunProcess.run(args, in: folder.url, environment: environment)
        #expect(result.status == status, "dbrun \(args.joined(separator: " ")) → \(result.status)\n\(result.output)")
        return result
    }

    @Test func runThenNoOpThenChangeOneDep() throws {
        let folder = try workspace()
        try dbrun(["p.yaml"], folder)
        #expect(try ran(folder) == ["prepare", "train", "report", "aside"])
        #expect(folder.read("work/model.txt") == "alpha\nbeta\nlr=0.1\n")
        #expect(folder.read("aside.txt") == "shell\n")

        let again = try dbrun(["run", "p.yaml"], folder)
        #expect(try ran(folder) == [])
        #expect(again.stderr.contains("chain: 4 up to date"))

        // One input byte changes: that stage and what is downstream run, the rest does not.
        try folder.write("data/b.txt", "BETA\n")
        let plan = try dbrun(["run", "--dry-run", "p.yaml"], folder)
        #expect(plan.stdout.contains("prepare: run — input 'data' changed: modified b.txt"))
        #expect(plan.stdout.contains("aside: up to date"))
        #expect(try ran(folder) == [], "a dry run runs nothing")
        try dbrun(["p.yaml"], folder)
        #expect(try ran(folder) == ["prepare", "train", "report"])

        // A parameter changes: only that stage and downstream.
        try folder.write("p.yaml", Self.pipeline.replacingOccurrences(of: "lr: 0.1", with: "lr: 0.2"))
        let why = try dbrun(["why", "p.yaml", "train"], folder)
        #expect(why.stdout.contains("params.params.lr: 0.1 → 0.2"))
        try dbrun(["p.yaml"], folder)
        #expect(try ran(folder) == ["train", "report"])

        // Same output from a changed upstream (report reads only the line count): downstream still reruns, since its
        // input bytes changed; but reverting restores from the cache without running anything.
        try folder.write("p.yaml", Self.pipeline)
        try dbrun(["p.yaml"], folder)
        #expect(try ran(folder) == [])
        #expect(folder.read("work/model.txt") == "alpha\nBETA\nlr=0.1\n")
    }

    @Test func stageForceAndDryRun() throws {
        let folder = try workspace()
        try dbrun(["p.yaml", "--stage", "train"], folder)
        #expect(try ran(folder) == ["prepare", "train"], "--stage brings the stage and what it needs up to date")

        let dry = try dbrun(["p.yaml", "--dry-run"], folder)
        #expect(dry.stdout.contains("prepare: up to date"))
        #expect(dry.stdout.contains("report: run — never run"))
        #expect(try ran(folder) == [])

        try dbrun(["p.yaml", "--stage", "train", "--force"], folder)
        #expect(try ran(folder) == ["train"], "--force reruns the named stage only")

        try dbrun(["p.yaml", "--stage", "train", "--stage", "aside"], folder)
        #expect(try ran(folder) == ["aside"])

        let unknown = try dbrun(["p.yaml", "--stage", "trian"], folder, expect: 2)
        #expect(unknown.stderr.contains("did you mean 'train'?"))
    }

    @Test func outputsAreRestoredFromTheCache() throws {
        let folder = try workspace()
        try dbrun(["p.yaml"], folder)
        _ = try ran(folder)
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("reports"))
        try folder.write("work/model.txt", "tampered\n")
        let status = try dbrun(["status", "p.yaml"], folder)
        #expect(status.stdout.contains("train: restore"))
        try dbrun(["p.yaml"], folder)
        #expect(try ran(folder) == [], "restoring outputs runs nothing")
        #expect(folder.read("work/model.txt") == "alpha\nbeta\nlr=0.1\n")
        #expect(folder.read("reports/lines.txt") == "3\n")
    }

    @Test func copiedWorkspaceRerunsNothing() throws {
        let folder = try workspace()
        try dbrun(["p.yaml"], folder)
        _ = try ran(folder)
        let elsewhere = try TemporaryFolder("dbrun-copy")
        let copy = elsewhere.url.appendingPathComponent("moved")
        try FileManager.default.copyItem(at: folder.url, to: copy)
        let result = try DBRunProcess.run(["p.yaml"], in: copy)
        #expect(result.status == 0)
        #expect(FileManager.default.contents(atPath: copy.appendingPathComponent("runs.log").path) == nil, "\(result.output)")
    }

    @Test func sharedStoreAndPushPull() throws {
        // A teammate with only the pipeline file and the inputs, pointed at a shared store, reruns nothing.
        let shared = try TemporaryFolder("dbrun-shared")
        let mine = try workspace(), theirs = try workspace()
        try dbrun(["p.yaml", "--cache", shared.url.path], mine)
        #expect(try ran(mine).count == 4)
        try dbrun(["p.yaml"], theirs, environment: ["DBRUN_CACHE": shared.url.path])
        #expect(try ran(theirs) == [])
        #expect(theirs.read("work/model.txt") == "alpha\nbeta\nlr=0.1\n")

        // push/pull between a local store and a team folder.
        let team = try TemporaryFolder("dbrun-team")
        let local = try workspace()
        try dbrun(["p.yaml"], local)
        _ = try ran(local)
        let pushed = try dbrun(["cache", "push", "--to", team.url.path], local)
        #expect(pushed.stdout.contains("pushed 4 records"))
        let fresh = try workspace()
        try dbrun(["cache", "pull", "--from", team.url.path], fresh)
        try dbrun(["p.yaml"], fresh)
        #expect(try ran(fresh) == [])
        try dbrun(["cache", "verify"], fresh)
    }

    @Test func garbageCollectionKeepsWhatStagesPointTo() throws {
        let folder = try workspace()
        try dbrun(["p.yaml"], folder)
        try folder.write("p.yaml", Self.pipeline.replacingOccurrences(of: "lr: 0.1", with: "lr: 0.3"))
        try dbrun(["p.yaml"], folder)
        _ = try ran(folder)
        let gc = try dbrun(["cache", "gc"], folder)
        #expect(gc.stdout.contains("removed 2 records"), "\(gc.stdout)")  // train and report at lr 0.1
        try dbrun(["cache", "verify"], folder)
        try dbrun(["p.yaml"], folder)
        #expect(try ran(folder) == [])
        // The old parameters were collected: going back runs again.
        try folder.write("p.yaml", Self.pipeline)
        try dbrun(["p.yaml"], folder)
        #expect(try ran(folder) == ["train", "report"])
    }

    @Test func figuresACommandReportsAreShownByStatus() throws {
        let folder = try workspace("""
        version: 1
        name: figures
        stages:
          train:
            kind: command
            cmd: echo model > model.txt && printf 'loss=0.012345\\nsteps=400\\nnote=two words\\n' > "$DBRUN_FIGURES"
            outs: [model.txt]
          plain:
            kind: command
            cmd: echo plain > plain.txt
            outs: [plain.txt]
        """)
        let run = try dbrun(["p.yaml"], folder)
        #expect(run.stderr.contains("train: ran in "), "\(run.stderr)")
        #expect(run.stderr.contains("(loss=0.01235 note=\"two words\" steps=400)"), "\(run.stderr)")
        let status = try dbrun(["status", "p.yaml"], folder)
        #expect(status.stdout.contains("train: up to date (loss=0.01235 note=\"two words\" steps=400)\n"), "\(status.stdout)")
        #expect(status.stdout.contains("plain: up to date\n"), "\(status.stdout)")
        let json = try dbrun(["status", "--json", "p.yaml"], folder)
        #expect(json.stdout.contains(#""figures":{"loss":0.012345,"note":"two words","steps":400}"#), "\(json.stdout)")
        // Each run of a stage appends to its log, opened by a separator line.
        try dbrun(["run", "--force", "--stage", "train", "p.yaml"], folder)
        let log = folder.read(".dbrun/logs/figures/train.log") ?? ""
        #expect(log.components(separatedBy: "run of train, key ").count == 3, "\(log)")
        let gc = try dbrun(["cache", "gc"], folder)
        #expect(gc.stdout.contains("0 resume folders (0 B)"), "\(gc.stdout)")
    }

    @Test func corruptObjectIsDetectedAndRebuilt() throws {
        let folder = try workspace()
        try dbrun(["p.yaml"], folder)
        _ = try ran(folder)
        // Damage the cached copy of aside.txt, and remove the workspace copy so it must be restored.
        let objects = folder.url.appendingPathComponent(".dbrun/objects")
        let hash = try #require(try hashOf("shell\n"))
        let object = objects.appendingPathComponent(String(hash.prefix(2))).appendingPathComponent(String(hash.dropFirst(2)))
        chmod(object.path, 0o644)
        try Data("evil\n".utf8).write(to: object)
        let verify = try dbrun(["cache", "verify"], folder, expect: 1)
        #expect(verify.stdout.contains("does not match its content"))
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("aside.txt"))
        let rerun = try dbrun(["p.yaml"], folder)
        #expect(rerun.stderr.contains("aside: cache object"), "\(rerun.stderr)")
        #expect(try ran(folder) == ["aside"])
        #expect(folder.read("aside.txt") == "shell\n")
        try dbrun(["cache", "verify"], folder)
    }

    @Test func killNineMidStageLeavesNoRecord() throws {
        let folder = try workspace("""
        version: 1
        stages:
          slow:
            kind: command
            cmd: echo slow >> runs.log; echo $$ > pid.txt; if [ ! -f fast ]; then sleep 30; fi; echo done > slow.txt
            outs: [slow.txt]
        """)
        let (process, out, err) = try DBRunProcess.start(["p.yaml"], in: folder.url)
        #expect(waitUntil { folder.read("pid.txt")?.hasSuffix("\n") == true })
        kill(process.processIdentifier, SIGKILL)
        _ = DBRunProcess.finish(process, out, err)
        let orphan = try #require(folder.read("pid.txt").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        defer { kill(-orphan, SIGKILL) }  // in case the test fails before dbrun stops it
        #expect(isRunning(orphan), "the command outlives a kill -9 of dbrun (its own process group)")
        #expect(try ran(folder) == ["slow"])
        try folder.write("fast", "")
        let status = try dbrun(["status", "p.yaml"], folder)
        #expect(status.stdout.contains("slow: run — never run"))
        // The next run stops the leftover command before running the stage again, so it cannot write stale outs.
        let rerun = try dbrun(["p.yaml"], folder)
        #expect(rerun.stderr.contains("stopped a command an interrupted dbrun left running (pid \(orphan))"), "\(rerun.stderr)")
        #expect(waitUntil(timeout: 5) { !isRunning(orphan) })
        #expect(try ran(folder) == ["slow"])
        #expect(folder.read("slow.txt") == "done\n")
    }

    @Test func interruptStopsCleanlyWith130() throws {
        let folder = try workspace("""
        version: 1
        stages:
          slow:
            kind: command
            cmd: echo $$ > pid.txt; sleep 30; echo done > slow.txt
            outs: [slow.txt]
        """)
        let (process, out, err) = try DBRunProcess.start(["p.yaml"], in: folder.url)
        #expect(waitUntil { folder.read("pid.txt")?.hasSuffix("\n") == true })
        let started = Date()
        kill(process.processIdentifier, SIGINT)
        let result = DBRunProcess.finish(process, out, err)
        #expect(result.status == 130, "\(result.output)")
        #expect(Date().timeIntervalSince(started) < 10, "the command was not stopped")
        #expect(result.stderr.contains("interrupted; no record was written"))
        let status = try dbrun(["status", "p.yaml"], folder)
        #expect(status.stdout.contains("slow: run — never run"))
    }

    @Test func concurrentRunsRunEachStageOnce() throws {
        let folder = try workspace("""
        version: 1
        stages:
          one:
            kind: command
            cmd: echo one >> runs.log; sleep 1; echo 1 > one.txt
            outs: [one.txt]
          two:
            kind: command
            cmd: echo two >> runs.log; sleep 1; cat ${one.one.txt} > two.txt
            outs: [two.txt]
          three:
            kind: command
            cmd: echo three >> runs.log; cat ${two.two.txt} > three.txt
            outs: [three.txt]
        """)
        let a = try DBRunProcess.start(["p.yaml"], in: folder.url)
        let b = try DBRunProcess.start(["p.yaml"], in: folder.url)
        let ra = DBRunProcess.finish(a.0, a.1, a.2), rb = DBRunProcess.finish(b.0, b.1, b.2)
        #expect(ra.status == 0, "\(ra.output)")
        #expect(rb.status == 0, "\(rb.output)")
        #expect(try ran(folder).sorted() == ["one", "three", "two"])
        #expect(folder.read("three.txt") == "1\n")
        try dbrun(["cache", "verify"], folder)
    }

    @Test func failingCommandExitsOneAndSkipsDownstream() throws {
        let folder = try workspace("""
        version: 1
        stages:
          broken:
            kind: command
            cmd: echo about to fail; exit 3
            outs: [never.txt]
          after:
            kind: command
            cmd: cat ${broken.never.txt}
        """)
        let result = try dbrun(["p.yaml"], folder, expect: 1)
        #expect(result.stderr.contains("about to fail"))
        #expect(result.stderr.contains("command exited with status 3"))
        #expect(result.stderr.contains("1 failed, 1 skipped"))
        let missing = try workspace("""
        version: 1
        stages:
          lazy:
            kind: command
            cmd: "true"
            outs: [promised.txt]
        """)
        let lazy = try dbrun(["p.yaml"], missing, expect: 1)
        #expect(lazy.stderr.contains("did not create out 'promised.txt'"))
    }

    @Test func invalidSpecExitsTwoWithLocation() throws {
        let folder = try workspace("version: 1\nstages:\n  a:\n    kind: command\n    cmd: x\n    out: [y]\n")
        let result = try dbrun(["validate", "p.yaml"], folder, expect: 2)
        #expect(result.stderr.contains("p.yaml:6:5: error: unknown key 'out' in stages.a"))
        #expect(result.stderr.contains("did you mean 'outs'?"))
        try dbrun(["run", "missing.yaml"], folder, expect: 2)
        try dbrun(["run", "--no-such-flag", "p.yaml"], folder, expect: 2)
    }

    /// Whether `pid` is a live process (a zombie waiting for its reaper counts as gone).
    func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(close, offsetBy: 2)] != "Z"
    }

    /// SHA-256 of a string, via the system tool (independent of dbrun's own hashing).
    func hashOf(_ text: String) throws -> String? {
        let folder = try TemporaryFolder()
        let file = try folder.write("x", text)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ").first.map(String.init)
    }
}
