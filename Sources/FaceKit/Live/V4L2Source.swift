import CV4L2
import Foundation
import Support

/// Frames from a V4L2 camera (`/dev/videoN`): MJPEG if the camera offers it, else YUYV, through
/// memory-mapped driver buffers (`VIDIOC_REQBUFS` + `mmap`, then `DQBUF`/`QBUF` per frame).
/// The bytes are copied out of the driver buffer before it is queued again.
public final class V4L2Source: FrameSource {
    public let name: String
    public var isLive: Bool { true }
    /// The size and pixel format the driver agreed to (it may change the requested size).
    public private(set) var width = 0, height = 0
    public private(set) var pixelFormat: PixelFormat = .mjpeg

    public enum PixelFormat: String { case mjpeg = "MJPG", yuyv = "YUYV" }

    private let fd: Int32
    private var buffers: [(pointer: UnsafeMutableRawPointer, length: Int)] = []
    private var streaming = false

    /// Opens the device and starts streaming at about `width × height`.
    public init(device: String, width: Int = 640, height: Int = 480, bufferCount: Int = 4) throws {
        name = device
        fd = open(device, O_RDWR)
        guard fd >= 0 else { throw FileError(errno == ENOENT ? .missing : .unreadable, path: device, "cannot open: \(String(cString: strerror(errno)))") }
        do { try configure(width: width, height: height, bufferCount: bufferCount) } catch { shutdown(); throw error }
    }

    deinit { shutdown() }

    private func fail(_ what: String) -> FileError {
        FileError(.io, path: name, "\(what) failed: \(String(cString: strerror(errno)))")
    }

    private func configure(width: Int, height: Int, bufferCount: Int) throws {
        var cap = v4l2_capability()
        guard cv4l2_ioctl(fd, cv4l2_querycap(), &cap) == 0 else {
            throw FileError(.badData, path: name, "not a V4L2 video device (VIDIOC_QUERYCAP: \(String(cString: strerror(errno))))")
        }
        let caps = cap.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0 ? cap.device_caps : cap.capabilities
        guard caps & UInt32(V4L2_CAP_VIDEO_CAPTURE) != 0, caps & UInt32(V4L2_CAP_STREAMING) != 0 else {
            throw FileError(.badData, path: name, "the device cannot capture video by streaming I/O")
        }
        var agreed = false
        for format in [PixelFormat.mjpeg, .yuyv] {
            var f = v4l2_format()
            f.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            f.fmt.pix.width = UInt32(width)
            f.fmt.pix.height = UInt32(height)
            f.fmt.pix.pixelformat = V4L2Source.fourcc(format.rawValue)
            f.fmt.pix.field = V4L2_FIELD_ANY.rawValue
            if cv4l2_ioctl(fd, cv4l2_s_fmt(), &f) == 0, f.fmt.pix.pixelformat == V4L2Source.fourcc(format.rawValue) {
                self.width = Int(f.fmt.pix.width); self.height = Int(f.fmt.pix.height); pixelFormat = format
                agreed = true
                break
            }
        }
        guard agreed else { throw FileError(.badData, path: name, "the camera offers neither MJPEG nor YUYV") }

        var request = v4l2_requestbuffers()
        request.count = UInt32(bufferCount)
        request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        request.memory = V4L2_MEMORY_MMAP.rawValue
        guard cv4l2_ioctl(fd, cv4l2_reqbufs(), &request) == 0 else { throw fail("VIDIOC_REQBUFS") }
        guard request.count >= 1 else { throw FileError(.io, path: name, "the driver gave no capture buffers") }
        for i in 0..<request.count {
            var b = bufferDescriptor(index: i)
            guard cv4l2_ioctl(fd, cv4l2_querybuf(), &b) == 0 else { throw fail("VIDIOC_QUERYBUF") }
            guard let p = mmap(nil, Int(b.length), PROT_READ | PROT_WRITE, MAP_SHARED, fd, off_t(b.m.offset)), p != MAP_FAILED else {
                throw fail("mmap")
            }
            buffers.append((p, Int(b.length)))
            guard cv4l2_ioctl(fd, cv4l2_qbuf(), &b) == 0 else { throw fail("VIDIOC_QBUF") }
        }
        var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        guard cv4l2_ioctl(fd, cv4l2_streamon(), &type) == 0 else { throw fail("VIDIOC_STREAMON") }
        streaming = true
    }

    private func bufferDescriptor(index: UInt32) -> v4l2_buffer {
        var b = v4l2_buffer()
        b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        b.memory = V4L2_MEMORY_MMAP.rawValue
        b.index = index
        return b
    }

    /// Waits for the driver's next filled buffer, copies it out and gives the buffer back.
    public func next() throws -> FramePayload? {
        var b = bufferDescriptor(index: 0)
        guard cv4l2_ioctl(fd, cv4l2_dqbuf(), &b) == 0 else { throw fail("VIDIOC_DQBUF") }
        let slot = buffers[Int(b.index)]
        let used = min(Int(b.bytesused), slot.length)
        let bytes = [UInt8](UnsafeRawBufferPointer(start: slot.pointer, count: used))
        let damaged = b.flags & UInt32(V4L2_BUF_FLAG_ERROR) != 0
        guard cv4l2_ioctl(fd, cv4l2_qbuf(), &b) == 0 else { throw fail("VIDIOC_QBUF") }
        if damaged { return .corrupt("\(name): the driver flagged frame \(b.sequence) as damaged") }
        switch pixelFormat {
        case .mjpeg: return .encoded(bytes, name: "\(name) frame \(b.sequence)")
        case .yuyv: return .yuyv(bytes, width: width, height: height)
        }
    }

    private func shutdown() {
        if streaming {
            var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            _ = cv4l2_ioctl(fd, cv4l2_streamoff(), &type)
            streaming = false
        }
        for b in buffers { munmap(b.pointer, b.length) }
        buffers.removeAll()
        if fd >= 0 { close(fd) }
    }

    /// The V4L2 four-character code of `code` (little-endian, as `v4l2_fourcc`).
    public static func fourcc(_ code: String) -> UInt32 {
        precondition(code.utf8.count == 4, "fourcc: four ASCII characters expected, got '\(code)'")
        return code.utf8.enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
    }
}
