import Foundation
import XCTest

/// `facecli bench --ops` through the built binary: one row per MobileNet layer shape, real timings.
final class BenchOpsTests: XCTestCase {
    func testJSONHasEveryMobileNetV1ShapeWithPositiveSpeed() throws {
        let r = try FacecliBinary.run(["bench", "--ops", "--fast-only", "--v1-only", "--seconds", "0.001", "--json"], timeout: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        // MobileNet v1 at 128×128: 9 depthwise layers (5 stride-1 shapes, 4 stride-2) and 9 distinct pointwise shapes.
        XCTAssertEqual(rows.filter { ($0["op"] as? String)?.hasPrefix("depthwise") == true }.count, 9)
        XCTAssertEqual(rows.filter { ($0["op"] as? String)?.hasPrefix("pointwise") == true }.count, 9)
        for row in rows {
            XCTAssertGreaterThan(row["fast_gflops"] as? Double ?? 0, 0, "\(row)")
            XCTAssertTrue(row["naive_gflops"] is NSNull, "--fast-only skips the naive kernels: \(row)")
        }
    }
}
