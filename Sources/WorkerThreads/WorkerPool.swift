import CWorkerThreads
import Foundation
import Synchronization

/// The process's compute threads (the engine's and Imaging's loops): the caller plus `threadCount − 1` workers that share the chunks of one parallel loop (or
/// one split GEMM) at a time.
///
/// Why not libdispatch or OpenBLAS's own threads: a training step of a small model is thousands of operations of
/// a few microseconds each, alternating between GEMMs and the engine's loops. Two pools on two cores fight (one
/// spins while the other works), and waking a parked thread costs as much as the work. Here one pool does both,
/// its workers spin briefly between operations before they park, and OpenBLAS runs single-threaded inside each chunk.
///
/// Chunks are claimed, not assigned: on a shared machine a worker is regularly descheduled for milliseconds, and
/// then the caller takes its chunks instead of waiting for it. Which thread runs a chunk never changes its result.
///
/// One loop at a time: a caller that finds the pool busy (a nested loop, or another thread's loop) runs the loop's
/// chunks itself, so nothing ever waits on itself and the result does not depend on who else is running.
public final class WorkerPool: @unchecked Sendable {
    public static let shared = WorkerPool()

    /// How long an idle worker spins before it parks: longer than the gap between two operations of a step.
    private static let spinIterations = 40_000

    private let busy = Atomic<Bool>(false)
    /// The loop being run: its number (bits 32…), chunk count (bits 16–31) and next unclaimed chunk (bits 0–15).
    /// A claim is a compare-and-swap on all three, so a late worker can never take a chunk of the wrong loop.
    private let state = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    /// Workers 1…participants take part in the current loop: the thread budget may have shrunk since the pool grew.
    private let participants = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    /// Set by `park()`: idle workers stop spinning at once (until the next loop).
    private let parkNow = Atomic<Bool>(false)
    private let parkLock = NSCondition()
    private let growLock = NSLock()
    private var workers = 0
    // Written by the caller that holds `busy` before it publishes `state`; read only by threads that claimed a
    // chunk, which the caller waits for before it clears it.
    private var job: ((Int) -> Void)?
    // Contention back-off, touched only by the caller that holds `busy`: when workers keep making the caller wait
    // (their core is shared with another busy process, so a claimed chunk can stall for a whole time slice), the
    // pool declines loops for a while and callers run them alone, which is then faster.
    private var serialUntil: UInt64 = 0
    private var stalls = 0
    private var loopsSinceStall = 0

    /// A wait this long for workers counts as a stall; this many stalls close together make the pool decline loops
    /// for `backOff` nanoseconds. Measured with a busy process pinned to one of two cores: tiny-latent8 training took
    /// 58 ms with no back-off, 38 ms with it, 35 ms on one thread; on a quiet machine the back-off never costs.
    private static let stallNanoseconds: UInt64 = 100_000, stallsToBackOff = 2, backOff: UInt64 = 100_000_000

    /// Runs `body(chunk)` for every chunk in `0..<chunks` on the calling thread and up to `threads − 1` workers;
    /// returns when all are done. Returns false without running anything if the pool is busy or backing off (the
    /// caller then runs the chunks itself).
    public func run(chunks: Int, threads: Int, _ body: (Int) -> Void) -> Bool {
        guard chunks > 1, chunks < 1 << 16, threads > 1,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        defer { busy.store(false, ordering: .releasing) }
        if serialUntil != 0 {
            if DispatchTime.now().uptimeNanoseconds < serialUntil { return false }
            serialUntil = 0
        }
        ensureWorkers(threads - 1)
        parkNow.store(false, ordering: .relaxed)
        withoutActuallyEscaping(body) { body in
            job = body
            finished.store(0, ordering: .relaxed)
            participants.store(threads - 1, ordering: .relaxed)
            let loop = (state.load(ordering: .relaxed) >> 32) + 1
            state.store(loop << 32 | chunks << 16, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                parkLock.lock()
                parkLock.broadcast()
                parkLock.unlock()
            }
            let loopStart = DispatchTime.now().uptimeNanoseconds
            runChunks(of: loop)
            var spins = 0, waitStart: UInt64 = 0
            while finished.load(ordering: .acquiring) < chunks {
                spins += 1
                if spins == 1 << 10 { waitStart = DispatchTime.now().uptimeNanoseconds }  // only long waits pay for the clock
                if spins < 1 << 16 { wt_cpu_relax() } else { sched_yield() }  // a descheduled worker: give it the core
            }
            job = nil
            noteWait(since: waitStart, loopStart: loopStart)
        }
        return true
    }

    /// Counts a wait for workers as a stall when it is long (over 100 µs) and longer than the caller's own share
    /// of the loop took (a worker that needed twice the caller's time was descheduled, not merely unlucky with an
    /// uneven split of a long GEMM); enough stalls within 64 loops start a back-off.
    private func noteWait(since start: UInt64, loopStart: UInt64) {
        loopsSinceStall += 1
        if loopsSinceStall > 64 { stalls = 0 }
        guard start != 0 else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - start >= Self.stallNanoseconds, now - start >= start - Swift.min(start, loopStart) else { return }
        stalls += 1
        loopsSinceStall = 0
        if stalls >= Self.stallsToBackOff {
            stalls = 0
            serialUntil = now + Self.backOff
        }
    }

    /// Claims and runs chunks of loop `loop` until none is left.
    private func runChunks(of loop: Int) {
        while true {
            let s = state.load(ordering: .acquiring)
            let chunks = (s >> 16) & 0xFFFF, next = s & 0xFFFF
            guard s >> 32 == loop, next < chunks else { return }
            guard state.compareExchange(expected: s, desired: s + 1, ordering: .acquiringAndReleasing).exchanged else {
                continue
            }
            runJob(chunk: next)
            finished.wrappingAdd(1, ordering: .releasing)
        }
    }

    /// Calls the job in a frame of its own, so every reference this thread took to the caller's closure is released
    /// before the chunk counts as finished (the caller then checks that the closure did not escape).
    @inline(never)
    private func runJob(chunk: Int) {
        job!(chunk)
    }

    /// Parks the idle workers now rather than after their spin, and waits until they are parked (for about a
    /// millisecond at most): before code that brings its own threads, such as OpenBLAS threading a call itself.
    public func park() {
        parkNow.store(true, ordering: .relaxed)
        growLock.lock()
        let count = workers
        growLock.unlock()
        var spins = 0
        while sleepers.load(ordering: .sequentiallyConsistent) < count && spins < 1 << 14 {
            spins += 1
            wt_cpu_relax()
        }
    }

    private func ensureWorkers(_ count: Int) {
        growLock.lock()
        defer { growLock.unlock() }
        while workers < count {
            workers += 1
            // The worker waits for the loop after the current one, even if it starts only after that loop is posted.
            let seen = state.load(ordering: .acquiring) >> 32, index = workers
            let thread = Thread { [unowned self] in
                wt_name_this_thread("dbrun-engine")
                self.work(index: index, seen: seen)
            }
            thread.start()
        }
    }

    private func work(index: Int, seen: Int) {
        var seen = seen
        while true {
            var spins = 0
            var loop = state.load(ordering: .acquiring) >> 32
            while loop == seen {
                if spins < Self.spinIterations && !parkNow.load(ordering: .relaxed) {
                    spins += 1
                    wt_cpu_relax()
                } else {
                    parkLock.lock()
                    sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
                    while state.load(ordering: .sequentiallyConsistent) >> 32 == seen { parkLock.wait() }
                    sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                    parkLock.unlock()
                }
                loop = state.load(ordering: .acquiring) >> 32
            }
            seen = loop
            // Published before the loop's state; a stale read only changes who helps, never what is computed.
            if index <= participants.load(ordering: .relaxed) { runChunks(of: loop) }
        }
    }
}
