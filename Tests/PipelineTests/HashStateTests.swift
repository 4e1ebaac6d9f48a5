import Foundation
import Testing
import TestSupport
@testable import Pipeline

@Suite struct HashStateTests {
    @Test func rehashesOnlyWhatChangedAndForgetsDeletedFiles() throws {
        let folder = try TemporaryFolder()
        let stateURL = folder.url.appendingPathComponent("state.json")
        let a = try folder.write("data/a.txt", "alpha"), b = try folder.write("data/b.txt", "beta")
        let state = HashState(url: stateURL)
        let first = try state.hash(folder.url.appendingPathComponent("data"))
        #expect(state.bytesHashed == 9)
        #expect(first.manifest?.files.map(\.path) == ["a.txt", "b.txt"])
        state.save()

        // A new process: nothing changed, nothing is read.
        let again = HashState(url: stateURL)
        #expect(try again.hash(folder.url.appendingPathComponent("data")).hash == first.hash)
        #expect(again.bytesHashed == 0)

        // One file changes (different size, so a new stat), one is deleted.
        try Data("ALPHA!".utf8).write(to: a)
        try FileManager.default.removeItem(at: b)
        let changed = try again.hash(folder.url.appendingPathComponent("data"))
        #expect(changed.hash != first.hash)
        #expect(again.bytesHashed == 6)
        again.save()
        #expect(HashState(url: stateURL).count == 1)
    }

    @Test func damagedStateOnlyCostsRehashing() throws {
        let folder = try TemporaryFolder()
        let stateURL = try folder.write("state.json", "{not json")
        let file = try folder.write("x.txt", "x")
        let state = HashState(url: stateURL)
        #expect(try state.hash(file).hash.value == ContentHash.sha256Hex(Data("x".utf8)))
        #expect(state.bytesHashed == 1)
    }
}
