import Foundation
import Support
import XCTest

final class SHA256Tests: XCTestCase {
    // Vectors from FIPS 180-4 / NIST examples.
    func testKnownVectors() {
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testIncrementalUpdatesMatchOneShot() {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for split in [0, 1, 55, 63, 64, 65, 500, 999] {
            var s = SHA256()
            s.update(bytes[..<split]); s.update(bytes[split...])
            XCTAssertEqual(s.finalizeHex(), SHA256.hex(bytes), "split at \(split)")
        }
    }
}

final class MappedFileHashTests: XCTestCase {
    func testFileHashEqualsTheHashOfItsBytes() throws {
        let path = NSTemporaryDirectory() + "mapped-\(UUID().uuidString)"
        let bytes = (0..<100_003).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(try MappedFile.sha256(path: path), SHA256.hex(bytes))
        XCTAssertThrowsError(try MappedFile.sha256(path: path + ".missing"))
    }
}
