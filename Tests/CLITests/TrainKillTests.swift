import Foundation
import ImageIO
import Layers
import MTLNet
import Tensor
import XCTest

/// `kill -9` of `facecli train` at any moment never leaves a broken model at `--out` and never
/// damages the model already there; `--resume` then finishes with the model an uninterrupted run
/// gives (same tensors, same test metrics). Kill moments are drawn with a fixed seed: uniformly
/// over the whole run, just after an epoch line (while its checkpoint is written), and just
/// after training ended (while the model and its gallery are written).
final class TrainKillTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facecli-kill-\(UUID().uuidString)")
        // Three people, eight 64×64 "faces" each: a colour and a stripe pattern per person, plus noise.
        var rng = SeededRandom(seed: 11)
        for person in 0..<3 {
            let dir = folder.appendingPathComponent("data/p\(person)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for i in 0..<8 {
                var pixels = [UInt8](repeating: 0, count: 64 * 64 * 3)
                for y in 0..<64 {
                    for x in 0..<64 {
                        for c in 0..<3 {
                            let stripe = ((x + y * person) / 8) % 2 == 0 ? 60 : 0
                            pixels[(y * 64 + x) * 3 + c] = UInt8((c == person ? 150 : 40) + stripe + Int(rng.next() % 40))
                        }
                    }
                }
                try Data(try ImageEncoder.png(RGBImage(width: 64, height: 64, pixels: pixels)))
                    .write(to: dir.appendingPathComponent("\(i).png"))
            }
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func arguments(out: String, seed: Int = 3, epochs: Int = 30, resume: Bool = false) -> [String] {
        ["train", "--aligned", "--no-cache", "--input-size", "64", "--augment", "1", "--no-tta", "--hidden", "32",
         "--epochs", "\(epochs)", "--patience", "1000", "--seed", "\(seed)", "--json", "--out", out, folder.appendingPathComponent("data").path]
            + (resume ? ["--resume"] : [])
    }

    private struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
        let seconds: Double
    }

    /// Runs facecli; `killWhen(stderr so far, seconds since start)` returning true sends SIGKILL.
    private func launch(_ arguments: [String], killWhen: ((String, Double) -> Bool)? = nil) throws -> Run {
        let process = Process()
        process.executableURL = try FacecliBinary.url()
        process.arguments = arguments
        let out = folder.appendingPathComponent("stdout"), err = folder.appendingPathComponent("stderr")
        for url in [out, err] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        let start = Date()
        try process.run()
        let pid = process.processIdentifier
        while process.isRunning {
            let elapsed = Date().timeIntervalSince(start)
            if elapsed > 120 { kill(pid, SIGKILL); XCTFail("facecli train hung: \(arguments)"); break }
            if let killWhen, killWhen((try? String(contentsOf: err, encoding: .utf8)) ?? "", elapsed) { kill(pid, SIGKILL); break }
            usleep(1000)
        }
        process.waitUntilExit()
        try outHandle.close(); try errHandle.close()
        return Run(status: process.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "", seconds: Date().timeIntervalSince(start))
    }

    /// Every tensor of a model file (head, gallery), by name: the part of a model that must not
    /// depend on being interrupted (the metadata also holds wall-clock times).
    private func tensors(_ path: String) throws -> [String: Tensor] {
        let file = try WeightFile(path: path)
        return try Dictionary(uniqueKeysWithValues: file.names.map { ($0, try file.tensor($0)) })
    }

    func testKillAtAnyMomentNeverBreaksTheModelAndResumeFinishesTheSameModel() throws {
        let out = folder.appendingPathComponent("model.fcw").path
        let checkpoint = out + ".checkpoint"
        let previousPath = folder.appendingPathComponent("previous.fcw").path
        let previousRun = try launch(arguments(out: previousPath, seed: 5, epochs: 2))
        XCTAssertEqual(previousRun.status, 0, previousRun.stderr)
        let previous = try Data(contentsOf: URL(fileURLWithPath: previousPath))

        let referencePath = folder.appendingPathComponent("reference.fcw").path
        var trainingEnded: Double?
        let reference = try launch(arguments(out: referencePath)) { err, t in
            if trainingEnded == nil, err.contains("best epoch ") { trainingEnded = t }
            return false
        }
        // How long writing the model (and building its gallery) takes after the last epoch.
        let writing = reference.seconds - (trainingEnded ?? reference.seconds)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: referencePath + ".checkpoint"), "checkpoint removed after the model is written")
        let referenceTensors = try tensors(referencePath)
        XCTAssertNotNil(referenceTensors["open_set.prototypes"], "the person gallery is part of the model")
        XCTAssertTrue(reference.stdout.contains("\"person\""), reference.stdout)

        var rng = SeededRandom(seed: 2024)
        // (what, kill condition): kept small, each case costs a killed run and a resumed one.
        let plans: [(String, (String, Double) -> Bool)] = (0..<7).map { k in
            switch k % 3 {
            case 0:
                let at = Double(rng.nextUnit()) * reference.seconds
                return (String(format: "after %.3f s", at), { _, t in t >= at })
            case 1:
                let epoch = 2 + Int(rng.next() % 26), delay = Double(rng.nextUnit()) * 0.004
                var seen: Double?
                return (String(format: "%.4f s after the line of epoch %d", delay, epoch), { err, t in
                    if seen == nil, err.contains("epoch \(epoch)/") { seen = t }
                    return seen.map { t >= $0 + delay } ?? false
                })
            default:
                // One kill in the first part of the writing time, one in the second (or just after).
                let delay = (k < 3 ? 0 : 0.6 * writing) + Double(rng.nextUnit()) * 0.6 * writing
                var seen: Double?
                return (String(format: "%.4f s after training ended", delay), { err, t in
                    if seen == nil, err.contains("best epoch ") { seen = t }
                    return seen.map { t >= $0 + delay } ?? false
                })
            }
        }
        var outcomes: [String] = []
        var refusalChecked = false
        for (what, condition) in plans {
            try? FileManager.default.removeItem(atPath: checkpoint)
            try previous.write(to: URL(fileURLWithPath: out))
            let killed = try launch(arguments(out: out), killWhen: condition)
            // The file at --out: the previous model byte for byte, or the complete new one.
            let now = try Data(contentsOf: URL(fileURLWithPath: out))
            let outcome: String
            if now == previous {
                outcome = "previous model"
            } else {
                XCTAssertNoThrow(try MultiTaskModel(path: out), "killed \(what): --out is not a valid model")
                XCTAssertEqual(try tensors(out), referenceTensors, "killed \(what): --out is neither the old nor the finished model")
                outcome = "new model"
            }
            // A checkpoint left behind is always a whole one.
            if FileManager.default.fileExists(atPath: checkpoint) {
                XCTAssertNoThrow(try TrainingCheckpoint(path: checkpoint), "killed \(what): broken checkpoint")
            }
            let epoch = (try? TrainingCheckpoint(path: checkpoint))?.state.epoch
            outcomes.append("\(what): status \(killed.status), \(outcome), checkpoint \(epoch.map { "after epoch \($0)" } ?? "none")")

            if epoch != nil && !refusalChecked {
                // Other options than the checkpoint's: refused, nothing touched.
                refusalChecked = true
                let other = try launch(arguments(out: out, seed: 4, resume: true))
                XCTAssertEqual(other.status, 65, other.stderr)
                XCTAssertTrue(other.stderr.contains("facecli: \(checkpoint): was written with other training settings (seed 3 → 4)"), other.stderr)
                XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), now, "--out untouched by a refused resume")
                XCTAssertEqual((try? TrainingCheckpoint(path: checkpoint))?.state.epoch, epoch, "checkpoint kept")
            }
            let resumed = try launch(arguments(out: out, resume: true))
            XCTAssertEqual(resumed.status, 0, "resume after a kill \(what): \(resumed.stderr)")
            if let epoch { XCTAssertTrue(resumed.stderr.contains("resuming after epoch \(epoch) from \(checkpoint)"), resumed.stderr) }
            XCTAssertEqual(try tensors(out), referenceTensors, "resumed after a kill \(what): not the uninterrupted model")
            XCTAssertEqual(resumed.stdout, reference.stdout, "resumed after a kill \(what): other test metrics")
            XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint), "checkpoint removed after resuming")
        }
        print("kills:\n  " + outcomes.joined(separator: "\n  "))
        XCTAssertTrue(outcomes.contains { $0.contains("status 9") }, "at least one run was really killed")
        XCTAssertTrue(refusalChecked, "a kill left a checkpoint to try resuming with other options")
    }
}
