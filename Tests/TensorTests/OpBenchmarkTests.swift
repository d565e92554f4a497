import XCTest
@testable import Tensor

/// The per-op benchmark runs every MobileNet shape and reports sane numbers (speed itself is not asserted).
final class OpBenchmarkTests: XCTestCase {
    func testRunsEveryShapeAndRestoresThreadCount() {
        let before = ThreadPool.shared.threadCount
        let rows = OpBenchmark.run(includeV2: true, includeNaive: true, threads: 1, seconds: 0)
        XCTAssertEqual(ThreadPool.shared.threadCount, before)
        XCTAssertEqual(rows.count, OpBenchmark.mobileNetV1Depthwise.count + OpBenchmark.mobileNetV2Depthwise.count
                       + OpBenchmark.mobileNetV1Pointwise.count)
        for row in rows {
            XCTAssertTrue(row.fastGFLOPS.isFinite && row.fastGFLOPS > 0, "\(row.op) \(row.shape)")
            XCTAssertTrue((row.naiveGFLOPS ?? 0) > 0, "\(row.op) \(row.shape)")
            XCTAssertEqual(row.fastMilliseconds, row.flops / (row.fastGFLOPS * 1e9) * 1e3, accuracy: 1e-9)
        }
        XCTAssertEqual(rows.first?.shape, "64×64×32 → 32")
        let table = OpBenchmark.table(rows).split(separator: "\n")
        XCTAssertEqual(table.count, rows.count + 1)
        XCTAssertTrue(table[0].contains("naive GFLOP/s") && table[0].contains("fast GFLOP/s"))
    }
}
