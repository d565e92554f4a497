import XCTest
import ImageIO

/// Every PNG colour type and bit depth becomes 8-bit RGB. Files are built byte by byte
/// (`PNGBuilder`), not by the library under test.
final class PNGDecodeTests: XCTestCase {
    func decode(_ builder: PNGBuilder, background: RGBColor = .black) throws -> RGBImage {
        try ImageDecoder(alphaBackground: background).decode(builder.bytes(), name: "test.png")
    }

    func testRGB8IsExact() throws {
        let image = TestImages.gradient(width: 7, height: 5)
        let rows = (0..<5).map { Array(image.pixels[($0 * 21)..<(($0 + 1) * 21)]) }
        XCTAssertEqual(try decode(PNGBuilder(width: 7, height: 5, colorType: 2, rows: rows)), image)
    }

    func testGreyBecomesEqualChannels() throws {
        let grey = try decode(PNGBuilder(width: 3, height: 1, colorType: 0, rows: [[0, 77, 255]]))
        XCTAssertEqual(grey.pixels, [0, 0, 0, 77, 77, 77, 255, 255, 255])
        // 1-bit grey: 0 → black, 1 → white; 8 pixels packed in one byte, MSB first.
        let bits = try decode(PNGBuilder(width: 8, height: 1, colorType: 0, bitDepth: 1, rows: [[0b1010_0001]]))
        XCTAssertEqual(stride(from: 0, to: 24, by: 3).map { bits.pixels[$0] }, [255, 0, 255, 0, 0, 0, 0, 255])
        // 4-bit grey: sample v → v · 17.
        let nibbles = try decode(PNGBuilder(width: 2, height: 1, colorType: 0, bitDepth: 4, rows: [[0x3F]]))
        XCTAssertEqual(nibbles.pixels, [51, 51, 51, 255, 255, 255])
    }

    func testPaletteLooksUpColours() throws {
        let palette: [UInt8] = [10, 20, 30, 200, 100, 0, 0, 0, 255, 255, 255, 255]
        let eight = try decode(PNGBuilder(width: 4, height: 1, colorType: 3, palette: palette, rows: [[3, 2, 1, 0]]))
        XCTAssertEqual(eight.pixels, [255, 255, 255, 0, 0, 255, 200, 100, 0, 10, 20, 30])
        // 2-bit indices, four per byte.
        let packed = try decode(PNGBuilder(width: 4, height: 1, colorType: 3, bitDepth: 2, palette: palette, rows: [[0b01_00_11_10]]))
        XCTAssertEqual(packed.pixels, [200, 100, 0, 10, 20, 30, 255, 255, 255, 0, 0, 255])
    }

    func testPaletteTransparencyIsCompositedOverTheBackground() throws {
        let palette: [UInt8] = [200, 100, 50, 200, 100, 50, 200, 100, 50]
        let builder = PNGBuilder(width: 3, height: 1, colorType: 3, palette: palette, transparency: [255, 0, 128], rows: [[0, 1, 2]])
        let overBlack = try decode(builder)
        XCTAssertEqual(Array(overBlack.pixels[0..<6]), [200, 100, 50, 0, 0, 0], "opaque kept, transparent is the background")
        let overWhite = try decode(builder, background: .white)
        XCTAssertEqual(Array(overWhite.pixels[0..<6]), [200, 100, 50, 255, 255, 255])
        for c in 0..<3 {   // half transparent: strictly between the colour and each background
            XCTAssertLessThan(overBlack.pixels[6 + c], overBlack.pixels[c])
            XCTAssertGreaterThan(overBlack.pixels[6 + c], 0)
            XCTAssertGreaterThan(overWhite.pixels[6 + c], overWhite.pixels[c])
            XCTAssertLessThan(overWhite.pixels[6 + c], 255)
        }
    }

    func testRGBAAndGreyAlpha() throws {
        let rgba = try decode(PNGBuilder(width: 2, height: 1, colorType: 6, rows: [[10, 20, 30, 255, 90, 90, 90, 0]]), background: .white)
        XCTAssertEqual(rgba.pixels, [10, 20, 30, 255, 255, 255])
        let greyAlpha = try decode(PNGBuilder(width: 2, height: 1, colorType: 4, rows: [[60, 255, 60, 0]]))
        XCTAssertEqual(greyAlpha.pixels, [60, 60, 60, 0, 0, 0])
    }

    func testSixteenBitKeepsTheHighByte() throws {
        // 16-bit samples without a gAMA chunk are sRGB like 8-bit ones: 0xABCD → 0xAB or 0xAC.
        let image = try decode(PNGBuilder(width: 2, height: 1, colorType: 2, bitDepth: 16,
                                          rows: [[0xAB, 0xCD, 0x00, 0x00, 0xFF, 0xFF, 0x80, 0x00, 0x12, 0x34, 0x40, 0x7F]]))
        let expected: [Double] = [0xABCD, 0, 0xFFFF, 0x8000, 0x1234, 0x407F].map { Double($0) / 257 }
        for (got, want) in zip(image.pixels, expected) { XCTAssertEqual(Double(got), want, accuracy: 1) }
        let grey16 = try decode(PNGBuilder(width: 1, height: 1, colorType: 0, bitDepth: 16, rows: [[0x80, 0x80]]))
        XCTAssertEqual(grey16.pixels, [0x80, 0x80, 0x80])
    }

    func testLargerImageAcrossSeveralStoredBlocks() throws {
        let image = TestImages.gradient(width: 200, height: 150)       // 90 KB of samples > one stored block
        let rows = (0..<150).map { Array(image.pixels[($0 * 600)..<(($0 + 1) * 600)]) }
        XCTAssertEqual(try decode(PNGBuilder(width: 200, height: 150, colorType: 2, rows: rows)), image)
    }
}
