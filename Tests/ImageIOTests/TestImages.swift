import Foundation
import XCTest
import ImageIO

/// Deterministic test pictures and scratch files.
enum TestImages {
    /// A smooth, asymmetric picture: every channel varies differently in x and y, so any flip or
    /// rotation changes it, and JPEG keeps it within a few levels.
    static func gradient(width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                pixels[i] = UInt8(x * 255 / max(1, width - 1))
                pixels[i + 1] = UInt8(y * 255 / max(1, height - 1))
                pixels[i + 2] = UInt8((x + 2 * y) * 255 / max(1, width - 1 + 2 * (height - 1)))
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// A fresh empty folder, removed when the test ends.
    static func scratchFolder(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("imageio-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Writes `bytes` to `name` in `folder` and returns the path.
    static func write(_ bytes: [UInt8], _ name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Largest per-sample difference between two images of the same size.
    static func maxDifference(_ a: RGBImage, _ b: RGBImage) -> Int {
        precondition(a.width == b.width && a.height == b.height)
        return zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
    }

    /// Asserts equal images, reporting the size or the first differing pixel (not every byte).
    static func assertSame(_ a: RGBImage, _ b: RGBImage, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        guard a.width == b.width, a.height == b.height else {
            return XCTFail("\(message): size \(a.width)×\(a.height) ≠ \(b.width)×\(b.height)", file: file, line: line)
        }
        if let i = a.pixels.indices.first(where: { a.pixels[$0] != b.pixels[$0] }) {
            let p = i / 3
            XCTFail("\(message): pixel (\(p % a.width), \(p / a.width)) differs: \(a.pixel(x: p % a.width, y: p / a.width)) ≠ \(b.pixel(x: p % a.width, y: p / a.width))",
                    file: file, line: line)
        }
    }

    /// Asserts that decoding fails with an `ImageError` of `kind` whose message names `name`.
    static func assertFails(_ bytes: [UInt8], name: String, kind: ImageError.Kind, decoder: ImageDecoder = ImageDecoder(),
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decoder.decode(bytes, name: name), file: file, line: line) { error in
            guard let e = error as? ImageError else { return XCTFail("not an ImageError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, kind, e.description, file: file, line: line)
            XCTAssertTrue(e.description.hasPrefix(name + ": "), e.description, file: file, line: line)
        }
    }
}
