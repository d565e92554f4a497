import Foundation
import ImageIO
import Support

/// One frame as a source delivers it, before decoding.
public enum FramePayload {
    /// An encoded image (JPEG from a stream or a camera, JPEG or PNG from a folder).
    case encoded([UInt8], name: String)
    /// Packed YUYV 4:2:2 from a camera.
    case yuyv([UInt8], width: Int, height: Int)
    /// A frame the source could not deliver (a broken JPEG in a stream); reported and skipped.
    case corrupt(String)
}

/// Somewhere frames come from: an MJPEG stream, a V4L2 camera, a folder.
public protocol FrameSource: AnyObject {
    /// A name for messages (`-`, `/dev/video0`, the folder).
    var name: String { get }
    /// A camera produces frames at its own pace whether or not they are taken: late frames are
    /// dropped for the newest by default. A stream or a folder waits for the reader.
    var isLive: Bool { get }
    /// The next frame, blocking until it is there; nil at the end of the input.
    func next() throws -> FramePayload?
}

/// Concatenated JPEG frames read from a file descriptor (stdin for `facecli watch -`).
public final class MJPEGStreamSource: FrameSource {
    public let name: String
    public var isLive: Bool { false }
    private let fd: Int32
    private var splitter: MJPEGSplitter
    private var pending: [MJPEGSplitter.Piece] = []
    private var pendingIndex = 0
    private var ended = false
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    private var count = 0

    public init(fileDescriptor: Int32 = 0, name: String = "-", maxFrameBytes: Int = 16 << 20) {
        self.fd = fileDescriptor; self.name = name
        splitter = MJPEGSplitter(maxFrameBytes: maxFrameBytes)
    }

    public func next() throws -> FramePayload? {
        while true {
            if pendingIndex < pending.count {
                let piece = pending[pendingIndex]
                pendingIndex += 1
                count += 1
                switch piece {
                case .frame(let bytes): return .encoded(bytes, name: "\(name) frame \(count - 1)")
                case .corrupt(let why): return .corrupt("\(name) frame \(count - 1): \(why)")
                }
            }
            if ended { return nil }
            pending.removeAll(keepingCapacity: true); pendingIndex = 0
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(.unreadable, path: name, "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                ended = true
                pending = splitter.finish()
            } else {
                pending = splitter.push(chunk[0..<n])
            }
        }
    }
}

/// The image files of a folder (JPEG and PNG by content), in name order.
public final class FolderSource: FrameSource {
    public let name: String
    public var isLive: Bool { false }
    public let files: [String]
    private var index = 0

    public static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    public init(folder: String) throws {
        name = folder
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw FileError(.unreadable, path: folder, "cannot list the folder")
        }
        files = names.filter { FolderSource.extensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted().map { folder + "/" + $0 }
        if files.isEmpty { throw FileError(.missing, path: folder, "no .jpg, .jpeg or .png frames in the folder") }
    }

    public func next() throws -> FramePayload? {
        guard index < files.count else { return nil }
        defer { index += 1 }
        guard let data = FileManager.default.contents(atPath: files[index]) else {
            return .corrupt("\(files[index]): cannot read the file")
        }
        return .encoded([UInt8](data), name: files[index])
    }
}
