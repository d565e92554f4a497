import Foundation
import XCTest
import facecli
import ImageIO

/// The shared per-image loop: failures are reported and skipped, the exit status says what happened.
final class ImageInputsTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-inputs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func testStatusFollowsHowManyInputsFailed() throws {
        try RGBImage(width: 4, height: 3).write(to: path("good.png"))
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: path("bad.jpg")))
        var seen: [String] = []
        let mixed = ImageInputs.forEach([path("good.png"), path("bad.jpg"), path("missing.png")]) { p, image in
            seen.append("\((p as NSString).lastPathComponent) \(image.width)×\(image.height)")
        }
        XCTAssertEqual(mixed, .someFailed)
        XCTAssertEqual(seen, ["good.png 4×3"])
        XCTAssertEqual(ImageInputs.forEach([path("good.png")]) { _, _ in }, .ok)
        XCTAssertEqual(ImageInputs.forEach([path("bad.jpg")]) { _, _ in }, .dataError)
        XCTAssertEqual(ImageInputs.forEach([path("missing.png"), path("bad.jpg")]) { _, _ in }, .noInput)
        // An error thrown by the work itself counts as that input failing.
        XCTAssertEqual(ImageInputs.forEach([path("good.png"), path("good.png")]) { _, _ in
            throw CLIError.failure("boom", .ioError)
        }, .ioError)
    }
}
