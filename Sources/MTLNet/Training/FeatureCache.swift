import Foundation
import Support

/// A folder of small cached results (features, prepared face crops), one file per key.
///
/// Keys are SHA-256 hex strings of everything the result depends on (file content hash, network
/// weights, settings), so a changed input or setting can never return a stale entry. Files are
/// written atomically; an entry of the wrong size (a damaged cache) reads as absent and is rebuilt.
/// A nil folder disables caching.
public final class FeatureCache: @unchecked Sendable {
    public let directory: String?
    public private(set) var hits = 0, misses = 0

    public init(directory: String?) throws {
        self.directory = directory
        if let directory {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw FileError(.cannotCreate, path: directory, "cannot create the cache folder")
            }
        }
    }

    /// The key of a result depending on `parts`.
    public static func key(_ parts: [String]) -> String { SHA256.hex(Array(parts.joined(separator: "\u{1f}").utf8)) }

    func file(_ key: String) -> String? { directory.map { "\($0)/\(key.prefix(2))/\(key)" } }

    /// `count` bytes stored under `key`, or nil.
    public func bytes(_ key: String, count: Int) -> [UInt8]? {
        guard let path = file(key), let data = FileManager.default.contents(atPath: path), data.count == count else {
            misses += 1
            return nil
        }
        hits += 1
        return [UInt8](data)
    }

    public func store(_ key: String, bytes: [UInt8]) {
        guard let path = file(key) else { return }
        let folder = (path as NSString).deletingLastPathComponent
        // A cache that cannot be written only costs time: failures are ignored on purpose.
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try? AtomicFile.write(Data(bytes), to: path)
    }

    /// `count` floats stored under `key`, or nil.
    public func floats(_ key: String, count: Int) -> [Float]? {
        guard let b = bytes(key, count: count * 4) else { return nil }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { dst in b.withUnsafeBytes { dst.copyMemory(from: $0) } }
        return values
    }

    public func store(_ key: String, floats: [Float]) {
        store(key, bytes: floats.withUnsafeBytes { [UInt8]($0) })
    }
}
