import Foundation
import FuzzHarness
import Testing

/// Every input a fuzzer ever crashed or hung on (minimised, in `Crashers/TARGET/`), replayed through the same
/// target code `make fuzz` runs: a crash brings the suite down, so a fixed bug cannot come back unseen.
struct FuzzRegressionTests {
    static let crashers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Crashers")

    static func inputs(_ target: FuzzTarget) -> [URL] {
        let folder = crashers.appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func crashersStayFixed(_ target: FuzzTarget) throws {
        for input in Self.inputs(target) {
            target.run(try Data(contentsOf: input))
        }
    }

    /// Each target must take its seed corpus (real files of its kind), or a fuzzer would spend its minutes
    /// bouncing off the first check.
    @Test(arguments: FuzzTarget.allCases)
    func seedsAreAccepted(_ target: FuzzTarget) throws {
        let folder = Self.crashers.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/\(target.rawValue)")
        let seeds = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(!seeds.isEmpty, "no seeds in \(folder.path)")
        for name in seeds {
            let outcome = target.run(try Data(contentsOf: folder.appendingPathComponent(name)))
            #expect(outcome == .accepted, "\(target.rawValue) seed \(name): \(outcome)")
        }
    }

    @Test func garbageIsRejectedNotAccepted() {
        for target in FuzzTarget.allCases {
            #expect(target.run(Data("\u{1}not \u{2}any: [format".utf8)) != .accepted, "\(target.rawValue) took garbage")
        }
    }
}
