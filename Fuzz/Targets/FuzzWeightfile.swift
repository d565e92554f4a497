import Foundation
import Layers
import MTLNet
import Support

/// `.fcw` weight and model file reader. The input is a file body *without* its 32-byte SHA-256
/// trailer: the harness appends the correct checksum, so mutations reach the header parser, the
/// tensor table and the model description instead of stopping at "checksum mismatch" (that check
/// is a plain comparison, covered by the unit tests). The seeds are such bodies.
///
/// Every input must either open or throw a `FileError`; opened files must give every tensor they
/// list, and `MultiTaskModel(path:)` must either load or throw.
private let path: String = {
    let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return "\(dir)/fuzz-weightfile-\(getpid()).fcw"
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWeightFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var body = Array(UnsafeBufferPointer(start: data, count: size))
    var sha = SHA256()
    sha.update(body)
    body += sha.finalize()
    _ = FileManager.default.createFile(atPath: path, contents: Data(body))
    defer { unlink(path) }

    if let file = try? WeightFile(path: path) {
        for name in file.names {
            guard let t = try? file.tensor(name) else { preconditionFailure("listed tensor '\(name)' cannot be read") }
            precondition(t.shape == file.entries[name]!.shape)
        }
        _ = try? file.tensor("no such tensor")
        _ = try? MultiTaskModel(path: path)
    }
    return 0
}
