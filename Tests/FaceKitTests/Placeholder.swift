import XCTest
final class FaceKitPlaceholderTests: XCTestCase { func testBuilds() { XCTAssertTrue(true) } }
