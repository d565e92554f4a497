import XCTest

/// `--threads` beyond the pool's bound is a usage error, not thousands of threads (a thread the
/// system refuses would otherwise be waited for forever).
final class ThreadsOptionTests: XCTestCase {
    func testThreadCountAboveTheBoundIsAUsageError() throws {
        for arguments in [["detect", "--threads", "100000", "missing.png"], ["bench", "--ops", "--threads", "65"]] {
            let r = try FacecliBinary.run(arguments, timeout: 60)
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("--threads"), "\(arguments): \(r.stderr)")
            XCTAssertTrue(r.stdout.isEmpty, "\(arguments): \(r.stdout)")
        }
    }
}
