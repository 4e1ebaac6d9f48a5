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

/// A running stage's handle on the display and its log: what kinds call to report steps and metrics.
public final class StageProgress: @unchecked Sendable {
    private let display: ProgressDisplay
    private let prefix: String
    private let stage: String
    private let log: FileHandle?
    private let started = Date()
    private let lock = NSLock()
    private var reportedStep = false
    private var ticker: DispatchSourceTimer?

    init(display: ProgressDisplay, prefix: String, stage: String, logURL: URL?) {
        self.display = display
        self.prefix = prefix
        self.stage = stage
        if let logURL {
            try? FileSystem.createDirectory(logURL.deletingLastPathComponent())
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
            log = FileHandle(forWritingAtPath: logURL.path)
        } else {
            log = nil
        }
    }

    deinit {
        ticker?.cancel()
        try? log?.close()
    }

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

    /// Step `step` of `total` done, with metrics such as `loss`; rate and ETA follow from the elapsed time.
    /// `unit` names what a step processes, for the rate (e.g. "img" for images/s).
    public func step(_ step: Int, of total: Int, metrics: KeyValuePairs<String, Double> = [:], unit: String = "step",
                     itemsPerStep: Int = 1) {
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(step * itemsPerStep) / elapsed : 0
        let eta = step > 0 ? elapsed / Double(step) * Double(total - step) : 0
        var text = "\(prefix) \(stage)  step \(step)/\(total)"
        for (name, value) in metrics { text += "  \(name) \(Self.format(value))" }
        text += String(format: "  %.1f %@/s  ETA %@", rate, unit, Self.duration(eta))
        lock.lock()
        reportedStep = true
        lock.unlock()
        display.update(stage: stage, text)
        writeLog(text)
    }

    private func writeLog(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        log?.write(Data((text + "\n").utf8))
    }

    static func format(_ x: Double) -> String {
        abs(x) >= 1e-3 && abs(x) < 1e4 ? String(format: "%.4f", x) : String(format: "%.3e", x)
    }

    /// `m:ss`, or `h:mm:ss` past an hour.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
