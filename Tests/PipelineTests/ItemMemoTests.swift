import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// Items cached one by one (class images): a larger count keeps what was made, an interrupted run resumes item by
/// item, another pipeline on the same store shares items, push carries them and gc keeps only those still used.
@Suite(.serialized) struct ItemMemoTests {
    /// Counts the items a kind really made, and can stop after a number of them.
    final class Made: @unchecked Sendable {
        private let lock = NSLock()
        private var _items: [Int] = []
        private var _stopAfter: Int?
        var items: [Int] { lock.lock(); defer { lock.unlock() }; return _items }
        var stopAfter: Int? {
            get { lock.lock(); defer { lock.unlock() }; return _stopAfter }
            set { lock.lock(); _stopAfter = newValue; lock.unlock() }
        }
        func made(_ i: Int) { lock.lock(); _items.append(i); lock.unlock() }
        func reset() { lock.lock(); _items = []; lock.unlock() }
    }

    /// `count` items, item i made from `salt` and i alone.
    struct ItemsKind: StageKind {
        let name = "items"
        let version = 1
        let usesSeed = false
        let made: Made

        func declareOutputs(of stage: StageSpec, in pipeline: PipelineSpec) throws -> [OutputDeclaration] {
            [.init(name: "items", form: .published(fileName: "items", isFolder: true))]
        }

        func identity(of stage: StageSpec, in pipeline: PipelineSpec) throws -> StageIdentity {
            StageIdentity(parameters: stage.with.plain, inputs: [])
        }

        func run(_ job: StageJob) throws -> [String: PlainValue] {
            let count = job.stage.with["count"]?.int ?? 0
            let salt = job.stage.with["salt"]?.string ?? ""
            let folder = job.outputURL("items")
            for i in 0..<count {
                if let stop = made.stopAfter, made.items.count >= stop { throw CancellationError() }
                try job.memoized(.object(["salt": .string(salt), "item": .int(i)]),
                                 at: folder.appendingPathComponent("\(i).txt")) { url in
                    made.made(i)
                    try Data("\(salt) \(i)".utf8).write(to: url)
                }
            }
            return [:]
        }
    }

    static let schema = TestKindSchema.adding(["items"])

    func runner(_ folder: TemporaryFolder, _ made: Made, count: Int, salt: String = "a", name: String = "memo",
                store: URL? = nil) throws -> Runner {
        let file = try folder.write("\(name).yaml", """
        version: 1
        name: \(name)
        stages:
          make:
            kind: items
            with: { count: \(count), salt: \(salt) }
        """)
        var kinds = StageKindRegistry.builtIn
        kinds.register(ItemsKind(made: made))
        let loaded = try PipelineLoader.load(file: file.path, kinds: kinds, schema: Self.schema)
        return Runner(pipeline: loaded, store: Store(root: store ?? folder.url.appendingPathComponent(".dbrun")),
                      display: ProgressDisplay(quiet: true), dbrunVersion: "test")
    }

    /// --force makes every item again, as it runs the stage again; the next plain run reuses them.
    @Test func aForcedRunMakesEveryItemAgain() throws {
        let folder = try TemporaryFolder()
        let made = Made()
        _ = try runner(folder, made, count: 3).run(Runner.Options())
        made.reset()
        var options = Runner.Options()
        options.force = true
        #expect(try runner(folder, made, count: 3).run(options).outcomes.map(\.outcome) == [.ran])
        #expect(made.items == [0, 1, 2])
        made.reset()
        #expect(try runner(folder, made, count: 4).run(Runner.Options()).outcomes.map(\.outcome) == [.ran])
        #expect(made.items == [3])
        #expect(folder.read("out/memo/make/items/1.txt") == "a 1")
    }

    @Test func aLargerCountMakesOnlyTheNewItems() throws {
        let folder = try TemporaryFolder()
        let made = Made()
        #expect(try runner(folder, made, count: 3).run(Runner.Options()).outcomes.map(\.outcome) == [.ran])
        #expect(made.items == [0, 1, 2])
        made.reset()
        #expect(try runner(folder, made, count: 5).run(Runner.Options()).outcomes.map(\.outcome) == [.ran])
        #expect(made.items == [3, 4])
        #expect(folder.read("out/memo/make/items/4.txt") == "a 4")
        #expect(folder.read("out/memo/make/items/0.txt") == "a 0")
        // Another salt is another item.
        made.reset()
        _ = try runner(folder, made, count: 2, salt: "b").run(Runner.Options())
        #expect(made.items == [0, 1])
    }

    @Test func anInterruptedRunResumesItemByItem() throws {
        let folder = try TemporaryFolder()
        let made = Made()
        made.stopAfter = 2
        #expect(try runner(folder, made, count: 4).run(Runner.Options()).outcomes.map(\.outcome) == [.interrupted])
        made.stopAfter = nil
        made.reset()
        #expect(try runner(folder, made, count: 4).run(Runner.Options()).outcomes.map(\.outcome) == [.ran])
        #expect(made.items == [2, 3])
    }

    @Test func aStageAnotherPipelineCachedIsPublishedIntoThisPipelinesFolder() throws {
        let folder = try TemporaryFolder()
        let store = folder.url.appendingPathComponent("shared-store")
        let made = Made()
        _ = try runner(folder, made, count: 2, name: "first", store: store).run(Runner.Options())
        made.reset()
        let second = try runner(folder, made, count: 2, name: "second", store: store)
        #expect(second.run(Runner.Options()).outcomes.map(\.outcome) == [.restored])
        #expect(made.items.isEmpty)
        #expect(folder.read("out/second/make/items/1.txt") == "a 1")
        // Up to date from now on, on its own copy: removing the other pipeline's files changes nothing here.
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("out/first"))
        #expect(try second.plan(Runner.Options()).map(\.action) == [.upToDate])
    }

    @Test func pipelinesSharingAStoreShareItemsAndPushCarriesThem() throws {
        let folder = try TemporaryFolder()
        let store = folder.url.appendingPathComponent("shared-store")
        let made = Made()
        _ = try runner(folder, made, count: 3, name: "first", store: store).run(Runner.Options())
        made.reset()
        _ = try runner(folder, made, count: 4, name: "second", store: store).run(Runner.Options())
        #expect(made.items == [3])

        let elsewhere = try TemporaryFolder()
        let report = try Store(root: store).transfer(to: Store(root: elsewhere.url))
        #expect(report.memos == 4)
        made.reset()
        _ = try runner(try TemporaryFolder(), made, count: 5, store: elsewhere.url).run(Runner.Options())
        #expect(made.items == [4])
    }

    @Test func gcKeepsTheItemsKeptRecordsUseAndRemakesCorruptOnes() throws {
        let folder = try TemporaryFolder()
        let made = Made()
        _ = try runner(folder, made, count: 4).run(Runner.Options())
        _ = try runner(folder, made, count: 2).run(Runner.Options())  // now the stage's last record uses items 0 and 1
        let store = Store(root: folder.url.appendingPathComponent(".dbrun"))
        let collected = try store.collectGarbage()
        #expect(collected.memos == 2)
        made.reset()
        _ = try runner(folder, made, count: 4).run(Runner.Options())
        #expect(made.items == [2, 3])

        // A damaged item object is noticed when read, and the item is made again.
        let key = Store.memoKey(.object(["salt": .string("a"), "item": .int(0)]))
        let hash = try #require(store.memoizedHash(key))
        let object = store.objectURL(hash)
        chmod(object.path, 0o644)
        try Data("tampered".utf8).write(to: object)
        made.reset()
        _ = try runner(folder, made, count: 3).run(Runner.Options())
        #expect(made.items == [0])
        #expect(folder.read("out/memo/make/items/0.txt") == "a 0")
    }
}
