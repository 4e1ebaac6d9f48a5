import Foundation
import Testing
import TestSupport
import ToyWorld

/// `dbrun world …`, run as a user runs it.
@Suite struct WorldCommandTests {
    @Test func sampleWritesAnImagefolder() throws {
        let folder = try TemporaryFolder()
        let out = folder.url.appendingPathComponent("data").path
        let result = try TokenizeCommandTests.run(["world", "sample", "--count", "5", "--size", "32", "--seed", "3", "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try String(contentsOfFile: out + "/metadata.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 5)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let name = object["file_name"] as! String
            #expect(FileManager.default.fileExists(atPath: out + "/" + name))
            #expect((object["text"] as! String).contains(object["class"] as! String))
            #expect((object["subject"] as! Int) >= 1000)
            #expect(object["context"] is String)
        }
    }

    /// The same stream at 1 and 2 threads (`DBRUN_THREADS`, read at start-up) writes the same bytes.
    @Test func sampleBytesDoNotDependOnThreads() throws {
        let folder = try TemporaryFolder()
        var files: [[Data]] = []
        for threads in ["1", "2"] {
            let out = folder.url.appendingPathComponent("t\(threads)").path
            let process = Process()
            process.executableURL = try TokenizeCommandTests.dbrunBinary()
            process.arguments = ["world", "sample", "--count", "12", "--size", "48", "--seed", "8", "--out", out]
            process.environment = ProcessInfo.processInfo.environment.merging(["DBRUN_THREADS": threads]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let names = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
            files.append(try names.map { try Data(contentsOf: URL(fileURLWithPath: out + "/" + $0)) })
        }
        #expect(files[0].count == 13 && files[0] == files[1])
    }

    @Test func subjectWritesPhotosAndAnEXIFRotatedJPEG() throws {
        let folder = try TemporaryFolder()
        let out = folder.url.appendingPathComponent("dog").path
        let result = try TokenizeCommandTests.run(
            ["world", "subject", "--class", "dog", "--subject", "17", "--count", "3", "--size", "48", "--jpeg-exif", "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(names == ["dog-17-0-exif6.jpg", "dog-17-0.png", "dog-17-1.png", "dog-17-2.png"])
        let check = try TokenizeCommandTests.run(["image", "check", out + "/dog-17-0-exif6.jpg"])
        #expect(check.stdout.contains("orientation 6"), "\(check.stdout)")
    }

    /// `--captions` names each photo's context beside it, in the phrases the world's own captions use.
    @Test func subjectCaptionsNameEachPhotosContext() throws {
        let folder = try TemporaryFolder()
        let out = folder.url.appendingPathComponent("dog").path
        let result = try TokenizeCommandTests.run(
            ["world", "subject", "--class", "dog", "--subject", "17", "--count", "2", "--size", "32", "--jpeg-exif", "--captions", "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(names == ["dog-17-0-exif6.jpg", "dog-17-0-exif6.txt", "dog-17-0.png", "dog-17-0.txt", "dog-17-1.png", "dog-17-1.txt"])
        let phrases = Set(WorldContext.allCases.map { $0.phrase + "\n" })
        let first = try String(contentsOfFile: out + "/dog-17-0.txt", encoding: .utf8)
        let second = try String(contentsOfFile: out + "/dog-17-1.txt", encoding: .utf8)
        #expect(phrases.contains(first) && phrases.contains(second) && first != second, "\(first) \(second)")
        #expect(try String(contentsOfFile: out + "/dog-17-0-exif6.txt", encoding: .utf8) == first)
    }

    @Test(arguments: [
        ["render", "--class", "dragon", "--subject", "1", "--context", "beach", "--out", "x.png"],
        ["render", "--class", "dog", "--subject", "1", "--context", "moon", "--out", "x.png"],
        ["render", "--class", "dog", "--subject", "1", "--context", "beach", "--size", "4", "--out", "x.png"],
        ["render", "--class", "dog", "--subject", "5000000", "--context", "beach", "--out", "x.png"],
    ])
    func badArgumentsAreInvalidInput(_ arguments: [String]) throws {
        let result = try TokenizeCommandTests.run(["world"] + arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains("error:"))
    }
}
