import XCTest
import ImageIO

/// Text drawing with the built-in 6×13 font, checked against glyphs written out by hand.
final class TextDrawingTests: XCTestCase {
    /// misc-fixed 6×13 'A' and 'g' ('#' = set), as the X11 font draws them.
    let glyphA = ["......", "......", "..#...", ".#.#..", "#...#.", "#...#.", "#...#.",
                  "#####.", "#...#.", "#...#.", "#...#.", "......", "......"]
    let glyphG = ["......", "......", "......", "......", "......", ".###..", "#...#.",
                  "#...#.", "#...#.", ".####.", "....#.", "#...#.", ".###.."]

    /// The pixels of `image` in `x0..<x0+w`, `y0..<y0+h` as rows of '#' (== `color`) and '.'.
    func pattern(_ image: RGBImage, x0: Int, y0: Int, w: Int, h: Int, color: RGBColor = .white) -> [String] {
        (y0..<y0 + h).map { y in String((x0..<x0 + w).map { image.pixel(x: $0, y: y) == color ? "#" : "." }) }
    }

    func testGlyphsMatchTheFontPixelForPixel() {
        var image = RGBImage(width: 20, height: 15)
        image.drawText("Ag", x: 1, y: 1, color: .white)
        XCTAssertEqual(pattern(image, x0: 1, y0: 1, w: 6, h: 13), glyphA)
        let g = pattern(image, x0: 7, y0: 1, w: 6, h: 13)
        XCTAssertEqual(g, glyphG, "with its descender below the baseline (row 11)")
        // Nothing outside the two cells.
        XCTAssertEqual(image.pixels.enumerated().filter { $0.element != 0 }.count, (glyphA.joined().filter { $0 == "#" }.count
            + g.joined().filter { $0 == "#" }.count) * 3)
        XCTAssertEqual(pattern(image, x0: 0, y0: 0, w: 20, h: 1), [String(repeating: ".", count: 20)])
    }

    func testScaleMakesEveryFontPixelASquare() {
        var image = RGBImage(width: 12, height: 26)
        image.drawText("A", x: 0, y: 0, color: .white, scale: 2)
        let expected = glyphA.flatMap { row -> [String] in
            let doubled = String(row.flatMap { [$0, $0] })
            return [doubled, doubled]
        }
        XCTAssertEqual(pattern(image, x0: 0, y0: 0, w: 12, h: 26), expected)
    }

    func testUpwardTextIsTheLineTurnedAQuarterCounterClockwise() {
        var flat = RGBImage(width: 18, height: 13), up = RGBImage(width: 13, height: 18)
        flat.drawText("A1g", x: 0, y: 0, color: .white)
        up.drawText("A1g", x: 0, y: 0, color: .white, direction: .up)
        for v in 0..<13 {
            for u in 0..<18 { XCTAssertEqual(up.pixel(x: v, y: 17 - u), flat.pixel(x: u, y: v), "u \(u) v \(v)") }
        }
        // The first letter is at the bottom, its top towards the left: 'A''s apex (row 2, column 2).
        XCTAssertEqual(up.pixel(x: 2, y: 17 - 2), .white)
    }

    func testCharactersOutsideASCIIAreQuestionMarksAndClippingNeverTraps() {
        var a = RGBImage(width: 6, height: 13), b = RGBImage(width: 6, height: 13)
        a.drawText("é", x: 0, y: 0, color: .white)
        b.drawText("?", x: 0, y: 0, color: .white)
        XCTAssertEqual(a, b)
        XCTAssertTrue(a.pixels.contains(255))
        var small = RGBImage(width: 4, height: 4)
        small.drawText("clipped", x: -10, y: -5, color: .white, scale: 3)
        small.drawText("far", x: Int.max / 4, y: -Int.max / 4, color: .white, direction: .up)
        XCTAssertEqual(BitmapFont.fixed6x13.width(of: "abc", scale: 2), 36)
    }

    func testLabelSitsAboveTheBoxOrBelowItWhenThereIsNoRoom() {
        let font = BitmapFont.fixed6x13
        let size = font.labelSize(["Tom 97%", "adult 88%"], padding: 2)
        XCTAssertEqual(size.width, 9 * 6 + 4)
        XCTAssertEqual(size.height, 2 * 13 + 4)
        let large = font.labelSize(["Tom 97%", "adult 88%"], scale: 3, padding: 2)
        XCTAssertEqual([large.width, large.height], [3 * size.width, 3 * size.height], "text and padding scale together")
        var scaled = RGBImage(width: 300, height: 300)
        scaled.drawLabel(["adult 88%"], x: 0, y: 0, color: .black, background: .green, scale: 3)
        XCTAssertEqual(scaled.pixel(x: 3 * (9 * 6 + 4) - 1, y: 1), .green, "the background reaches past the last letter")
        XCTAssertEqual(scaled.pixel(x: 3 * (9 * 6 + 4), y: 1), .black)
        var image = RGBImage(width: 200, height: 200)
        image.drawLabel(["Tom 97%", "adult 88%"], nextTo: 50, 100, 150, 180, color: .black, background: .green)
        XCTAssertEqual(image.pixel(x: 50, y: 99), .green, "bottom row of the label, just above the box")
        XCTAssertEqual(image.pixel(x: 50, y: 100 - size.height), .green)
        XCTAssertEqual(image.pixel(x: 50, y: 100 - size.height - 1), .black, "nothing above the label")
        XCTAssertEqual(image.pixel(x: 50 + size.width, y: 99), .black)
        var top = RGBImage(width: 200, height: 200)
        top.drawLabel(["Tom 97%"], nextTo: 190, 5, 199, 60, color: .black, background: .green)
        XCTAssertEqual(top.pixel(x: 199, y: 61), .green, "below the box, moved left to stay inside")
        XCTAssertEqual(top.pixel(x: 199 - font.labelSize(["Tom 97%"]).width + 1, y: 61), .green)
        XCTAssertEqual(top.pixel(x: 199, y: 60), .black)
    }
}
