import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file-level failure, always naming the file and the problem so that the CLI can print it as is.
public struct FileError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Equatable, Sendable { case missing, isDirectory, unreadable, cannotCreate, io, badData }
    public let kind: Kind
    public let path: String
    public let reason: String

    public init(_ kind: Kind, path: String, _ reason: String) {
        self.kind = kind; self.path = path; self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// A read-only memory map of a whole file (unmapped on deinit). Weight files are mapped rather
/// than read: it is several times faster and the pages are shared between processes.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer

    public init(path: String) throws {
        self.path = path
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw FileError(errno == ENOENT ? .missing : .unreadable, path: path, errno == ENOENT ? "no such file" : String(cString: strerror(errno)))
        }
        guard (st.st_mode & S_IFMT) != S_IFDIR else { throw FileError(.isDirectory, path: path, "is a directory, not a file") }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileError(.unreadable, path: path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let size = Int(st.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw FileError(.io, path: path, "cannot map: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// SHA-256 of the whole file, as 64 hex characters.
    public var sha256: String {
        // `bytes` does not keep the map alive: hash while `self` is held.
        withExtendedLifetime(self) { SHA256.hex(bytes) }
    }

    /// SHA-256 of the file at `path` (mapped for the duration of the hashing only).
    public static func sha256(path: String) throws -> String { try MappedFile(path: path).sha256 }
}

/// Writes files so that a reader never sees a half-written one: data goes to a temporary file in
/// the same folder, is flushed to disk, then renamed over the destination (rename is atomic on
/// POSIX file systems). An interrupted run leaves at most a stray temporary file, never a broken
/// destination, and never damages the file that was there before.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { fd in
            try data.withUnsafeBytes { try writeAll(fd, $0, path: path) }
        }
    }

    /// Calls `body` with a descriptor of the temporary file; renames it to `path` if `body` returns.
    public static func write(to path: String, _ body: (Int32) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw FileError(.cannotCreate, path: path, "folder \(directory) does not exist")
        }
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw FileError(.cannotCreate, path: path, "cannot create: \(String(cString: strerror(errno)))") }
        do {
            try body(fd)
            guard fsync(fd) == 0 else { throw FileError(.io, path: path, "fsync failed: \(String(cString: strerror(errno)))") }
            close(fd)
            guard rename(temporary, path) == 0 else {
                throw FileError(.cannotCreate, path: path, "cannot rename into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        // Make the rename itself durable.
        let dfd = open(directory, O_RDONLY)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(.io, path: path, "write failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }
}
