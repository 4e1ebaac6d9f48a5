import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// A stop reaches a command that ignores Ctrl-C: SIGINT first, SIGTERM after the grace period.
struct InterruptionTests {
    @Test func aCommandIgnoringSIGINTIsTerminatedAfterTheGrace() throws {
        let folder = try TemporaryFolder()
        let interruption = Interruption(graceSeconds: 0.3)
        let started = Date()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { interruption.request() }
        let status = try Subprocess.shell("trap '' INT; sleep 20", in: folder.url, environment: [:],
                                          interruption: interruption) { _ in }
        #expect(status == 128 + SIGTERM, "exit status \(status)")
        #expect(Date().timeIntervalSince(started) < 15, "the command was not stopped")
    }
}
