import Foundation
import Support
import XCTest
import ImageIO

final class EncodeAndDrawTests: XCTestCase {
    func testPNGRoundTripIsExact() throws {
        let image = TestImages.gradient(width: 33, height: 17)
        TestImages.assertSame(try ImageDecoder().decode(try ImageEncoder.png(image), name: "rt.png"), image)
    }

    func testWriteChoosesFormatByExtensionAndIsReadable() throws {
        let folder = try TestImages.scratchFolder(self)
        let image = TestImages.gradient(width: 20, height: 10)
        let png = folder.appendingPathComponent("out.PNG").path
        let jpg = folder.appendingPathComponent("out.jpeg").path
        try image.write(to: png)
        try image.write(to: jpg, jpegQuality: 95)
        XCTAssertEqual(try ImageDecoder().info(path: png).format, .png)
        XCTAssertEqual(try ImageDecoder().info(path: jpg).format, .jpeg)
        TestImages.assertSame(try RGBImage(contentsOf: png), image)
        XCTAssertLessThanOrEqual(TestImages.maxDifference(try RGBImage(contentsOf: jpg), image), 16)
        // Overwriting replaces the file; no temporary file is left behind.
        try RGBImage(width: 2, height: 2).write(to: png)
        XCTAssertEqual(try RGBImage(contentsOf: png).width, 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["out.PNG", "out.jpeg"])
    }

    func testWriteErrorsNameTheFile() throws {
        let folder = try TestImages.scratchFolder(self)
        let unknown = folder.appendingPathComponent("out.bmp").path
        XCTAssertThrowsError(try RGBImage(width: 1, height: 1).write(to: unknown)) {
            XCTAssertEqual(($0 as? FileError)?.kind, .cannotCreate)
            XCTAssertTrue(String(describing: $0).hasPrefix(unknown + ": "))
        }
        let noFolder = folder.appendingPathComponent("missing/out.png").path
        XCTAssertThrowsError(try RGBImage(width: 1, height: 1).write(to: noFolder)) {
            XCTAssertEqual(($0 as? FileError)?.kind, .cannotCreate)
        }
    }

    func testRectangleOutlineHasTheRequestedThickness() {
        var image = RGBImage(width: 12, height: 10)
        image.drawRectangle(x0: 2, y0: 1, x1: 9, y1: 8, color: .green, thickness: 2)
        for y in 0..<10 {
            for x in 0..<12 {
                let inBox = x >= 2 && x <= 9 && y >= 1 && y <= 8
                let inHole = x >= 4 && x <= 7 && y >= 3 && y <= 6
                XCTAssertEqual(image.pixel(x: x, y: y), inBox && !inHole ? .green : .black, "(\(x), \(y))")
            }
        }
    }

    func testDrawingIsClippedAtTheBorders() {
        var image = RGBImage(width: 8, height: 8)
        image.drawRectangle(x0: -5, y0: -5, x1: 3, y1: 20, color: .red, thickness: 1)
        image.drawRectangle(x0: .nan, y0: 0, x1: 1e30, y1: 1, color: .red)
        image.fillCircle(x: 100, y: 100, radius: 3, color: .red)
        image.drawLine(x0: -1e9, y0: -1e9, x1: 1e9, y1: 1e9, color: .blue, thickness: 3)
        for i in 0..<8 { XCTAssertEqual(image.pixel(x: i, y: i), .blue, "the diagonal line crosses the image") }
        XCTAssertEqual(image.pixel(x: 3, y: 7), .red, "right edge of the clipped rectangle")
        XCTAssertEqual(image.pixel(x: 0, y: 7), .black, "the box's other edges lie outside the image")
        XCTAssertEqual(image.pixel(x: 7, y: 0), .black)
    }

    func testFilledCircleAndLine() {
        var image = RGBImage(width: 9, height: 9)
        image.fillCircle(x: 4, y: 4, radius: 2, color: .yellow)
        let coloured = (0..<81).filter { image.pixel(x: $0 % 9, y: $0 / 9) == .yellow }.count
        XCTAssertEqual(coloured, 13, "integer points within distance 2 of the centre")
        var line = RGBImage(width: 5, height: 5)
        line.drawLine(x0: 0, y0: 0, x1: 4, y1: 4, color: .white)
        for i in 0..<5 { XCTAssertEqual(line.pixel(x: i, y: i), .white) }
        XCTAssertEqual(line.pixels.filter { $0 == 255 }.count, 15)
    }

    func testThickLineBetweenTwoRowsHasNoGaps() {
        var image = RGBImage(width: 24, height: 20)
        image.drawLine(x0: 0.3, y0: 10.5, x1: 20.7, y1: 10.5, color: .white, thickness: 2)
        for x in 1...20 { XCTAssertTrue((9...12).contains { image.pixel(x: x, y: $0) == .white }, "column \(x)") }
        XCTAssertEqual(image.pixel(x: 10, y: 8), .black)
        XCTAssertEqual(image.pixel(x: 10, y: 13), .black)
    }

    func testCrop() {
        let image = TestImages.gradient(width: 10, height: 6)
        let crop = image.cropped(x: 3, y: 2, width: 4, height: 3)
        XCTAssertEqual(crop.width, 4)
        for y in 0..<3 { for x in 0..<4 { XCTAssertEqual(crop.pixel(x: x, y: y), image.pixel(x: x + 3, y: y + 2)) } }
    }

    func testBilinearResizeHalfPixelCentres() {
        // 2 × 1 → 4 × 1: source positions -0.25, 0.25, 0.75, 1.25 → clamp, 1/4, 3/4, clamp.
        let image = RGBImage(width: 2, height: 1, pixels: [0, 0, 0, 200, 100, 40])
        let up = image.resized(width: 4, height: 1)
        XCTAssertEqual(up.pixels, [0, 0, 0, 50, 25, 10, 150, 75, 30, 200, 100, 40])
        // 4 × 1 → 2 × 1: positions 0.5 and 2.5 average neighbours.
        let down = RGBImage(width: 4, height: 1, pixels: [0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]).resized(width: 2, height: 1)
        XCTAssertEqual(down.pixels, [50, 50, 50, 228, 228, 228])
        let flat = RGBImage(width: 3, height: 3, pixels: [UInt8](repeating: 77, count: 27)).resized(width: 7, height: 5)
        XCTAssertTrue(flat.pixels.allSatisfy { $0 == 77 })
    }
}
