import XCTest
final class ImageIOPlaceholderTests: XCTestCase { func testBuilds() { XCTAssertTrue(true) } }
