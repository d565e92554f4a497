import Foundation
import ImageIO
import Layers
import MTLNet
import Support
import XCTest
import facecli

/// Replays the fuzz seed corpora (Fuzz/Corpus) and every input the fuzzers found a bug with
/// (Fuzz/Regressions) through the normal release build, so a fixed crash stays fixed without
/// the instrumented fuzz build. Regression inputs must be refused with the message named in
/// `expected` and exit status 65 (EX_DATAERR) through the CLI's error mapping.
final class FuzzRegressionTests: XCTestCase {
    static let fuzzFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    /// What each regression input must be refused with (a fragment of the message).
    let expected = [
        "weightfile/model-dropout-8.5.fcw": "malformed model description: dropout 8.5 is not in [0, 1)",
        "weightfile/model-40-billion-features.fcw": "tensor 'shared.weight' has shape [4, 3], expected [40000000000, 3]",
        "weightfile/shape-overflow.fcw": "malformed header entry for tensor 'w'",
        "weightfile/offset-overflow.fcw": "malformed header entry for tensor 'w'",
        "weightfile/data-length-overflow.fcw": "truncated or padded: header says 9223372036854775807 data bytes",
        "png/chunk-declares-2GB.png": "PNG data is truncated (chunk 'iTXt' declares 2113929216 bytes, 36 remain)",
    ]

    func inputs(_ kind: String, _ target: String) throws -> [URL] {
        let folder = Self.fuzzFolder.appendingPathComponent(kind).appendingPathComponent(target)
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    func assertRefused(_ error: Error, _ path: String, _ key: String, file: StaticString = #filePath, line: UInt = #line) {
        let message = String(describing: error)
        XCTAssertTrue(message.hasPrefix(path + ": "), "message names the file: \(message)", file: file, line: line)
        XCTAssertEqual(ErrorReporting.exitCode(for: error), .dataError, message, file: file, line: line)
        if let fragment = expected[key] {
            // Model inputs are derived from the model seed by Fuzz/make_seeds.py: after a ModelInfo
            // schema change they are refused earlier (rerun make_seeds.py to make them reach their check).
            let stale = key.hasPrefix("weightfile/model-") && message.contains("malformed model description: DecodingError")
            XCTAssertTrue(message.contains(fragment) || stale, "'\(fragment)' in \(message)", file: file, line: line)
        }
    }

    func testEveryRegressionInputHasAnExpectedMessage() throws {
        var keys = Set<String>()
        for target in ["weightfile", "csv", "jpeg", "png"] {
            for url in try inputs("Regressions", target) { keys.insert("\(target)/\(url.lastPathComponent)") }
        }
        XCTAssertEqual(keys, Set(expected.keys), "every committed regression input needs its expected message here")
    }

    /// The weight-file fuzz target gets file bodies without the SHA-256 trailer and appends it; so does this.
    func testWeightAndModelFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hardening-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let seeds = try inputs("Corpus", "weightfile"), regressions = try inputs("Regressions", "weightfile")
        XCTAssertFalse(seeds.isEmpty)
        for url in seeds + regressions {
            var body = [UInt8](try Data(contentsOf: url))
            var sha = SHA256(); sha.update(body); body += sha.finalize()
            let path = folder.appendingPathComponent(url.lastPathComponent).path
            try Data(body).write(to: URL(fileURLWithPath: path))
            let key = "weightfile/\(url.lastPathComponent)"
            if regressions.contains(url) {
                // Either the file or the model layer refuses it.
                XCTAssertThrowsError(try { let f = try WeightFile(path: path); for n in f.names { _ = try f.tensor(n) }
                                           _ = try MultiTaskModel(path: path) }(), key) { assertRefused($0, path, key) }
            } else {
                let file = try WeightFile(path: path)
                for name in file.names { XCTAssertEqual(try file.tensor(name).shape, file.entries[name]!.shape, key) }
                if url.lastPathComponent.hasPrefix("model") {
                    // The seed follows the model schema of Fuzz/make_seeds.py. When ModelInfo gains a
                    // field the seed goes stale (rerun make_seeds.py): it then fuzzes less deeply, but
                    // must still be refused cleanly, so that a schema change does not break this test.
                    do {
                        let model = try MultiTaskModel(path: path)   // outside XCTAssert, which would catch the error itself
                        XCTAssertEqual(model.head.classCounts, [2, 3], key)
                    } catch {
                        XCTAssertTrue("\(error)".hasPrefix(path + ": malformed model description"), "\(error)")
                    }
                } else {
                    XCTAssertThrowsError(try MultiTaskModel(path: path), key) { assertRefused($0, path, key) }
                }
            }
        }
    }

    func testCSVSeedsParse() throws {
        let seeds = try inputs("Corpus", "csv")
        XCTAssertFalse(seeds.isEmpty)
        for url in seeds {
            let table = try CSVTable(path: url.path)
            XCTAssertFalse(table.header.isEmpty, url.lastPathComponent)
            for row in table.rows { XCTAssertEqual(row.count, table.header.count, url.lastPathComponent) }
        }
    }

    func testImageSeedsDecodeAndRegressionsAreRefused() throws {
        for target in ["jpeg", "png"] {
            let seeds = try inputs("Corpus", target)
            XCTAssertFalse(seeds.isEmpty, target)
            for url in seeds {
                let image = try RGBImage(contentsOf: url.path)
                XCTAssertEqual(image.pixels.count, image.width * image.height * 3, url.lastPathComponent)
            }
            for url in try inputs("Regressions", target) {
                XCTAssertThrowsError(try RGBImage(contentsOf: url.path)) { assertRefused($0, url.path, "\(target)/\(url.lastPathComponent)") }
            }
        }
    }
}
