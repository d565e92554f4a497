import Foundation
import Support
import Tensor

/// A facecli weight file (`.fcw`, see docs/weight-format.md): named tensors plus JSON metadata,
/// checksummed. Reading maps the file; every malformed, truncated or tampered file is a
/// `FileError` naming the file and the problem, never a crash.
public struct WeightFile {
    public static let magic = Array("FACECLIW".utf8)
    public static let version: UInt32 = 1

    public enum DType: String, Sendable { case f32, f16 }

    public struct Entry: Sendable {
        public let dtype: DType
        public let shape: [Int]
        public let offset: Int
        public let length: Int
    }

    public let path: String
    /// The header's `metadata` object.
    public let metadata: [String: Any]
    /// The header's `metadata` object as JSON, for `JSONDecoder`.
    public let metadataJSON: Data
    /// Tensor names in file order.
    public let names: [String]
    public let entries: [String: Entry]
    private let file: MappedFile
    private let dataStart: Int

    /// Opens and validates `path`. `verifyChecksum: false` skips the SHA-256 pass (for trusted
    /// files on a hot start path); the structure is always validated.
    public init(path: String, verifyChecksum: Bool = true) throws {
        let file = try MappedFile(path: path)
        let bytes = file.bytes
        func bad(_ reason: String) -> FileError { FileError(.badData, path: path, reason) }
        guard bytes.count >= 16 + 32 else {
            throw bad(bytes.isEmpty ? "empty file, not a facecli weight file" : "truncated (\(bytes.count) bytes), not a facecli weight file")
        }
        guard Array(bytes[0..<8]) == WeightFile.magic else { throw bad("not a facecli weight file (bad magic)") }
        let version = bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian
        guard version == WeightFile.version else {
            throw bad("weight file version \(version) is not supported (this build reads version \(WeightFile.version))")
        }
        let headerLength = Int(bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self).littleEndian)
        guard 16 + headerLength + 32 <= bytes.count else { throw bad("truncated: header runs past the end of the file") }
        if verifyChecksum {
            let digest = SHA256.hex(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 32)]))
            let stored = bytes[(bytes.count - 32)...].map { String(format: "%02x", $0) }.joined()
            guard digest == stored else { throw bad("checksum mismatch: the file is damaged or was modified") }
        }
        let headerData = Data(bytes[16..<(16 + headerLength)])
        guard let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any],
              let tensors = header["tensors"] as? [String: Any],
              let dataLength = header["data_length"] as? Int else {
            throw bad("malformed header")
        }
        let dataStart = 16 + headerLength
        guard dataLength == bytes.count - dataStart - 32 else {
            throw bad("truncated or padded: header says \(dataLength) data bytes, file has \(bytes.count - dataStart - 32)")
        }
        var entries = [String: Entry]()
        for (name, value) in tensors {
            guard let e = value as? [String: Any], let dt = (e["dtype"] as? String).flatMap(DType.init(rawValue:)),
                  let shape = e["shape"] as? [Int], let offset = e["offset"] as? Int, let length = e["length"] as? Int,
                  shape.allSatisfy({ $0 >= 0 }), offset >= 0, length >= 0, offset <= dataLength, length <= dataLength - offset,
                  length == WeightFile.byteCount(shape, dt) else {
                throw bad("malformed header entry for tensor '\(name)'")
            }
            entries[name] = Entry(dtype: dt, shape: shape, offset: offset, length: length)
        }
        let metadata = header["metadata"] as? [String: Any] ?? [:]
        self.path = path
        self.file = file
        self.dataStart = dataStart
        self.entries = entries
        self.names = entries.keys.sorted { entries[$0]!.offset < entries[$1]!.offset }
        self.metadata = metadata
        self.metadataJSON = (try? JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    /// Bytes of a tensor of `shape`, or nil when that overflows (the header values are untrusted:
    /// plain arithmetic on them would trap, or wrap under -Ounchecked).
    private static func byteCount(_ shape: [Int], _ dtype: DType) -> Int? {
        var bytes = dtype == .f32 ? 4 : 2
        for d in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            bytes = product
        }
        return bytes
    }

    /// String-valued metadata entry.
    public func string(_ key: String) -> String? { metadata[key] as? String }

    /// The tensor `name` as float32; if `shape` is given it must match.
    public func tensor(_ name: String, shape expected: [Int]? = nil) throws -> Tensor {
        guard let e = entries[name] else {
            throw FileError(.badData, path: path, "has no tensor '\(name)'")
        }
        if let expected, expected != e.shape {
            throw FileError(.badData, path: path, "tensor '\(name)' has shape \(e.shape), expected \(expected)")
        }
        let count = e.shape.reduce(1, *)
        let base = file.bytes.baseAddress! + dataStart + e.offset
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { dst in
            switch e.dtype {
            case .f32:
                dst.copyMemory(from: UnsafeRawBufferPointer(start: base, count: e.length))
            case .f16:
                let out = dst.bindMemory(to: Float.self)
                for i in 0..<count {
                    out[i] = Float(Float16(bitPattern: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian))
                }
            }
        }
        return Tensor(shape: e.shape, scalars: values)
    }

    /// Writes `tensors` (in order) and `metadata` (any JSON-serialisable dictionary) atomically.
    public static func write(path: String, tensors: [(name: String, tensor: Tensor)],
                             metadata: [String: Any] = [:], dtype: DType = .f32) throws {
        var entries = [String: Any]()
        var data = [UInt8]()
        for (name, tensor) in tensors {
            precondition(entries[name] == nil, "WeightFile.write: duplicate tensor name '\(name)'")
            while data.count % 64 != 0 { data.append(0) }
            let start = data.count
            switch dtype {
            case .f32:
                tensor.scalars.withUnsafeBytes { data.append(contentsOf: $0) }
            case .f16:
                for v in tensor.scalars { let b = Float16(v).bitPattern.littleEndian; data.append(UInt8(b & 0xff)); data.append(UInt8(b >> 8)) }
            }
            entries[name] = ["dtype": dtype.rawValue, "shape": tensor.shape, "offset": start, "length": data.count - start]
        }
        let header: [String: Any] = ["metadata": metadata, "tensors": entries, "data_length": data.count]
        guard var headerBytes = try? Array(JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) else {
            throw FileError(.badData, path: path, "metadata is not JSON-serialisable")
        }
        while (16 + headerBytes.count) % 64 != 0 { headerBytes.append(0x20) }
        var body = magic
        withUnsafeBytes(of: version.littleEndian) { body.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(headerBytes.count).littleEndian) { body.append(contentsOf: $0) }
        body += headerBytes
        body += data
        var sha = SHA256()
        sha.update(body)
        body += sha.finalize()
        try AtomicFile.write(Data(body), to: path)
    }
}
