import FuzzHarness
import Foundation

// Built by `make fuzz` with -sanitize=fuzzer,address -DFUZZING, main hands the command line to libFuzzer, which
// calls `testOneInput` for the target named by DBRUN_FUZZ_TARGET. Built plainly it replays: `dbrun-fuzz TARGET FILE…`.
// (SwiftPM links an executable's main under its own name, so libFuzzer's own main cannot be used: its driver is.)

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

nonisolated(unsafe) private var selected: FuzzTarget = .yaml

// Also exported under libFuzzer's conventional name, which its runtime references.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    selected.run(bytes.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
}
#endif

@main
struct Driver {
    static func main() {
        #if FUZZING
        let name = ProcessInfo.processInfo.environment["DBRUN_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else { usage("set DBRUN_FUZZ_TARGET to one of") }
        selected = target
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
        #else
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            usage("usage: dbrun-fuzz TARGET FILE… (replays inputs; `make fuzz` builds the fuzzer); TARGET is one of")
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("\(path): cannot read\n".utf8))
                exit(2)
            }
            switch target.run(data) {
            case .accepted: print("\(path): accepted")
            case .rejected(let message): print("\(path): rejected: \(message.prefix(300))")
            }
        }
        #endif
    }

    static func usage(_ lead: String) -> Never {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("\(lead): \(names)\n".utf8))
        exit(2)
    }
}
