import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where the runner reports what it does. On a terminal: one live status line (stage i/n, step, loss, rate, ETA)
/// under the scrolling output. Elsewhere (CI, a pipe, a log): plain lines, with step lines at most every few seconds.
public final class ProgressDisplay: @unchecked Sendable {
    private let lock = NSLock()
    let isTerminal: Bool
    private let quiet: Bool
    private var status: String = ""
    private var lastPlainStep: [String: Date] = [:]
    private let plainStepInterval: TimeInterval

    public init(terminal: Bool = isatty(STDERR_FILENO) == 1, quiet: Bool = false, plainStepInterval: TimeInterval = 5) {
        self.isTerminal = terminal
        self.quiet = quiet
        self.plainStepInterval = plainStepInterval
    }

    /// A line of output that stays (a stage's start and end, a command's output).
    public func line(_ text: String) {
        guard !quiet else { return }
        lock.lock()
        defer { lock.unlock() }
        if isTerminal && !status.isEmpty {
            write("\r\u{1B}[K" + text + "\n" + status)
        } else {
            write(text + "\n")
        }
    }

    /// Replaces the live status line (terminal) or prints it now and then (plain).
    public func update(stage: String, _ text: String) {
        guard !quiet else { return }
        lock.lock()
        defer { lock.unlock() }
        if isTerminal {
            status = text
            write("\r\u{1B}[K" + text)
        } else {
            let now = Date()
            if let last = lastPlainStep[stage], now.timeIntervalSince(last) < plainStepInterval { return }
            lastPlainStep[stage] = now
            write(text + "\n")
        }
    }

    /// Clears the status line, before a stage's final line or the end of the run.
    public func clearStatus() {
        lock.lock()
        defer { lock.unlock() }
        if isTerminal && !status.isEmpty { write("\r\u{1B}[K") }
        status = ""
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// A running stage's handle on the display and its log (`.dbrun/logs/PIPELINE/STAGE.log`): what kinds call to
/// report progress. Which to use:
/// - `line(_:)` for a line that stays (a command's output, "loaded checkpoint at step 1200"): shown and logged.
/// - `step(_:of:metrics:unit:itemsPerStep:)` in a loop: the status line `[i/n] stage  step 120/400  loss 0.1234
///   3.1 img/s  ETA 1:30`, which dbrun computes the rate and ETA for; every call is logged, the terminal shows the
///   latest, plain output (CI, a pipe) prints one every few seconds.
/// - `resume(fromStep:)` once, before the first `step`, when a run continues from a checkpoint: the rate and ETA
///   then count only this run's steps.
/// - `status(_:)` for a status line the kind composes itself (dbrun puts `[i/n] stage` in front).
///
/// The log is appended to, never truncated: each run starts with a `====` line (time, key, whether it resumes) and
/// ends with one (finished, failed or interrupted), so a stage resumed three times keeps all four runs' lines.
public final class StageProgress: @unchecked Sendable {
    private let display: ProgressDisplay
    private let prefix: String
    private let stage: String
    private let log: FileHandle?
    private let started = Date()
    private let lock = NSLock()
    private var reportedStep = false
    private var baseline: (step: Int, time: Date)?
    private var ticker: DispatchSourceTimer?

    init(display: ProgressDisplay, prefix: String, stage: String, logURL: URL?) {
        self.display = display
        self.prefix = prefix
        self.stage = stage
        if let logURL {
            try? FileSystem.createDirectory(logURL.deletingLastPathComponent())
            let fd = open(logURL.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            log = fd >= 0 ? FileHandle(fileDescriptor: fd, closeOnDealloc: true) : nil
        } else {
            log = nil
        }
    }

    deinit {
        ticker?.cancel()
    }

    /// The line that opens a run in the log, after a blank line if earlier runs wrote there.
    func logRunStart(key: String, resuming: Bool) {
        let hasEarlierRuns = log.map { lseek($0.fileDescriptor, 0, SEEK_END) > 0 } ?? false
        let header = "==== \(Self.timestamp()) run of \(stage), key \(key.prefix(12))"
            + (resuming ? ", resuming from an earlier run's work folder" : "")
        writeLog(hasEarlierRuns ? "\n" + header : header)
    }

    /// The line that closes a run in the log: `finished in 12.3s`, `failed: …`, `interrupted; …`.
    func logRunEnd(_ text: String) {
        writeLog("==== \(Self.timestamp()) \(text)")
    }

    static func timestamp() -> String { ISO8601DateFormatter().string(from: Date()) }

    /// On a terminal, shows the elapsed time once a second until the stage reports steps of its own, so a long
    /// command never looks frozen.
    func startElapsedTicker() {
        guard display.isTerminal else { return }
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            self.lock.lock()
            let quiet = !self.reportedStep
            self.lock.unlock()
            if quiet {
                self.display.update(stage: self.stage, "\(self.prefix) \(self.stage): running \(Self.duration(Date().timeIntervalSince(self.started)))")
            }
        }
        timer.resume()
        ticker = timer
    }

    /// Stops the ticker (the stage is over).
    func finish() {
        ticker?.cancel()
        ticker = nil
    }

    /// A line from the stage (or its command): shown, and kept in the stage's log.
    public func line(_ text: String) {
        display.line(text)
        writeLog(text)
    }

    /// Says that steps up to `step` were done by an earlier run (the kind loaded a checkpoint): from now on the rate
    /// and ETA of `step(_:of:)` count only the steps this run does, from this moment.
    public func resume(fromStep step: Int) {
        lock.lock()
        defer { lock.unlock() }
        baseline = (step, Date())
    }

    /// Step `step` of `total` done, with metrics such as `loss`; rate and ETA follow from the elapsed time.
    /// `unit` names what a step processes, for the rate (e.g. "img" for images/s).
    public func step(_ step: Int, of total: Int, metrics: KeyValuePairs<String, Double> = [:], unit: String = "step",
                     itemsPerStep: Int = 1) {
        lock.lock()
        let (firstStep, since) = baseline ?? (0, started)
        lock.unlock()
        let elapsed = Date().timeIntervalSince(since)
        let done = step - firstStep
        let rate = elapsed > 0 ? Double(done * itemsPerStep) / elapsed : 0
        let eta = done > 0 ? elapsed / Double(done) * Double(total - step) : 0
        var text = "step \(step)/\(total)"
        for (name, value) in metrics { text += "  \(name) \(Self.format(value))" }
        text += String(format: "  %.1f %@/s  ETA %@", rate, unit, Self.duration(eta))
        status(text)
    }

    /// Replaces the stage's status line with `text` (after `[i/n] stage`), composed by the kind, and logs it
    /// unless `log` is false. The terminal shows the latest; plain output prints one every few seconds.
    public func status(_ text: String, log: Bool = true) {
        let line = "\(prefix) \(stage)  \(text)"
        lock.lock()
        reportedStep = true
        lock.unlock()
        display.update(stage: stage, line)
        if log { writeLog(line) }
    }

    private func writeLog(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        log?.write(Data((text + "\n").utf8))
    }

    /// A metric as the status line shows it: 4 decimals, or scientific notation when very small or large.
    public static func format(_ x: Double) -> String {
        abs(x) >= 1e-3 && abs(x) < 1e4 ? String(format: "%.4f", x) : String(format: "%.3e", x)
    }

    /// `m:ss`, or `h:mm:ss` past an hour.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
