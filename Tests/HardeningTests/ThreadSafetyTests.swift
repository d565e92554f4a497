import Foundation
import ImageIO
import Synchronization
import Tensor
import XCTest

/// Library pieces that must be safe to use from several threads at once. Run under
/// ThreadSanitizer by tools/sanitizers.sh (filter `ThreadSafety`).
final class ThreadSafetyTests: XCTestCase {
    /// Back-to-back jobs with different chunk counts on an oversubscribed pool: a worker that
    /// finishes the last chunk of one job must not claim (or read the size of) the next one.
    /// Every index of every job is counted exactly once and no chunk runs after its job returned.
    func testBackToBackJobsOfDifferentSizesCoverEachIndexOnce() {
        let pool = ThreadPool(threadCount: 4)
        defer { pool.threadCount = 1 }
        pool.spinNanoseconds = 2_000_000   // keep workers spinning between jobs: the racy case
        let slots = 8
        let counts = (0..<slots).map { _ in Counter() }
        var wrong = 0
        for iteration in 0..<20_000 {
            let count = 2 + iteration % (slots - 1)          // 2…8 items: 2, 3 or 4 chunks
            pool.parallelFor(count) { range in
                for i in range { counts[i].value.wrappingAdd(1, ordering: .relaxed) }
            }
            for i in 0..<slots {
                let seen = counts[i].value.exchange(0, ordering: .relaxed)
                if seen != (i < count ? 1 : 0) { wrong += 1 }
            }
        }
        XCTAssertEqual(wrong, 0, "indices visited other than once (a chunk ran twice, late or never)")
    }

    /// Decoding is documented as free of shared state: several threads decode at once and each
    /// gets exactly the single-threaded result.
    func testConcurrentDecodingGivesTheSingleThreadedResult() throws {
        var pixels = [UInt8](repeating: 0, count: 48 * 32 * 3)
        for i in pixels.indices { pixels[i] = UInt8(truncatingIfNeeded: i &* 7 &+ i / 97) }
        let image = RGBImage(width: 48, height: 32, pixels: pixels)
        let files = [try ImageEncoder.png(image), try ImageEncoder.jpeg(image, quality: 80)]
        let reference = try files.map { try ImageDecoder().decode($0, name: "ref") }
        let mismatches = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            let decoder = ImageDecoder()
            for k in 0..<200 {
                let which = (worker + k) % files.count
                guard let decoded = try? decoder.decode(files[which], name: "t\(worker)"), decoded == reference[which] else {
                    mismatches.wrappingAdd(1, ordering: .relaxed); continue
                }
            }
        }
        XCTAssertEqual(mismatches.load(ordering: .relaxed), 0)
    }
}

/// `Atomic` is not copyable, so it cannot sit in an array directly.
private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
