import XCTest
final class MTLNetPlaceholderTests: XCTestCase { func testBuilds() { XCTAssertTrue(true) } }
