import XCTest
final class MTCNNPlaceholderTests: XCTestCase { func testBuilds() { XCTAssertTrue(true) } }
