import FaceKit
import Foundation
import ImageIO
import XCTest

final class LiveSourcesTests: XCTestCase {
    func image(_ k: Int) -> RGBImage {
        RGBImage(width: 32, height: 24, pixels: (0..<(32 * 24 * 3)).map { UInt8(($0 * 7 + k * 40) % 256) })
    }

    func scratchFolder() throws -> String {
        let dir = NSTemporaryDirectory() + "/facecli-live-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func testFolderFramesComeInNameOrderAndABrokenOneIsReportedAndSkipped() throws {
        let dir = try scratchFolder()
        for k in [2, 0, 1] { try image(k).write(to: dir + "/f\(k).png") }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: dir + "/f1b.jpg"))
        try Data().write(to: URL(fileURLWithPath: dir + "/notes.txt"))
        var reports = [String]()
        let pump = FramePump(source: try FolderSource(folder: dir), dropLate: false) { reports.append($0) }
        var got = [LiveFrame]()
        while let f = try pump.next() { got.append(f) }
        XCTAssertEqual(got.map(\.index), [0, 1, 3])
        XCTAssertEqual(got.map(\.image), [image(0), image(1), image(2)])
        XCTAssertEqual(reports.count, 1)
        XCTAssertTrue(reports.first?.contains("f1b.jpg") ?? false, "\(reports)")
        XCTAssertEqual(pump.corrupt, 1)
        XCTAssertEqual(pump.dropped, 0)
        XCTAssertTrue(zip(got, got.dropFirst()).allSatisfy { $0.timestampMs <= $1.timestampMs })
    }

    func testEmptyFolderIsAnError() throws {
        XCTAssertThrowsError(try FolderSource(folder: try scratchFolder()))
    }

    func testStreamFromAPipeAnswersEveryFrame() throws {
        let jpegs = try (0..<6).map { try ImageEncoder.jpeg(image($0), quality: 95) }
        let pipe = Pipe()
        let writer = Thread {
            for j in jpegs { pipe.fileHandleForWriting.write(Data(j)) }
            try? pipe.fileHandleForWriting.close()
        }
        writer.start()
        let pump = FramePump(source: MJPEGStreamSource(fileDescriptor: pipe.fileHandleForReading.fileDescriptor), dropLate: false) { XCTFail($0) }
        var count = 0
        while let f = try pump.next() {
            XCTAssertEqual(f.index, count)
            XCTAssertEqual(f.image.width, 32)
            count += 1
        }
        XCTAssertEqual(count, 6)
    }

    /// A source faster than its reader: with drop-late the reader gets the newest frames and the
    /// rest count as dropped; every frame is accounted for.
    func testDropLateKeepsTheNewestFrame() throws {
        final class Counter: FrameSource {
            let name = "counter"
            var isLive: Bool { true }
            var k = 0
            let jpeg: [UInt8]
            init(_ jpeg: [UInt8]) { self.jpeg = jpeg }
            func next() throws -> FramePayload? {
                guard k < 200 else { return nil }
                k += 1
                usleep(200)
                return .encoded(jpeg, name: "f\(k)")
            }
        }
        let pump = FramePump(source: Counter(try ImageEncoder.jpeg(image(0))), dropLate: true) { XCTFail($0) }
        var indices = [Int]()
        while let f = try pump.next() {
            indices.append(f.index)
            usleep(5_000)   // a slow consumer
        }
        XCTAssertEqual(indices, indices.sorted())
        XCTAssertGreaterThan(pump.dropped, 0)
        XCTAssertLessThan(indices.count, 100)
        XCTAssertEqual(indices.count + pump.dropped, 200)
        XCTAssertEqual(indices.last, 199, "the last frame of the source is the newest and is delivered")
    }

    func testYUYVConversionMatchesBT601() {
        // Black, white, and a saturated colour pair, against the floating-point formula.
        let bytes: [UInt8] = [16, 128, 235, 128, 81, 90, 145, 240]
        let rgb = YUYV.toRGB(bytes, width: 4, height: 1).pixels
        XCTAssertEqual(Array(rgb[0..<6]), [0, 0, 0, 255, 255, 255])
        func ref(_ y: Float, _ u: Float, _ v: Float) -> [Float] {
            let c = 1.164 * (y - 16)
            return [c + 1.596 * (v - 128), c - 0.392 * (u - 128) - 0.813 * (v - 128), c + 2.017 * (u - 128)]
                .map { min(max($0.rounded(), 0), 255) }
        }
        for (k, y) in [(2, Float(81)), (3, Float(145))] {
            let expected = ref(y, 90, 240)
            for c in 0..<3 { XCTAssertEqual(Float(rgb[k * 3 + c]), expected[c], accuracy: 1, "pixel \(k) channel \(c)") }
        }
    }

    func testV4L2RefusesWhatIsNotACamera() {
        XCTAssertEqual(V4L2Source.fourcc("MJPG"), 0x4750_4A4D)
        XCTAssertEqual(V4L2Source.fourcc("YUYV"), 0x5659_5559)
        XCTAssertThrowsError(try V4L2Source(device: "/dev/null")) { XCTAssertTrue("\($0)".contains("not a V4L2"), "\($0)") }
        XCTAssertThrowsError(try V4L2Source(device: "/dev/video-does-not-exist")) { XCTAssertTrue("\($0)".contains("cannot open"), "\($0)") }
    }
}
