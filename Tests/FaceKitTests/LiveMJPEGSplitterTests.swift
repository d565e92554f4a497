import FaceKit
import ImageIO
import Tensor
import XCTest

final class LiveMJPEGSplitterTests: XCTestCase {
    /// Small JPEGs of different content, as a camera would send.
    func frames(_ count: Int, seed: UInt64 = 7) throws -> [[UInt8]] {
        var rng = SeededRandom(seed: seed)
        return try (0..<count).map { k in
            let w = 16 + 8 * (k % 3), h = 16
            let pixels = (0..<(w * h * 3)).map { _ in UInt8(rng.nextUnit() * 255) }
            return try ImageEncoder.jpeg(RGBImage(width: w, height: h, pixels: pixels), quality: 80)
        }
    }

    func split(_ stream: [UInt8], chunks: [Int], max: Int = 1 << 20) -> [MJPEGSplitter.Piece] {
        var s = MJPEGSplitter(maxFrameBytes: max)
        var out = [MJPEGSplitter.Piece](), i = 0, c = 0
        while i < stream.count {
            let n = Swift.min(chunks[c % chunks.count], stream.count - i)
            out += s.push(stream[i..<(i + n)])
            i += n; c += 1
        }
        return out + s.finish()
    }

    func testConcatenatedFramesComeBackExactlyWhateverTheChunking() throws {
        let f = try frames(5)
        let stream = f.flatMap { $0 }
        for chunks in [[1], [7, 3, 1000], [stream.count], [4096], [2, 1]] {
            XCTAssertEqual(split(stream, chunks: chunks), f.map { .frame($0) }, "chunks \(chunks)")
        }
    }

    func testGarbageBetweenFramesIsSkipped() throws {
        let f = try frames(3)
        let stream = [0x00, 0xFF, 0x12] + f[0] + [0xFF, 0xFF, 0x00, 0xD9] + f[1] + Array(repeating: 0xAB, count: 100) + f[2]
        XCTAssertEqual(split(stream, chunks: [5]), f.map { .frame($0) })
    }

    func testTruncatedFrameIsReportedAndTheNextOneKept() throws {
        let f = try frames(3)
        // Cut inside the scan data, and inside a marker segment of the header.
        for end in [f[1].count - 10, 200] {
            try checkTruncated(f, cut: Array(f[1][0..<end]))
        }
    }

    func checkTruncated(_ f: [[UInt8]], cut: [UInt8]) throws {
        let pieces = split(f[0] + cut + f[2], chunks: [333])
        XCTAssertEqual(pieces.count, 3)
        XCTAssertEqual(pieces[0], .frame(f[0]))
        guard case .corrupt = pieces[1] else { return XCTFail("expected the cut frame reported, got \(pieces[1])") }
        XCTAssertEqual(pieces[2], .frame(f[2]))
    }

    func testEmbeddedThumbnailDoesNotEndTheFrame() throws {
        let f = try frames(2)
        // APP1 segment holding a whole JPEG (as an EXIF thumbnail does), inserted after SOI.
        let payload = Array("Exif\0\0".utf8) + f[1]
        let length = payload.count + 2
        let app1: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        let withThumb = [0xFF, 0xD8] + app1 + f[0][2...]
        XCTAssertNoThrow(try ImageDecoder().decode(withThumb, name: "thumb"))
        XCTAssertEqual(split(withThumb + f[1], chunks: [100]), [.frame(withThumb), .frame(f[1])])
    }

    func testOversizedFrameIsDroppedAndTheBufferStaysBounded() throws {
        let f = try frames(2)
        var s = MJPEGSplitter(maxFrameBytes: 4096)
        // A valid frame start, then endless scan data without a marker.
        var pieces = s.push(Array(f[0][0..<(f[0].count - 2)]))
        for _ in 0..<20 {
            pieces += s.push([UInt8](repeating: 0x55, count: 1000))
            XCTAssertLessThanOrEqual(s.pendingBytes, 4096 + 1000)
        }
        pieces += s.push(f[1]) + s.finish()
        XCTAssertTrue(pieces.contains { if case .corrupt = $0 { return true } else { return false } }, "\(pieces.count) pieces")
        XCTAssertEqual(pieces.last, .frame(f[1]))
    }

    func testStreamEndingInsideAFrameIsReported() throws {
        let f = try frames(1)
        var s = MJPEGSplitter()
        XCTAssertEqual(s.push(f[0].dropLast(10)), [])
        let end = s.finish()
        XCTAssertEqual(end.count, 1)
        guard case .corrupt = end[0] else { return XCTFail("expected corrupt, got \(end)") }
    }
}
