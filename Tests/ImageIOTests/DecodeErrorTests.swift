import Foundation
import Support
import XCTest
import ImageIO

/// Bad input of every kind must throw an error naming the file and the problem, never abort.
final class DecodeErrorTests: XCTestCase {
    lazy var jpeg = try! ImageEncoder.jpeg(TestImages.gradient(width: 40, height: 30), quality: 90)
    lazy var png = try! ImageEncoder.png(TestImages.gradient(width: 40, height: 30))

    func testEmptyInput() {
        TestImages.assertFails([], name: "empty.jpg", kind: .empty)
    }

    func testRandomBytesAndTextAreNotImages() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for length in [1, 7, 8, 100, 5000] {
            let random = (0..<length).map { _ -> UInt8 in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
            TestImages.assertFails(random, name: "random\(length).png", kind: .notAnImage)
        }
        TestImages.assertFails(Array("just some text, not a JPEG".utf8), name: "notes.jpg", kind: .notAnImage)
    }

    func testFormatComesFromBytesNotExtension() throws {
        let folder = try TestImages.scratchFolder(self)
        let pngNamedJPEG = try TestImages.write(png, "really-a-png.jpg", in: folder)
        let jpegNamedPNG = try TestImages.write(jpeg, "really-a-jpeg.png", in: folder)
        XCTAssertEqual(try RGBImage(contentsOf: pngNamedJPEG), TestImages.gradient(width: 40, height: 30))
        XCTAssertEqual(try RGBImage(contentsOf: jpegNamedPNG).width, 40)
        XCTAssertEqual(try ImageDecoder().info(path: pngNamedJPEG).format, .png)
        XCTAssertEqual(try ImageDecoder().info(path: jpegNamedPNG).format, .jpeg)
    }

    func testMissingFileAndDirectoryAreFileErrors() throws {
        let folder = try TestImages.scratchFolder(self)
        let missing = folder.appendingPathComponent("nope.jpg").path
        XCTAssertThrowsError(try RGBImage(contentsOf: missing)) {
            XCTAssertEqual(($0 as? FileError)?.kind, .missing)
            XCTAssertEqual(String(describing: $0), "\(missing): no such file")
        }
        XCTAssertThrowsError(try RGBImage(contentsOf: folder.path)) {
            XCTAssertEqual(($0 as? FileError)?.kind, .isDirectory)
        }
        let empty = try TestImages.write([], "empty.png", in: folder)
        XCTAssertThrowsError(try RGBImage(contentsOf: empty)) {
            XCTAssertEqual(($0 as? ImageError)?.kind, .empty)
            XCTAssertEqual(String(describing: $0), "\(empty): empty file (0 bytes)")
        }
    }

    func testTruncatedJPEGAtEveryKindOfCutPoint() {
        let sos = jpeg.indices.first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xDA }!
        // Inside the signature, inside the header segments, right after the scan header, in the
        // middle of the entropy-coded data, and just before the end-of-image marker.
        let cuts = [3, 4, 11, 25, 100, sos + 2, sos + 20, (sos + jpeg.count) / 2, jpeg.count - 2]
        for cut in cuts {
            TestImages.assertFails(Array(jpeg[..<cut]), name: "cut\(cut).jpg", kind: .truncated)
        }
    }

    func testTruncatedPNGAtSeveralCutPoints() {
        // Inside the signature's chunk, inside IHDR, at the start of IDAT, inside the image data.
        let iend = png.count - 12
        for cut in [9, 16, 30, 33 + 8, 33 + 20, png.count / 2, iend - 5] {
            TestImages.assertFails(Array(png[..<cut]), name: "cut\(cut).png", kind: .truncated)
        }
        // With every pixel present and only the IEND trailer missing, the image is accepted.
        XCTAssertEqual(try ImageDecoder().decode(Array(png[..<iend]), name: "no-iend.png"), TestImages.gradient(width: 40, height: 30))
    }

    func testCorruptPNGs() {
        var badCRC = png
        badCRC[29] ^= 0xFF                                  // IHDR CRC
        TestImages.assertFails(badCRC, name: "crc.png", kind: .corrupt)
        var badColourType = PNGBuilder(width: 2, height: 1, colorType: 5, rows: [[1, 2]]).bytes()
        badColourType[0] = 0x89
        TestImages.assertFails(badColourType, name: "type5.png", kind: .corrupt)
        // Valid chunks, but the image data is not a zlib stream.
        var builder = PNGBuilder(width: 4, height: 4, colorType: 2, rows: [])
        builder.idat = [UInt8](repeating: 0xEE, count: 16)
        let bytes = builder.bytes()
        TestImages.assertFails(bytes, name: "zlib.png", kind: .corrupt)
    }

    func testCorruptJPEGs() {
        // Frame header with a zero component count.
        var badFrame = jpeg
        let sof = badFrame.indices.first { badFrame[$0] == 0xFF && badFrame[$0 + 1] == 0xC0 }!
        badFrame[sof + 9] = 0
        TestImages.assertFails(badFrame, name: "sof.jpg", kind: .corrupt)
        // Huffman table segment overwritten with garbage.
        var badTables = jpeg
        let dht = badTables.indices.first { badTables[$0] == 0xFF && badTables[$0 + 1] == 0xC4 }!
        for i in (dht + 5)..<(dht + 25) { badTables[i] = 0xFF }
        TestImages.assertFails(badTables, name: "dht.jpg", kind: .corrupt)
        // Damaged entropy-coded data: libjpeg only warns and fills in grey; that is an error here.
        let sos = jpeg.indices.first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xDA }!
        var badScan = jpeg
        for i in 0..<24 { badScan[sos + 20 + i] = [0x12, 0x34, 0x56][i % 3] }
        TestImages.assertFails(badScan, name: "scan.jpg", kind: .corrupt)
        // A signature and then nothing that is a marker.
        TestImages.assertFails([0xFF, 0xD8, 0xFF, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9A], name: "junk.jpg", kind: .corrupt)
    }

    func testHarmlessWarningIsTolerated() throws {
        // Stray bytes before a marker (common in camera files): libjpeg warns, the image is whole.
        let sos = jpeg.indices.first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xDA }!
        var stray = jpeg
        stray.insert(contentsOf: [0x00, 0x01, 0x02], at: sos)
        TestImages.assertSame(try ImageDecoder().decode(stray, name: "stray.jpg"), try ImageDecoder().decode(jpeg, name: "ok.jpg"))
    }

    func testPixelLimitIsCheckedFromTheHeader() throws {
        // 100000 × 100000 RGB would need 30 GB: refused from the IHDR without decoding.
        let bomb = PNGBuilder.headerOnly(width: 100_000, height: 100_000)
        TestImages.assertFails(bomb, name: "bomb.png", kind: .tooLarge)
        // A JPEG whose frame header claims 60000 × 60000.
        var bigJPEG = jpeg
        let sof = bigJPEG.indices.first { bigJPEG[$0] == 0xFF && bigJPEG[$0 + 1] == 0xC0 }!
        bigJPEG.replaceSubrange((sof + 5)..<(sof + 9), with: [0xEA, 0x60, 0xEA, 0x60])
        TestImages.assertFails(bigJPEG, name: "bomb.jpg", kind: .tooLarge)
        // The limit is configurable and inclusive.
        TestImages.assertFails(png, name: "small.png", kind: .tooLarge, decoder: ImageDecoder(maxPixels: 40 * 30 - 1))
        TestImages.assertFails(jpeg, name: "small.jpg", kind: .tooLarge, decoder: ImageDecoder(maxPixels: 40 * 30 - 1))
        XCTAssertEqual(try ImageDecoder(maxPixels: 40 * 30).decode(png, name: "ok.png").width, 40)
        XCTAssertThrowsError(try ImageDecoder(maxPixels: 1000).decode(png, name: "small.png")) {
            XCTAssertEqual(String(describing: $0), "small.png: image is 40×30 pixels, more than the limit of 1000 pixels")
        }
    }

    func testInfoReadsOnlyTheHeader() throws {
        let folder = try TestImages.scratchFolder(self)
        let bomb = try TestImages.write(PNGBuilder.headerOnly(width: 100_000, height: 100_000), "bomb.png", in: folder)
        let info = try ImageDecoder(maxPixels: Int.max).info(path: bomb)
        XCTAssertEqual(info.width, 100_000)
        XCTAssertEqual(info.height, 100_000)
    }
}
