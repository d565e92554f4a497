import XCTest
import ImageIO
import CTurboJPEG

/// JPEG round trips, greyscale, and the eight EXIF orientations (APP1 segments built here and
/// spliced into encoded files, in both TIFF byte orders).
final class JPEGTests: XCTestCase {
    let picture = TestImages.gradient(width: 48, height: 32)

    func testRoundTripWithinTolerance() throws {
        for (quality, maxError, meanError) in [(95, 12, 1.5), (75, 24, 3.0)] {
            let decoded = try ImageDecoder().decode(try ImageEncoder.jpeg(picture, quality: quality), name: "q.jpg")
            XCTAssertEqual(decoded.width, 48)
            XCTAssertEqual(decoded.height, 32)
            XCTAssertLessThanOrEqual(TestImages.maxDifference(decoded, picture), maxError, "quality \(quality)")
            let mean = Double(zip(decoded.pixels, picture.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / Double(picture.pixels.count)
            XCTAssertLessThan(mean, meanError, "quality \(quality)")
        }
        // 4:4:4 keeps colour edges better than 4:2:0.
        let full = try ImageDecoder().decode(try ImageEncoder.jpeg(picture, quality: 95, subsampling: .s444), name: "444.jpg")
        XCTAssertLessThanOrEqual(TestImages.maxDifference(full, picture), 6)
    }

    func testGreyJPEGBecomesEqualChannels() throws {
        let decoded = try ImageDecoder().decode(try ImageEncoder.jpeg(picture, quality: 90, subsampling: .grey), name: "g.jpg")
        for i in stride(from: 0, to: decoded.pixels.count, by: 3) {
            XCTAssertEqual(decoded.pixels[i], decoded.pixels[i + 1])
            XCTAssertEqual(decoded.pixels[i], decoded.pixels[i + 2])
        }
        // Luma of the gradient: top-left dark, bottom-right bright.
        XCTAssertLessThan(decoded.pixels[0], 30)
        XCTAssertGreaterThan(decoded.pixels[decoded.pixels.count - 1], 200)
    }

    func testQualityIsValidated() {
        XCTAssertThrowsError(try ImageEncoder.jpeg(picture, quality: 0)) {
            XCTAssertEqual(($0 as? ImageError)?.kind, .unsupported)
        }
    }

    // MARK: - EXIF orientation

    /// APP1 segment with an Exif IFD0 holding Orientation (plus a tag before it, as cameras write).
    static func exifSegment(orientation: Int, bigEndian: Bool) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: Int) -> [UInt8] { bigEndian ? u16(v >> 16) + u16(v & 0xFFFF) : u16(v & 0xFFFF) + u16(v >> 16) }
        var tiff: [UInt8] = bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]
        tiff += u16(42) + u32(8)
        tiff += u16(2)                                                  // two entries
        tiff += u16(0x010F) + u16(2) + u32(4) + Array("Cam\0".utf8)     // Make, ASCII, inline
        tiff += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0)
        tiff += u32(0)                                                  // no next IFD
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    static func splice(_ segment: [UInt8], into jpeg: [UInt8]) -> [UInt8] {
        Array(jpeg[0..<2]) + segment + Array(jpeg[2...])
    }

    /// Rotation by 90° clockwise and horizontal mirror, written independently of the decoder.
    static func rotateClockwise(_ image: RGBImage) -> RGBImage {
        var out = RGBImage(width: image.height, height: image.width)
        for y in 0..<image.height {
            for x in 0..<image.width { out.set(x: image.height - 1 - y, y: x, image.pixel(x: x, y: y)) }
        }
        return out
    }

    static func mirror(_ image: RGBImage) -> RGBImage {
        var out = image
        for y in 0..<image.height {
            for x in 0..<image.width { out.set(x: image.width - 1 - x, y: y, image.pixel(x: x, y: y)) }
        }
        return out
    }

    /// The EXIF table: what to do to the stored pixels to see the picture upright.
    static func expected(_ stored: RGBImage, orientation: Int) -> RGBImage {
        let r = rotateClockwise
        switch orientation {
        case 2: return mirror(stored)
        case 3: return r(r(stored))
        case 4: return mirror(r(r(stored)))
        case 5: return mirror(r(stored))
        case 6: return r(stored)
        case 7: return mirror(r(r(r(stored))))
        case 8: return r(r(r(stored)))
        default: return stored
        }
    }

    func testEveryOrientationInBothByteOrders() throws {
        let jpeg = try ImageEncoder.jpeg(picture, quality: 90)
        let stored = try ImageDecoder().decode(jpeg, name: "plain.jpg")
        for bigEndian in [false, true] {
            for orientation in 1...8 {
                let tagged = Self.splice(Self.exifSegment(orientation: orientation, bigEndian: bigEndian), into: jpeg)
                let name = "o\(orientation)\(bigEndian ? "MM" : "II").jpg"
                let upright = try ImageDecoder().decode(tagged, name: name)
                TestImages.assertSame(upright, Self.expected(stored, orientation: orientation), name)
                let raw = try ImageDecoder(appliesEXIFOrientation: false).decode(tagged, name: name)
                TestImages.assertSame(raw, stored, name)
            }
        }
    }

    func testOrientationSixMeansTurnClockwise() throws {
        // Stored 3 × 2: red top-left, blue bottom-left. Turned clockwise, blue is top-left, red top-right.
        var stored = RGBImage(width: 3, height: 2)
        stored.set(x: 0, y: 0, .red)
        stored.set(x: 0, y: 1, .blue)
        let upright = stored.oriented(exif: 6)
        XCTAssertEqual(upright.width, 2)
        XCTAssertEqual(upright.height, 3)
        XCTAssertEqual(upright.pixel(x: 0, y: 0), .blue)
        XCTAssertEqual(upright.pixel(x: 1, y: 0), .red)
        XCTAssertEqual(upright.pixel(x: 1, y: 2), .black)
    }

    func testInfoReportsTheUprightSize() throws {
        let folder = try TestImages.scratchFolder(self)
        let tagged = Self.splice(Self.exifSegment(orientation: 8, bigEndian: true), into: try ImageEncoder.jpeg(picture))
        let info = try ImageDecoder().info(path: try TestImages.write(tagged, "portrait.jpg", in: folder))
        XCTAssertEqual(info.format, .jpeg)
        XCTAssertEqual(info.width, 32)
        XCTAssertEqual(info.height, 48)
    }

    func testMalformedExifIsIgnoredNotFatal() throws {
        let jpeg = try ImageEncoder.jpeg(picture, quality: 90)
        let stored = try ImageDecoder().decode(jpeg, name: "plain.jpg")
        var segments: [[UInt8]] = []
        var good = Self.exifSegment(orientation: 6, bigEndian: false)
        // IFD offset far beyond the segment.
        var farIFD = good; farIFD[14] = 0xFF; farIFD[15] = 0xFF; farIFD[16] = 0xFF; farIFD[17] = 0x7F
        segments.append(farIFD)
        // Entry count larger than the segment holds, orientation entry cut off.
        var hugeCount = good; hugeCount[18] = 0xFF; hugeCount[19] = 0xFF
        segments.append(Array(hugeCount[0..<(hugeCount.count - 18)]).withLength())
        // Orientation value out of range (9), and of the wrong type (LONG).
        var badValue = good; badValue[40] = 9
        segments.append(badValue)
        good[34] = 4
        segments.append(good)
        // Not even a TIFF header.
        segments.append([0xFF, 0xE1, 0x00, 0x08] + Array("Exif".utf8) + [0, 0])
        for (i, segment) in segments.enumerated() {
            TestImages.assertSame(try ImageDecoder().decode(Self.splice(segment, into: jpeg), name: "bad\(i).jpg"), stored, "segment \(i)")
        }
    }
}

private extension Array where Element == UInt8 {
    /// Rewrites the APP1 length field to match the segment's actual size.
    func withLength() -> [UInt8] {
        var copy = self
        let length = count - 2
        copy[2] = UInt8(length >> 8); copy[3] = UInt8(length & 0xFF)
        return copy
    }
}

/// CMYK JPEGs (Photoshop, print workflows): TurboJPEG cannot produce RGB from them directly, so the
/// decoder takes CMYK and converts with the Adobe (inverted ink) convention R = C·K/255.
final class CMYKJPEGTests: XCTestCase {
    func testCMYKBecomesRGB() throws {
        let (w, h) = (16, 16)
        var cmyk = [UInt8](repeating: 0, count: w * h * 4)
        for i in 0..<(w * h) {   // four flat quadrants so that JPEG keeps the values close
            let quadrant = (i % w < 8 ? 0 : 1) + (i / w < 8 ? 0 : 2)
            let values: [[UInt8]] = [[255, 255, 255, 255], [255, 0, 0, 255], [0, 255, 255, 255], [255, 255, 255, 128]]
            for c in 0..<4 { cmyk[4 * i + c] = values[quadrant][c] }
        }
        let handle = try XCTUnwrap(tjInitCompress())
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = tjCompress2(handle, cmyk, Int32(w), 0, Int32(h), Int32(TJPF_CMYK.rawValue), &output, &size,
                                 Int32(TJSAMP_444.rawValue), 100, 0)
        XCTAssertEqual(status, 0)
        let jpeg = Array(UnsafeBufferPointer(start: output, count: Int(size)))
        tjFree(output)
        let image = try ImageDecoder().decode(jpeg, name: "cmyk.jpg")
        XCTAssertEqual(image.width, w)
        let expected: [(Int, Int, [Int])] = [(2, 2, [255, 255, 255]), (12, 2, [255, 0, 0]), (2, 12, [0, 255, 255]), (12, 12, [128, 128, 128])]
        for (x, y, rgb) in expected {
            let p = image.pixel(x: x, y: y)
            for (got, want) in zip([p.r, p.g, p.b], rgb) { XCTAssertEqual(Int(got), want, accuracy: 4, "(\(x), \(y))") }
        }
    }
}
