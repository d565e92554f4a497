import XCTest
import Synchronization
import Tensor

final class ThreadPoolTests: XCTestCase {
    /// Every index is visited exactly once, whatever the split, and results land where the body wrote them.
    func testEveryIndexVisitedOnce() {
        let pool = ThreadPool(threadCount: 4)
        defer { pool.threadCount = 1 }
        for count in [1, 2, 3, 4, 5, 7, 100, 1001] {
            var hits = [Int](repeating: 0, count: count)
            hits.withUnsafeMutableBufferPointer { h in
                let base = h.baseAddress!
                pool.parallelFor(count) { range in
                    for i in range { base[i] += 1 }
                }
            }
            XCTAssertEqual(hits, [Int](repeating: 1, count: count), "count \(count)")
        }
    }

    /// Work is really spread over several threads when it is large, and kept on the caller when small.
    func testSplitsLargeWorkAndInlinesSmallWork() {
        let pool = ThreadPool(threadCount: 3)
        defer { pool.threadCount = 1 }
        let caller = pthread_self()
        let ranges = RangeLog()
        pool.parallelFor(30, cost: 1e9) { range in ranges.append(range) }
        let split = ranges.sorted
        XCTAssertEqual(split, [0..<10, 10..<20, 20..<30])

        // With the caller blocked inside its own range, the other ranges must be run by workers.
        let offCaller = Atomic<Int>(0)
        pool.parallelFor(3, cost: 1e9) { _ in
            if pthread_equal(pthread_self(), caller) == 0 {
                offCaller.wrappingAdd(1, ordering: .relaxed)
            } else {
                let start = DispatchTime.now().uptimeNanoseconds
                while offCaller.load(ordering: .relaxed) == 0 && DispatchTime.now().uptimeNanoseconds - start < 2_000_000_000 {}
            }
        }
        XCTAssertGreaterThan(offCaller.load(ordering: .relaxed), 0)

        var small: [Range<Int>] = []
        var allOnCaller = true
        pool.parallelFor(30, cost: 1000) { range in
            small.append(range)
            allOnCaller = allOnCaller && pthread_equal(pthread_self(), caller) != 0
        }
        XCTAssertEqual(small, [0..<30])
        XCTAssertTrue(allOnCaller)
    }

    /// `minimumItems` bounds the number of ranges.
    func testMinimumItems() {
        let pool = ThreadPool(threadCount: 4)
        defer { pool.threadCount = 1 }
        let ranges = RangeLog()
        pool.parallelFor(10, minimumItems: 5) { range in ranges.append(range) }
        XCTAssertEqual(ranges.sorted, [0..<5, 5..<10])
    }

    /// A nested call, or calls from several threads at once, still cover every index exactly once.
    func testNestedAndConcurrentCalls() {
        let pool = ThreadPool(threadCount: 2)
        defer { pool.threadCount = 1 }
        let total = Atomic<Int>(0)
        pool.parallelFor(8) { outer in
            for _ in outer {
                pool.parallelFor(5) { inner in total.wrappingAdd(inner.count, ordering: .relaxed) }
            }
        }
        XCTAssertEqual(total.load(ordering: .relaxed), 40)

        let concurrentTotal = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<200 {
                pool.parallelFor(16) { r in concurrentTotal.wrappingAdd(r.count, ordering: .relaxed) }
            }
        }
        XCTAssertEqual(concurrentTotal.load(ordering: .relaxed), 4 * 200 * 16)
    }

    /// Many back-to-back jobs (workers spinning, parking, waking) and resizing between jobs.
    func testRepeatedJobsAndResize() {
        let pool = ThreadPool(threadCount: 2)
        defer { pool.threadCount = 1 }
        for size in [2, 3, 1, 4] {
            pool.threadCount = size
            XCTAssertEqual(pool.threadCount, size)
            for job in 0..<500 {
                var parts = [Int](repeating: 0, count: size)
                parts.withUnsafeMutableBufferPointer { p in
                    let base = p.baseAddress!
                    pool.parallelFor(size * 10) { r in
                        var s = 0
                        for i in r { s += i }
                        base[r.lowerBound / 10] = s
                    }
                }
                XCTAssertEqual(parts.reduce(0, +), (size * 10) * (size * 10 - 1) / 2, "size \(size) job \(job)")
                if job % 100 == 99 { usleep(1000) }  // let the workers park
            }
        }
        pool.threadCount = 0
        XCTAssertEqual(pool.threadCount, 1, "threadCount is at least 1")
        XCTAssertGreaterThanOrEqual(ThreadPool.shared.threadCount, 1)
    }
}

/// Ranges collected from pool threads. An `NSLock` (a pthread mutex, which ThreadSanitizer
/// intercepts) rather than `Synchronization.Mutex`: on Linux a contended `Mutex` hands over
/// through PI-futex system calls, invisible to ThreadSanitizer, which then reports the guarded
/// array as raced (docs/hardening.md).
private final class RangeLog: @unchecked Sendable {
    private let lock = NSLock()
    private var ranges: [Range<Int>] = []

    func append(_ range: Range<Int>) { lock.lock(); ranges.append(range); lock.unlock() }
    var sorted: [Range<Int>] { lock.lock(); defer { lock.unlock() }; return ranges.sorted { $0.lowerBound < $1.lowerBound } }
}
