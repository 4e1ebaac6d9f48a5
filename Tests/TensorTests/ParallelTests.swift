import Dispatch
import Synchronization
import Tensor
import Testing
import WorkerThreads

/// The engine's thread pool: every index of a loop runs exactly once, whoever runs it; nested loops and loops
/// started from several threads at once finish (the pool runs one, the others run their chunks themselves); a split
/// GEMM gives the same bytes every time at one thread count, busy pool or not.
@Suite struct ParallelTests {
    /// Runs a loop and counts, per index, how often the body saw it (ranges are disjoint, so plain stores suffice;
    /// an overlap shows up as a count of 2).
    static func visits(_ count: Int, grain: Int) -> [Int] {
        let seen = Counts(UnsafeMutableBufferPointer<Int>.allocate(capacity: count))
        defer { seen.buffer.deallocate() }
        seen.buffer.initialize(repeating: 0)
        Parallel.forRanges(count, grain: grain) { r in
            for i in r { seen.buffer[i] += 1 }
        }
        return Array(seen.buffer)
    }

    struct Counts: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Int>
        init(_ buffer: UnsafeMutableBufferPointer<Int>) { self.buffer = buffer }
    }

    @Test(arguments: [1, 2, 3, 4])
    func everyIndexRunsOnce(threads: Int) {
        ThreadCountLock.with(threads: threads) {
            for (count, grain) in [(0, 1), (1, 1), (7, 1), (100, 3), (1000, 16), (65_537, 1024), (50_000, 16384)] {
                #expect(Self.visits(count, grain: grain) == Array(repeating: 1, count: count), "count \(count), grain \(grain)")
            }
        }
    }

    @Test func nestedLoopsFinish() {
        ThreadCountLock.with(threads: 2) {
            let total = Atomic<Int>(0)
            Parallel.forRanges(64, grain: 1) { outer in
                for _ in outer {
                    Parallel.forRanges(1000, grain: 10) { inner in total.wrappingAdd(inner.count, ordering: .relaxed) }
                }
            }
            #expect(total.load(ordering: .relaxed) == 64_000)
        }
    }

    @Test func loopsFromSeveralThreadsAtOnceAllFinish() {
        ThreadCountLock.with(threads: 2) {
            let wrong = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                for round in 0..<200 {
                    let count = 1000 + round
                    if Self.visits(count, grain: 64) != Array(repeating: 1, count: count) { wrong.wrappingAdd(1, ordering: .relaxed) }
                }
            }
            #expect(wrong.load(ordering: .relaxed) == 0)
        }
    }

    /// Row and column splits, every transpose, ragged edges: a split GEMM gives the same bytes each time at one
    /// thread count, and agrees with the unsplit one to rounding (OpenBLAS's blocking follows the block's extent).
    @Test func splitGEMMMatchesUnsplit() {
        var gen = RandomGenerator(seed: 11)
        for (m, n, k) in [(300, 70, 50), (70, 333, 40), (129, 129, 64)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = Tensor.randn(ta ? [k, m] : [m, k], generator: &gen), b = Tensor.randn(tb ? [n, k] : [k, n], generator: &gen)
                func product() -> [Float] { Tensor.matmul(a, b, transposeA: ta, transposeB: tb).scalars }
                let one = ThreadCountLock.with(threads: 1) { product() }
                let (two, again) = ThreadCountLock.with(threads: 2) { (product(), product()) }
                let three = ThreadCountLock.with(threads: 3) { product() }
                // With the pool busy (here: inside a parallel loop) the caller runs the same blocks itself.
                let nested = ThreadCountLock.with(threads: 2) {
                    var result: [Float] = []
                    Parallel.forRanges(2, grain: 1) { r in if r.contains(0) { result = product() } }
                    return result
                }
                let sameWhenBusy = nested == two  // compared first, so a failure names the case, not 20 000 floats
                #expect(sameWhenBusy, "\(m)×\(n)×\(k) transA \(ta) transB \(tb): a busy pool changed the bytes")
                let scale = one.map(abs).max()!
                let worst = zip(one, two).map { abs($0 - $1) }.max()!, worst3 = zip(one, three).map { abs($0 - $1) }.max()!
                let reproducible = two == again
                #expect(reproducible, "\(m)×\(n)×\(k) transA \(ta) transB \(tb)")
                #expect(worst <= 1e-6 * scale && worst3 <= 1e-6 * scale, "\(m)×\(n)×\(k) transA \(ta) transB \(tb): \(worst), \(worst3)")
            }
        }
    }
}
