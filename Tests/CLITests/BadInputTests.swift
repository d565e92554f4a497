import Foundation
import XCTest
import facecli
import ImageIO

/// The bad-input matrix of `facecli detect`, through the built binary: every broken input is
/// answered by one line `facecli: <file>: <problem>` on stderr and its sysexits status (65 bad data,
/// 66 missing or unreadable, 64 bad option), never a crash or a hang; in a batch the good inputs
/// are still processed and the status is 1. Each case is made here from a small synthetic image.
final class BadInputTests: XCTestCase {
    var folder: URL!
    /// Longest a single `detect` run may take before it counts as a hang (loaded CI machine).
    let timeout = 60.0

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("bad-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A 64×48 gradient: decodes fine, has no face (detect prints `"faces": []`).
    lazy var picture: RGBImage = {
        var pixels = [UInt8](repeating: 0, count: 64 * 48 * 3)
        for i in pixels.indices { pixels[i] = UInt8(truncatingIfNeeded: (i / 3) % 64 * 4 + i % 3 * 40) }
        return RGBImage(width: 64, height: 48, pixels: pixels)
    }()
    lazy var jpeg = try! ImageEncoder.jpeg(picture, quality: 90)
    lazy var png = try! ImageEncoder.png(picture)

    /// Offset of the first JPEG marker `marker` (FF xx).
    func markerOffset(_ marker: UInt8) -> Int {
        (2..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == marker }!
    }

    /// PNG bytes of `chunks` (type, data) after the signature, with correct CRCs.
    func pngChunks(_ chunks: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        for (type, data) in chunks {
            out += bigEndian(UInt32(data.count))
            let body = Array(type.utf8) + data
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in body {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
            }
            out += body + bigEndian(crc ^ 0xFFFF_FFFF)
        }
        return out
    }

    func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    /// The broken images, each with its status and a fragment of its message.
    func badImages() throws -> [(path: String, status: Int32, message: String)] {
        var random = [UInt8](repeating: 0, count: 3000)
        var state: UInt64 = 42
        for i in random.indices { state = state &* 6364136223846793005 &+ 1442695040888963407; random[i] = UInt8(state >> 56) }
        let sos = markerOffset(0xDA)
        let sosLength = Int(jpeg[sos + 2]) << 8 | Int(jpeg[sos + 3])
        // JPEG sizes are 16-bit: 65500×65500 (4.3 gigapixels) is the largest "huge" header there is.
        var hugeJPEG = jpeg
        let sof = markerOffset(0xC0)
        hugeJPEG[sof + 5] = 0xFF; hugeJPEG[sof + 6] = 0xDC; hugeJPEG[sof + 7] = 0xFF; hugeJPEG[sof + 8] = 0xDC
        let ihdr = bigEndian(100_000) + bigEndian(100_000) + [8, 2, 0, 0, 0]
        let hugePNG = pngChunks([("IHDR", ihdr), ("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]), ("IEND", [])])
        let directory = folder.appendingPathComponent("a-folder.jpg").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return [
            (try write([], "empty.jpg"), 65, "empty file (0 bytes)"),
            (try write([], "empty.png"), 65, "empty file (0 bytes)"),
            (try write(Array(jpeg.prefix(jpeg.count / 2)), "truncated.jpg"), 65, "truncated"),
            (try write(Array(png.prefix(png.count - 20)), "truncated.png"), 65, "truncated"),
            (try write(random, "random.jpg"), 65, "not a JPEG or PNG image"),
            (try write(Array("name,age\nann,3\n".utf8), "table.png"), 65, "not a JPEG or PNG image"),
            (try write(Array(jpeg[..<(sos + 2 + sosLength)]), "header-only.jpg"), 65, "truncated"),
            (try write(Array(png.prefix(8 + 25)), "header-only.png"), 65, "truncated"),
            (try write(hugeJPEG, "huge.jpg"), 65, "image is 65500×65500 pixels, more than the limit"),
            (try write(hugePNG, "huge.png"), 65, "image is 100000×100000 pixels, more than the limit"),
            (directory, 66, "is a directory"),
            (folder.appendingPathComponent("missing.jpg").path, 66, "no such file"),
        ]
    }

    func detect(_ arguments: [String]) throws -> FacecliBinary.Result {
        let start = Date()
        let r = try FacecliBinary.run(["detect"] + arguments, timeout: timeout)
        XCTAssertLessThan(Date().timeIntervalSince(start), timeout, "detect \(arguments) hung and was killed")
        return r
    }

    func testEachBadImageAloneExitsWithItsStatusAndNamesTheFile() throws {
        for bad in try badImages() {
            let r = try detect([bad.path])
            XCTAssertEqual(r.status, bad.status, "\(bad.path): \(r.stderr)")
            XCTAssertEqual(r.stdout, "", bad.path)
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("facecli: \(bad.path): "), r.stderr)
            XCTAssertTrue(r.stderr.contains(bad.message), "'\(bad.message)' in \(r.stderr)")
        }
    }

    func testInABatchTheGoodImagesAreStillProcessed() throws {
        let bad = try badImages()
        let good = try write(png, "good.png")
        let pngNamedJPEG = try write(png, "really-a-png.jpg")   // the extension is never trusted
        let inputs = [good] + bad.map(\.path) + [pngNamedJPEG]
        let r = try detect(inputs)
        XCTAssertEqual(r.status, 1, r.stderr)
        let results = r.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(results.map { $0?["image"] as? String }, [good, pngNamedJPEG])
        XCTAssertEqual(results.map { $0?["width"] as? Int }, [64, 64])
        // One error line per bad input, in input order.
        let errors = r.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(errors.count, bad.count, r.stderr)
        for (line, b) in zip(errors, bad) { XCTAssertTrue(line.hasPrefix("facecli: \(b.path): "), line) }
    }

    /// Unreadable permissions. Tests usually run as root, for whom mode 000 still reads: then the
    /// file is read through an effective user of `nobody` (seteuid) for the duration of the check,
    /// which is what a service account meets. Checked in-process through the CLI's own per-image
    /// loop (`ImageInputs`), since a child process cannot be given another user here without
    /// changing the shared binary runner.
    func testUnreadableFileIsReportedAsMissingInput() throws {
        let path = try write(png, "locked.png")
        XCTAssertEqual(chmod(path, 0), 0)
        defer { chmod(path, 0o644) }
        let asRoot = geteuid() == 0
        if asRoot { XCTAssertEqual(seteuid(65534), 0, "cannot switch to the nobody user") }
        let (status, error): (ExitCode, Error?) = {
            defer { if asRoot { _ = seteuid(0) } }
            var thrown: Error?
            do { _ = try ImageDecoder().decode(path: path) } catch { thrown = error }
            return (ImageInputs.forEach([path]) { _, _ in }, thrown)
        }()
        XCTAssertEqual(status, .noInput)
        let message = error.map { String(describing: $0) } ?? "no error"
        XCTAssertTrue(message.hasPrefix(path + ": "), message)
        XCTAssertTrue(message.contains("Permission denied"), message)
    }

    func testBadWeightFilesAreRefusedNamingTheFile() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let weights = try [UInt8](Data(contentsOf: repo.appendingPathComponent("Weights/mtcnn.fcw")))
        var tampered = weights; tampered[weights.count / 2] ^= 0x01
        var version = weights; version[8] = 9
        let image = try write(png, "good.png")
        let cases: [(path: String, status: Int32, message: String)] = [
            (folder.appendingPathComponent("none.fcw").path, 66, "no such file"),
            (folder.path, 66, "is a directory"),
            (try write([], "empty.fcw"), 65, "empty file"),
            (try write(Array(weights.prefix(weights.count / 3)), "truncated.fcw"), 65, "checksum mismatch"),
            (try write(Array(weights.prefix(30)), "stub.fcw"), 65, "truncated"),
            (try write(tampered, "tampered.fcw"), 65, "checksum mismatch"),
            (try write(version, "v9.fcw"), 65, "version 9 is not supported"),
            (try write(jpeg, "picture.fcw"), 65, "not a facecli weight file"),
            (repo.appendingPathComponent("Weights/mobilenet.fcw").path, 65, "has no tensor"),
        ]
        for c in cases {
            let r = try detect(["--weights", c.path, image])
            XCTAssertEqual(r.status, c.status, "\(c.path): \(r.stderr)")
            XCTAssertEqual(r.stdout, "")
            XCTAssertTrue(r.stderr.hasPrefix("facecli: \(c.path): "), r.stderr)
            XCTAssertTrue(r.stderr.contains(c.message), "'\(c.message)' in \(r.stderr)")
        }
    }

    func testNonsenseOptionValuesAreUsageErrors() throws {
        let image = try write(png, "good.png")
        let cases: [([String], String)] = [
            (["--threads", "0"], "--threads must be an integer in 1…64, got '0'"),
            (["--threads", "-3"], "--threads must be an integer in 1…64, got '-3'"),
            (["--threads", "many"], "--threads must be an integer in 1…64, got 'many'"),
            (["--min-face", "0"], "--min-face"),
            (["--min-face", "nan"], "--min-face"),
            (["--min-face", "1e400"], "--min-face"),
            (["--crop-size", "0"], "--crop-size"),
            (["--format", "xml"], "--format must be one of json, csv, got 'xml'"),
            (["--thresholds", "0.6,0.7"], "--thresholds"),
            (["--align", "sideways"], "--align"),
        ]
        for (options, message) in cases {
            let r = try detect(options + [image])
            XCTAssertEqual(r.status, 64, "\(options): \(r.stderr)")
            XCTAssertEqual(r.stdout, "", "\(options)")
            XCTAssertTrue(r.stderr.hasPrefix("facecli: "), r.stderr)
            XCTAssertTrue(r.stderr.contains(message), "'\(message)' in \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("see 'facecli detect --help'"), r.stderr)
        }
    }

    func testUncreatableOutputsExit73() throws {
        let image = try write(png, "good.png")
        let blocker = try write([1], "a-file")   // a regular file where a folder is needed
        for options in [["--annotate", blocker + "/out"], ["--crops", blocker + "/crops"]] {
            let r = try detect(options + [image, image])
            XCTAssertEqual(r.status, 73, "\(options): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(blocker + "/"), r.stderr)
        }
    }

    // MARK: - train and predict

    func run(_ arguments: [String]) throws -> FacecliBinary.Result {
        let start = Date()
        let r = try FacecliBinary.run(arguments, timeout: timeout)
        XCTAssertLessThan(Date().timeIntervalSince(start), timeout, "\(arguments) hung and was killed")
        return r
    }

    /// A dataset folder `name` with `files` (relative path → content); images are the test PNG.
    func dataset(_ name: String, _ files: [String: [UInt8]?]) throws -> String {
        let root = folder.appendingPathComponent(name)
        for (relative, content) in files {
            let url = root.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content ?? png).write(to: url)
        }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return root.path
    }

    func testBadDatasetsAreRefusedNamingTheFileAndLine() throws {
        let csv = { (text: String) -> [UInt8]? in Array(text.utf8) }
        let cases: [(root: String, status: Int32, file: String, message: String)] = [
            (try dataset("no-path-column", ["labels.csv": csv("image,age\na.png,young\n"), "a.png": nil]),
             65, "labels.csv", "has no 'path' column (columns: image, age)"),
            (try dataset("duplicate-row", ["labels.csv": csv("path,age\na.png,young\nb.png,old\na.png,old\n"), "a.png": nil, "b.png": nil]),
             65, "labels.csv", "line 4: 'a.png' is listed twice (first on line 2)"),
            (try dataset("short-row", ["labels.csv": csv("path,age\na.png,young\nb.png\n"), "a.png": nil, "b.png": nil]),
             65, "labels.csv", "line 3: 1 fields, the header has 2"),
            (try dataset("latin1", ["labels.csv": [0x70, 0x61, 0x74, 0x68, 0x0A, 0x61, 0xE9, 0x2E, 0x70, 0x6E, 0x67, 0x0A], "a.png": nil]),
             65, "labels.csv", "not UTF-8 text"),
            (try dataset("missing-image", ["labels.csv": csv("path,age\na.png,young\nghost.png,old\n"), "a.png": nil]),
             65, "labels.csv", "line 3: image 'ghost.png' not found in"),
            (try dataset("unknown-identity", ["attributes.csv": csv("identity,age\nann,young\nbob,old\n"), "ann/1.png": nil, "ann/2.png": nil]),
             65, "attributes.csv", "line 3: unknown identity 'bob'"),
            (try dataset("empty", [:]), 65, "", "no labels.csv and no identity folders"),
            (folder.appendingPathComponent("no-such-dataset").path, 66, "", "no such folder"),
        ]
        for c in cases {
            let r = try run(["train", "--aligned", "--no-cache", "--epochs", "1", "--out", folder.appendingPathComponent("m.fcw").path, c.root])
            let file = c.file.isEmpty ? c.root : c.root + "/" + c.file
            XCTAssertEqual(r.status, c.status, "\(c.root): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("facecli: \(file): "), "\(file) named in \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(c.message), "'\(c.message)' in \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("m.fcw").path), "no model written")
        }
    }

    func testNonsenseTrainingValuesAreUsageErrors() throws {
        let root = try dataset("ok", ["ann/1.png": nil, "bob/1.png": nil])
        let cases: [([String], String)] = [
            (["--lr", "-1"], "--lr must be a number"), (["--lr", "0"], "--lr must be a number"),
            (["--batch", "0"], "--batch must be an integer"), (["--epochs", "0"], "--epochs must be an integer"),
            (["--dropout", "1"], "--dropout must be a number"), (["--test-split", "2"], "--test-split must be a number"),
            (["--hidden", "0"], "--hidden must be an integer"), (["--backbone", "resnet"], "--backbone must be one of"),
        ]
        for (options, message) in cases {
            let r = try run(["train", "--aligned", "--no-cache"] + options + [root])
            XCTAssertEqual(r.status, 64, "\(options): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "'\(message)' in \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("see 'facecli train --help'"), r.stderr)
        }
    }

    func testBadModelFilesAreRefusedByPredict() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let weightFile = try [UInt8](Data(contentsOf: repo.appendingPathComponent("Weights/mtcnn.fcw")))
        var tampered = weightFile; tampered[weightFile.count / 2] ^= 0x80
        var version = weightFile; version[8] = 2
        let image = try write(png, "face.png")
        let cases: [(path: String, status: Int32, message: String)] = [
            (folder.appendingPathComponent("none.fcw").path, 66, "no such file"),
            (folder.path, 66, "is a directory"),
            (try write(Array(weightFile.prefix(weightFile.count / 2)), "truncated.fcw"), 65, "checksum mismatch"),
            (try write(tampered, "tampered.fcw"), 65, "checksum mismatch"),
            (try write(version, "v2.fcw"), 65, "version 2 is not supported"),
            (repo.appendingPathComponent("Weights/mtcnn.fcw").path, 65, "not a facecli multi-task model"),
        ]
        for c in cases {
            let r = try run(["predict", "--aligned", "--model", c.path, image])
            XCTAssertEqual(r.status, c.status, "\(c.path): \(r.stderr)")
            XCTAssertEqual(r.stdout, "")
            XCTAssertTrue(r.stderr.hasPrefix("facecli: \(c.path): "), r.stderr)
            XCTAssertTrue(r.stderr.contains(c.message), "'\(c.message)' in \(r.stderr)")
        }
    }
}
