import Foundation
import ImageIO

/// A decoded frame ready for the detector.
public struct LiveFrame {
    /// Position in the source's sequence (0-based; dropped and broken frames leave gaps).
    public var index: Int
    /// When the source delivered it, in milliseconds since the pump started.
    public var timestampMs: Double
    public var image: RGBImage
    /// The file of a folder frame, the source and frame number otherwise.
    public var name: String
}

/// Reads a `FrameSource` on its own thread so that reading and decoding overlap with the work on
/// the previous frame.
///
/// - Every frame (`dropLate == false`, streams and folders): frames are read, decoded and queued
///   (at most `depth` waiting); the reader blocks while the queue is full, so nothing is lost.
/// - Drop late (`dropLate == true`, cameras): the reader keeps only the newest undecoded frame;
///   a frame replaced before it was taken counts as dropped. Decoding happens in `next()` so that
///   frames that are dropped cost no decoding.
///
/// Broken frames (bad JPEG, stream damage) are reported through `onCorrupt` and skipped.
public final class FramePump {
    public let dropLate: Bool
    public let depth: Int
    private let source: FrameSource
    private let decoder: ImageDecoder
    private let onCorrupt: (String) -> Void
    private let start = DispatchTime.now().uptimeNanoseconds

    private let condition = NSCondition()
    private var queue: [(index: Int, time: Double, item: Item)] = []
    private var finished = false
    private var failure: Error?
    private var stopped = false
    private var droppedCount = 0
    private var corruptCount = 0
    private var thread: Thread?

    public init(source: FrameSource, dropLate: Bool, depth: Int = 3, decoder: ImageDecoder = ImageDecoder(),
                onCorrupt: @escaping (String) -> Void) {
        precondition(depth >= 1, "FramePump: depth must be at least 1")
        self.source = source; self.dropLate = dropLate; self.depth = depth
        self.decoder = decoder; self.onCorrupt = onCorrupt
    }

    /// Frames replaced by a newer one before they were taken.
    public var dropped: Int { condition.lock(); defer { condition.unlock() }; return droppedCount }
    /// Frames that could not be read or decoded.
    public var corrupt: Int { condition.lock(); defer { condition.unlock() }; return corruptCount }

    public var millisecondsSinceStart: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }

    /// The next frame, waiting for it; nil when the source has ended (or `stop` was called).
    /// Rethrows a read error of the source once the frames before it were taken.
    public func next() throws -> LiveFrame? {
        if thread == nil { launch() }
        while true {
            condition.lock()
            while queue.isEmpty && !finished { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                if let failure { throw failure }
                return nil
            }
            let item = queue.removeFirst()
            condition.signal()
            condition.unlock()
            if let (image, name) = decode(item.item, index: item.index) {
                return LiveFrame(index: item.index, timestampMs: item.time, image: image, name: name)
            }
        }
    }

    /// Asks the reader to stop (it ends after the read in progress).
    public func stop() {
        condition.lock(); stopped = true; condition.broadcast(); condition.unlock()
    }

    private func launch() {
        let t = Thread { [self] in readLoop() }
        t.name = "facecli-frame-reader"
        thread = t
        t.start()
    }

    private func readLoop() {
        var index = 0
        while true {
            condition.lock()
            let stop = stopped
            condition.unlock()
            if stop { break }
            let payload: FramePayload?
            do { payload = try source.next() } catch {
                condition.lock(); failure = error; condition.unlock()
                break
            }
            guard let payload else { break }
            let time = millisecondsSinceStart
            // Without dropping, decode here, in parallel with the consumer.
            let item = dropLate ? Item.raw(payload) : predecode(payload)
            condition.lock()
            if dropLate {
                droppedCount += queue.count
                queue = [(index, time, item)]
            } else {
                while queue.count >= depth && !stopped { condition.wait() }
                queue.append((index, time, item))
            }
            condition.signal()
            condition.unlock()
            index += 1
        }
        condition.lock(); finished = true; condition.broadcast(); condition.unlock()
    }

    // MARK: - Decoding

    /// A queued frame: as the source gave it, or already decoded by the reader.
    private enum Item { case raw(FramePayload), image(RGBImage, name: String) }

    private func predecode(_ payload: FramePayload) -> Item {
        guard case .encoded(let bytes, let name) = payload else { return .raw(payload) }
        do { return .image(try decoder.decode(bytes, name: name), name: name) } catch {
            return .raw(.corrupt(Self.describe(error, name: name)))
        }
    }

    private func decode(_ item: Item, index: Int) -> (RGBImage, String)? {
        switch item {
        case .image(let image, let name): return (image, name)
        case .raw(.encoded(let bytes, let name)):
            do { return (try decoder.decode(bytes, name: name), name) } catch {
                report(Self.describe(error, name: name)); return nil
            }
        case .raw(.yuyv(let bytes, let width, let height)):
            guard bytes.count >= width * height * 2 else {
                report("frame \(index): YUYV buffer of \(bytes.count) bytes is short for \(width)×\(height)"); return nil
            }
            return (YUYV.toRGB(bytes, width: width, height: height), "\(source.name) frame \(index)")
        case .raw(.corrupt(let message)):
            report(message); return nil
        }
    }

    private func report(_ message: String) {
        condition.lock(); corruptCount += 1; condition.unlock()
        onCorrupt(message)
    }

    private static func describe(_ error: Error, name: String) -> String {
        let text = "\(error)"
        return text.hasPrefix(name) ? text : "\(name): \(text)"
    }
}
