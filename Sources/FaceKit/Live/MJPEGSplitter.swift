/// Splits a byte stream of concatenated JPEG images (MJPEG as `ffmpeg -f mjpeg -` or
/// `libcamera-vid --codec mjpeg -o -` write it) into one JPEG per frame.
///
/// It walks the JPEG structure rather than searching for `FF D9`: marker segments are skipped by
/// their length (so an EXIF thumbnail, which holds its own SOI/EOI, does not end the frame), and
/// after start-of-scan only a marker other than stuffing (`FF 00`), fill (`FF FF`) and restart
/// (`FF D0…D7`) ends the entropy-coded data. Bytes before an SOI are skipped. A frame that is cut
/// short (a new SOI inside it) or grows beyond `maxFrameBytes` is given back as `.corrupt` and
/// scanning resumes at the next SOI, so the buffer stays bounded by `maxFrameBytes`.
public struct MJPEGSplitter {
    public enum Piece: Equatable {
        /// One complete JPEG, SOI through EOI.
        case frame([UInt8])
        /// A broken frame that was dropped, and why.
        case corrupt(String)
    }

    public let maxFrameBytes: Int
    private var buffer: [UInt8] = []
    /// Where scanning resumes in `buffer`.
    private var position = 0
    private var state = State.seekingStart

    private enum State: Equatable {
        case seekingStart
        /// At a marker boundary inside the header.
        case segments
        /// Inside entropy-coded data after SOS.
        case scan
    }

    public init(maxFrameBytes: Int = 16 << 20) {
        precondition(maxFrameBytes >= 4, "MJPEGSplitter: maxFrameBytes must be at least 4")
        self.maxFrameBytes = maxFrameBytes
    }

    /// Bytes held for a frame not finished yet.
    public var pendingBytes: Int { buffer.count }

    /// Adds `bytes` and returns the frames (and broken frames) they completed, in stream order.
    public mutating func push<C: Collection>(_ bytes: C) -> [Piece] where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        var out = [Piece]()
        while let piece = step() { out.append(piece) }
        if buffer.count > maxFrameBytes, state != .seekingStart {
            out.append(.corrupt("frame larger than \(maxFrameBytes) bytes without an end marker"))
            restart(dropping: buffer.count)
        }
        return out
    }

    /// Call at end of input: a frame still open is reported as cut short.
    public mutating func finish() -> [Piece] {
        defer { buffer.removeAll(); position = 0; state = .seekingStart }
        return state == .seekingStart ? [] : [.corrupt("stream ended inside a frame (\(buffer.count) bytes)")]
    }

    /// Advances as far as the buffered bytes allow; returns a piece when one is complete.
    private mutating func step() -> Piece? {
        while true {
            switch state {
            case .seekingStart:
                // Find FF D8; keep a trailing FF in case D8 comes with the next bytes.
                var i = position
                while i + 1 < buffer.count, !(buffer[i] == 0xFF && buffer[i + 1] == 0xD8) { i += 1 }
                if i + 1 >= buffer.count {
                    let keep = buffer.last == 0xFF ? 1 : 0
                    buffer.removeFirst(buffer.count - keep)
                    position = 0
                    return nil
                }
                buffer.removeFirst(i)
                position = 2
                state = .segments
            case .segments:
                // At a marker: FF xx [length].
                guard position + 1 < buffer.count else { return nil }
                guard buffer[position] == 0xFF else {
                    return broken("expected a marker at byte \(position), found \(buffer[position])")
                }
                let marker = buffer[position + 1]
                if marker == 0xFF { position += 1; continue }   // fill byte
                if marker == 0xD8 { return broken("new start-of-image inside the header") }
                if marker == 0xD9 { return complete(at: position + 2) }
                if marker == 0x01 || (0xD0...0xD7).contains(marker) { position += 2; continue }   // no length
                guard position + 3 < buffer.count else { return nil }
                let length = Int(buffer[position + 2]) << 8 | Int(buffer[position + 3])
                guard length >= 2 else { return broken("marker segment length \(length) < 2") }
                guard position + 2 + length <= buffer.count else { return nil }
                // Only APPn and COM segments may hold a whole JPEG (a thumbnail); a start of image
                // inside another segment means this frame was cut short there.
                if !(0xE0...0xEF).contains(marker), marker != 0xFE,
                   Self.startOfImage(in: buffer, from: position + 4, to: position + 2 + length) != nil {
                    return broken("new start-of-image inside a marker segment")
                }
                position += 2 + length
                if marker == 0xDA { state = .scan }
            case .scan:
                var i = position
                while i + 1 < buffer.count {
                    if buffer[i] == 0xFF {
                        let next = buffer[i + 1]
                        if next == 0x00 || (0xD0...0xD7).contains(next) { i += 2; continue }
                        if next == 0xFF { i += 1; continue }
                        if next == 0xD9 { return complete(at: i + 2) }
                        if next == 0xD8 { return broken("new start-of-image inside the scan data") }
                        // Another marker segment (progressive JPEG: DHT, next SOS, …).
                        position = i
                        state = .segments
                        break
                    }
                    i += 1
                }
                if state == .scan { position = i; return nil }
            }
        }
    }

    /// The first `FF D8 FF` in `bytes[from ..< to]`.
    static func startOfImage(in bytes: [UInt8], from: Int, to: Int) -> Int? {
        var i = from
        while i + 2 < to {
            if bytes[i] == 0xFF, bytes[i + 1] == 0xD8, bytes[i + 2] == 0xFF { return i }
            i += 1
        }
        return nil
    }

    private mutating func complete(at end: Int) -> Piece {
        let frame = Array(buffer[0..<end])
        restart(dropping: end)
        return .frame(frame)
    }

    /// Gives up the open frame; scanning resumes at the SOI that cut it short (kept in the buffer).
    private mutating func broken(_ reason: String) -> Piece {
        // Drop the old SOI so the search finds the next one, which may be at `position`.
        restart(dropping: 2)
        return .corrupt(reason)
    }

    private mutating func restart(dropping count: Int) {
        buffer.removeFirst(min(count, buffer.count))
        position = 0
        state = .seekingStart
    }
}
