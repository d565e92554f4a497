import Foundation
import Synchronization

/// A fixed set of worker threads that split a loop across cores.
///
/// Why not `DispatchQueue.concurrentPerform`: waking a GCD worker costs ~40–50 µs here, as much as a
/// whole small MobileNet layer. These workers spin for a short while after each job (so the next
/// layer finds them awake) and then park on a condition variable (so an idle process burns no CPU).
///
/// OpenBLAS stays at one thread (`BLAS.configured`); parallel sgemm comes from splitting rows here.
///
/// Thread safety: `parallelFor` may be called from any thread. One job runs on the workers at a time;
/// a call made while another is running (from another thread, or nested inside a `body`) runs its whole
/// loop inline on the calling thread, so it is always correct, only not parallel.
/// `threadCount` may be set from any thread; the setter waits for a running job to finish.
/// Workers keep their pool alive: set `threadCount = 1` to stop the threads of a pool no longer needed.
public final class ThreadPool: @unchecked Sendable {
    /// The pool every kernel uses. Its size defaults to the number of active processors.
    public static let shared = ThreadPool(threadCount: ProcessInfo.processInfo.activeProcessorCount)

    /// Work (in floating-point operations) below which `parallelFor` does not split: about half a
    /// millisecond at ~20 GFLOP/s, roughly ten times the cost of waking a parked worker.
    public static let defaultInlineCost: Double = 1e7

    /// Threads that run a job, the caller included (so `threadCount - 1` workers). At least 1.
    public var threadCount: Int {
        get { participants }
        set { resize(to: min(max(1, newValue), ThreadPool.maximumThreadCount)) }
    }

    /// Upper bound of `threadCount`. Far above any useful value on a Pi or a laptop; it exists because
    /// Foundation's `Thread.start` fails silently when the system refuses a thread, and a worker that
    /// never starts would leave `resize` waiting for it forever.
    public static let maximumThreadCount = 64

    /// How long an idle worker spins before it parks (nanoseconds of its own CPU time, not wall time: on
    /// a loaded machine a worker preempted for a while must not park as soon as it runs again, since a
    /// parked worker is woken onto the caller's core and then waits there while the caller takes every
    /// task). May be set from any thread
    /// (workers read it while spinning, hence the atomic).
    public var spinNanoseconds: UInt64 {
        get { spinLimit.load(ordering: .relaxed) }
        set { spinLimit.store(newValue, ordering: .relaxed) }
    }
    private let spinLimit = Atomic<UInt64>(200_000)

    private var participants = 1
    private var workers: [Thread] = []

    // The current job. Written by the dispatching thread before `generation` is bumped (release),
    // read by workers after they observe the new generation (acquire).
    private var jobBody: ((Range<Int>, Int) -> Void)?
    private var jobCount = 0
    private var jobChunks = 0

    private let generation = Atomic<Int>(0)
    // (generation << 32) | (chunk count << 16) | next unclaimed chunk. Claiming a chunk is a
    // compare-exchange on the whole word, so a worker that woke for an earlier job and was delayed can
    // never claim a chunk of a later one; and the count travels with the tag, so a worker finishing
    // the last chunk of a job never reads `jobChunks` while the next job is being published.
    private let ticket = Atomic<Int>(0)
    private let pendingChunks = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let liveWorkers = Atomic<Int>(0)

    // Parking: a worker registers as a sleeper under the lock and re-checks `generation` before waiting,
    // and the dispatcher bumps `generation` before taking the lock, so no wake-up is lost.
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var sleepers = 0

    public init(threadCount: Int) {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        resize(to: min(max(1, threadCount), ThreadPool.maximumThreadCount))
    }

    // Workers hold the pool strongly, so this runs only once `threadCount` was set to 1.
    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    /// Runs `body` over `0..<count`, split into at most `threadCount` contiguous ranges that run in
    /// parallel; returns when all are done. Each index is covered exactly once.
    ///
    /// - Parameters:
    ///   - cost: estimated total work in floating-point operations (e.g. 2·MACs for a convolution).
    ///     Below `inlineCost` the loop runs on the caller as one range: splitting small work loses time.
    ///   - minimumItems: never split into ranges shorter than this (e.g. rows of an sgemm).
    ///   - body: called with disjoint sub-ranges, possibly on several threads at once.
    public func parallelFor(_ count: Int, cost: Double = .infinity, inlineCost: Double = ThreadPool.defaultInlineCost,
                            minimumItems: Int = 1, body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(participants, count / max(minimumItems, 1), 0xffff)
        if chunks <= 1 || cost < inlineCost {
            body(0..<count)
            return
        }
        run(count: count, chunks: chunks) { range, _ in body(range) }
    }

    /// Runs `body(task, thread)` for every task in `0..<count`; returns when all are done. Tasks are
    /// handed out one at a time to whichever thread is free (the caller takes them too), so a thread
    /// that starts late or is slowed down simply runs fewer: cut the work into a few tasks per thread.
    /// `thread` (in `0..<threadCount`) is the same for tasks that run one after the other on one
    /// thread and different for tasks that run at once: index per-thread scratch with it.
    ///
    /// Below `inlineCost` (estimated flops of all tasks), or with one thread, or while another job runs,
    /// every task runs on the caller in order, with `thread` 0.
    public func forEachTask(_ count: Int, cost: Double = .infinity, inlineCost: Double = ThreadPool.defaultInlineCost,
                            body: (_ task: Int, _ thread: Int) -> Void) {
        guard count > 0 else { return }
        if participants == 1 || count == 1 || cost < inlineCost {
            for task in 0..<count { body(task, 0) }
            return
        }
        run(count: count, chunks: min(count, 0xffff)) { range, thread in
            for task in range { body(task, thread) }
        }
    }

    /// Publishes a job of `chunks` ranges over `0..<count`, takes part in it, and waits for the end.
    private func run(count: Int, chunks: Int, body: (Range<Int>, Int) -> Void) {
        // Another job is running (another thread, or a nested call): run this one inline.
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            body(0..<count, 0)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            jobBody = escapable
            jobCount = count
            jobChunks = chunks
            pendingChunks.store(chunks, ordering: .relaxed)
            let job = generation.load(ordering: .relaxed) &+ 1
            ticket.store((job & 0xffff_ffff) << 32 | chunks << 16, ordering: .releasing)
            generation.store(job, ordering: .releasing)
            pthread_mutex_lock(&mutex)
            if sleepers > 0 { pthread_cond_broadcast(&condition) }
            pthread_mutex_unlock(&mutex)

            runChunks(job: job, thread: 0)
            var spins = 0
            while pendingChunks.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins > 1000 { sched_yield() }
            }
            jobBody = nil
        }
        busy.store(false, ordering: .releasing)
    }

    /// Claims chunks of job `job` until none are left (or a later job has replaced it).
    private func runChunks(job: Int, thread: Int) {
        let tag = (job & 0xffff_ffff) << 32
        var current = ticket.load(ordering: .acquiring)
        while true {
            guard current & ~0xffff_ffff == tag, current & 0xffff < (current >> 16) & 0xffff else { return }
            let (exchanged, original) = ticket.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            guard exchanged else { current = original; continue }
            runChunk(current & 0xffff, thread: thread)
            pendingChunks.wrappingSubtract(1, ordering: .releasing)
            current = ticket.load(ordering: .acquiring)
        }
    }

    // Not inlined so that the worker's reference to the closure is released before it reports the chunk
    // done: `withoutActuallyEscaping` checks that nothing still holds the closure when the job returns.
    @inline(never)
    private func runChunk(_ chunk: Int, thread: Int) {
        let lower = chunk * jobCount / jobChunks, upper = (chunk + 1) * jobCount / jobChunks
        jobBody!(lower..<upper, thread)
    }

    /// CPU time of the calling thread.
    static func cpuNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// `seen` is the generation when the worker was created: a job published before the thread got
    /// to run (likely on a loaded machine) must still be picked up.
    private func workerLoop(seen initial: Int, index: Int) {
        var seen = initial
        while true {
            let start = ThreadPool.cpuNanoseconds()
            var spins = 0
            while generation.load(ordering: .acquiring) == seen && !stopping.load(ordering: .relaxed) {
                spins += 1
                if spins & 1023 == 0 && ThreadPool.cpuNanoseconds() - start > spinNanoseconds { break }
            }
            if generation.load(ordering: .acquiring) == seen && !stopping.load(ordering: .relaxed) {
                pthread_mutex_lock(&mutex)
                sleepers += 1
                while generation.load(ordering: .acquiring) == seen && !stopping.load(ordering: .relaxed) {
                    pthread_cond_wait(&condition, &mutex)
                }
                sleepers -= 1
                pthread_mutex_unlock(&mutex)
            }
            if stopping.load(ordering: .relaxed) { break }
            seen = generation.load(ordering: .acquiring)
            runChunks(job: seen, thread: index)
        }
        liveWorkers.wrappingSubtract(1, ordering: .releasing)
    }

    private func resize(to count: Int) {
        // Own the pool while threads change so that no job sees half a pool.
        while !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged { sched_yield() }
        defer { busy.store(false, ordering: .releasing) }
        if count == participants && workers.count == count - 1 { return }
        stopWorkers()
        participants = count
        stopping.store(false, ordering: .releasing)
        let current = generation.load(ordering: .acquiring)
        for i in 1..<count {
            let thread = Thread { self.workerLoop(seen: current, index: i) }
            thread.name = "facecli.pool.\(i)"
            thread.stackSize = 1 << 20
            liveWorkers.wrappingAdd(1, ordering: .relaxed)
            workers.append(thread)
            thread.start()
        }
    }

    private func stopWorkers() {
        stopping.store(true, ordering: .releasing)
        pthread_mutex_lock(&mutex)
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
        while liveWorkers.load(ordering: .acquiring) > 0 { sched_yield() }
        workers.removeAll()
    }
}
