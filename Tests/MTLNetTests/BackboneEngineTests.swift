import Foundation
import XCTest
import MTLNet
import Layers
import Tensor

/// The inference engine's own pieces: the packed GEMM against a plain triple loop, thread-count and
/// shape changes, taps, and errors for inputs that are too small.
final class BackboneEngineTests: XCTestCase {
    /// `activation(A·B + bias)` by the definition, in Double.
    func reference(_ a: [Float], _ b: [Float], _ bias: [Float], m: Int, k: Int, n: Int, _ act: Activation) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = Double(bias[j])
                for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]) }
                var v = Float(s)
                if act != .linear { v = max(v, 0) }
                if act == .relu6 { v = min(v, 6) }
                c[i * n + j] = v
            }
        }
        return c
    }

    func testPackedGEMMMatchesTheDefinitionOverShapes() {
        var rng = SeededRandom(seed: 42)
        // Small k·n keeps B in cache (row-strip order); 300×250 takes the panel order.
        for (m, k, n) in [(1, 1, 1), (5, 3, 15), (6, 32, 16), (7, 27, 17), (13, 64, 40), (40, 300, 250), (12, 9, 33)] {
            for act in [Activation.linear, .relu, .relu6] {
                let a = (0..<(m * k)).map { _ in rng.nextFloat(in: -2...2) }
                let b = (0..<(k * n)).map { _ in rng.nextFloat(in: -2...2) }
                let bias = (0..<n).map { _ in rng.nextFloat(in: -1...1) }
                let packed = PackedMatrix(b, k: k, n: n)
                let paddedBias = bias + [Float](repeating: 0, count: packed.panelCount * 16 - n)
                let expected = reference(a, b, bias, m: m, k: k, n: n, act)
                // Output rows 3 wider than n (a concatenation slice at offset 1), sentinels around.
                let ldc = n + 3
                // The fused residual add: rows 2 wider than n.
                let ldr = n + 2
                let residual = (0..<(m * ldr)).map { _ in rng.nextFloat(in: -1...1) }
                var c = [Float](repeating: -99, count: m * ldc)
                a.withUnsafeBufferPointer { pa in
                    paddedBias.withUnsafeBufferPointer { pb in
                        residual.withUnsafeBufferPointer { pr in
                            c.withUnsafeMutableBufferPointer { pc in
                                packed.multiply(a: pa.baseAddress!, lda: k, rows: 0..<m, bias: pb.baseAddress!, activation: act,
                                                c: pc.baseAddress! + 1, ldc: ldc, residual: pr.baseAddress!, ldr: ldr)
                            }
                        }
                    }
                }
                for i in 0..<m {
                    XCTAssertEqual(c[i * ldc], -99, "m\(m) k\(k) n\(n) residual: wrote left of the slice")
                    for j in 0..<n {
                        let want = expected[i * n + j] + residual[i * ldr + j]
                        XCTAssertEqual(c[i * ldc + 1 + j], want, accuracy: 1e-4 * max(1, abs(want)) * Float(k).squareRoot(),
                                       "m\(m) k\(k) n\(n) \(act) residual at \(i),\(j)")
                    }
                }
                for split in [false, true] {
                    var c = [Float](repeating: -99, count: m * ldc)
                    a.withUnsafeBufferPointer { pa in
                        paddedBias.withUnsafeBufferPointer { pb in
                            c.withUnsafeMutableBufferPointer { pc in
                                if split {  // as two threads would: halves of the rows, then of the panels
                                    packed.multiply(a: pa.baseAddress!, lda: k, rows: 0..<(m / 2), bias: pb.baseAddress!,
                                                    activation: act, c: pc.baseAddress! + 1, ldc: ldc)
                                    let half = packed.panelCount / 2
                                    for range in [0..<half, half..<packed.panelCount] {
                                        packed.multiply(a: pa.baseAddress!, lda: k, rows: (m / 2)..<m, panelRange: range,
                                                        bias: pb.baseAddress!, activation: act, c: pc.baseAddress! + 1, ldc: ldc)
                                    }
                                } else {
                                    packed.multiply(a: pa.baseAddress!, lda: k, rows: 0..<m, bias: pb.baseAddress!,
                                                    activation: act, c: pc.baseAddress! + 1, ldc: ldc)
                                }
                            }
                        }
                    }
                    for i in 0..<m {
                        XCTAssertEqual(c[i * ldc], -99, "m\(m) k\(k) n\(n): wrote left of the slice")
                        XCTAssertEqual(c[i * ldc + n + 1], -99, "m\(m) k\(k) n\(n): wrote right of the slice")
                        for j in 0..<n {
                            let want = expected[i * n + j]
                            XCTAssertEqual(c[i * ldc + 1 + j], want, accuracy: 1e-4 * max(1, abs(want)) * Float(k).squareRoot(),
                                           "m\(m) k\(k) n\(n) \(act) split \(split) at \(i),\(j)")
                        }
                    }
                }
            }
        }
    }

    /// Weights that are exact halves (as read from the fp16 weight files) are kept in fp16: same results,
    /// bit for bit, as the fp32 panels, in both loop orders (small and large B), with panel ranges and tails.
    func testHalfPanelsGiveTheFloatPanelsResults() {
        var rng = SeededRandom(seed: 43)
        for (m, k, n) in [(7, 27, 17), (16, 320, 40), (40, 300, 250), (3, 1024, 48)] {
            let a = (0..<(m * k)).map { _ in rng.nextFloat(in: -2...2) }
            let b = (0..<(k * n)).map { _ in Float(Float16(rng.nextFloat(in: -2...2))) }
            let half = PackedMatrix(b, k: k, n: n), full = PackedMatrix(b, k: k, n: n, allowingHalf: false)
            XCTAssertTrue(half.storesHalf)
            XCTAssertFalse(full.storesHalf)
            XCTAssertEqual(half.unpacked(), b)
            XCTAssertFalse(PackedMatrix(b.map { $0 + 1e-4 }, k: k, n: n).storesHalf, "values that are not halves stay fp32")
            let bias = (0..<(half.panelCount * 16)).map { _ in rng.nextFloat(in: -1...1) }
            func run(_ p: PackedMatrix) -> [Float] {
                var c = [Float](repeating: 0, count: m * n)
                a.withUnsafeBufferPointer { pa in
                    bias.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            let cut = p.panelCount / 2
                            for range in [0..<cut, cut..<p.panelCount] {
                                p.multiply(a: pa.baseAddress!, lda: k, rows: 0..<m, panelRange: range, bias: pb.baseAddress!,
                                           activation: .relu, c: pc.baseAddress!, ldc: n)
                            }
                        }
                    }
                }
                return c
            }
            XCTAssertEqual(run(half), run(full), "m\(m) k\(k) n\(n)")
        }
    }

    /// The residual add fused into the projection (MobileNetV2's blocks) gives what the separate add
    /// gives; tapping the projection's own output (which turns the fusion off) returns it and the sum.
    func testFusedResidualAddMatchesTappedProjection() throws {
        let backbone = try Backbone.random(.keras(.mobilenetv2, alpha: 0.35), seed: 6)
        var rng = SeededRandom(seed: 12)
        let pixels = Tensor(randomUniform: [1, 64, 64, 3], in: 0...255, using: &rng)
        let fused = try backbone.featureMaps(ofPixels: pixels, at: ["block_2_add"])
        let unfused = try backbone.featureMaps(ofPixels: pixels, at: ["block_2_add", "block_2_project", "block_1_project"])
        XCTAssertEqual(fused[0].scalars, unfused[0].scalars)
        XCTAssertEqual(fused[1].scalars, unfused[1].scalars)
        // block_2_add = block_1_project + block_2_project.
        let sum = zip(unfused[2].scalars, unfused[3].scalars).map { $0 + $1 }
        XCTAssertLessThanOrEqual(zip(sum, unfused[1].scalars).map { abs($0 - $1) }.max()!, 1e-5)
    }

    /// Every thread count cuts each layer into different tasks; the features stay the same.
    func testThreadCountsOneToFourGiveTheSameFeatures() throws {
        let saved = ThreadPool.shared.threadCount
        defer { ThreadPool.shared.threadCount = saved }
        for configuration in [BackboneConfiguration.keras(.mobilenet, alpha: 0.5), .keras(.mobilenetv2, alpha: 0.5),
                              .keras(.inceptionv3)] {
            let backbone = try Backbone.random(configuration, seed: 3)
            var rng = SeededRandom(seed: 11)
            let pixels = Tensor(randomUniform: [2, 96, 96, 3], in: 0...255, using: &rng)
            ThreadPool.shared.threadCount = 1
            let one = try backbone.features(ofPixels: pixels)
            for threads in [2, 3, 4] {
                ThreadPool.shared.threadCount = threads
                let other = try backbone.features(ofPixels: pixels)
                XCTAssertLessThanOrEqual(one.maxAbsDifference(other), 1e-5 * max(1, one.scalars.map(abs).max()!),
                                         "\(configuration.architecture) at \(threads) threads")
            }
        }
    }

    func testThreadCountAndShapeChangesGiveTheSameFeatures() throws {
        let backbone = try Backbone.random(.keras(.mobilenetv2, alpha: 0.35), seed: 5)
        var rng = SeededRandom(seed: 9)
        let big = Tensor(randomUniform: [2, 96, 96, 3], in: 0...255, using: &rng)
        let small = Tensor(randomUniform: [1, 64, 80, 3], in: 0...255, using: &rng)
        let saved = ThreadPool.shared.threadCount
        defer { ThreadPool.shared.threadCount = saved }
        ThreadPool.shared.threadCount = 1
        let one = try backbone.features(ofPixels: big)
        let smallOne = try backbone.features(ofPixels: small)
        ThreadPool.shared.threadCount = 2
        let two = try backbone.features(ofPixels: big)
        XCTAssertLessThanOrEqual(one.maxAbsDifference(two), 1e-5)
        // Planning for another shape and back reuses nothing stale.
        XCTAssertLessThanOrEqual(try backbone.features(ofPixels: small).maxAbsDifference(smallOne), 1e-5)
        XCTAssertLessThanOrEqual(try backbone.features(ofPixels: big).maxAbsDifference(one), 1e-5)
        // A batch gives each image the features it gets alone.
        let firstAlone = try backbone.features(ofPixels: Tensor(shape: [1, 96, 96, 3], scalars: Array(big.scalars[0..<(96 * 96 * 3)])))
        XCTAssertLessThanOrEqual(firstAlone.maxAbsDifference(Tensor(shape: [1, one.shape[1]], scalars: Array(one.scalars[0..<one.shape[1]]))), 1e-5)
    }

    func testBatchesLargerThanAChunkMatchImagesAlone() throws {
        let backbone = try Backbone.random(.keras(.mobilenet, alpha: 0.25), seed: 8)
        let n = Backbone.chunkSize + 3, side = 40, per = side * side * 3
        var rng = SeededRandom(seed: 10)
        let pixels = Tensor(randomUniform: [n, side, side, 3], in: 0...255, using: &rng)
        let out = try backbone.featureMaps(ofPixels: pixels, at: ["conv_pw_13"])
        let f = backbone.featureCount
        for i in [0, Backbone.chunkSize - 1, Backbone.chunkSize, n - 1] {
            let alone = try backbone.featureMaps(ofPixels: Tensor(shape: [1, side, side, 3],
                                                                  scalars: Array(pixels.scalars[(i * per)..<((i + 1) * per)])),
                                                 at: ["conv_pw_13"])
            XCTAssertEqual(Array(out[0].scalars[(i * f)..<((i + 1) * f)]), alone[0].scalars, "features of image \(i)")
            let mapCount = alone[1].count
            XCTAssertEqual(Array(out[1].scalars[(i * mapCount)..<((i + 1) * mapCount)]), alone[1].scalars, "map of image \(i)")
        }
    }

    func testTapsReturnIntermediateMaps() throws {
        let backbone = try Backbone.random(.keras(.inceptionv3), seed: 2)
        var rng = SeededRandom(seed: 4)
        let pixels = Tensor(randomUniform: [1, 75, 75, 3], in: 0...255, using: &rng)
        let out = try backbone.featureMaps(ofPixels: pixels, at: ["mixed10", "mixed9_1", "Mixed_7c.branch1x1"])
        let last = out[1]
        XCTAssertEqual(last.shape, [1, 1, 1, 2048])
        XCTAssertLessThanOrEqual(last.reshaped([1, 2048]).maxAbsDifference(out[0]), 1e-6, "75×75 ends in a 1×1 map")
        // mixed9_1 is channels 320..<1088 of mixed10, branch1x1 channels 0..<320.
        XCTAssertEqual(Array(out[2].scalars), Array(last.scalars[320..<1088]))
        XCTAssertEqual(Array(out[3].scalars), Array(last.scalars[0..<320]))
        XCTAssertFalse(backbone.layers(after: "mixed9").isEmpty)
        XCTAssertTrue(backbone.layers(after: "mixed9").allSatisfy { $0.name.hasPrefix("Mixed_7c.") })
    }

    func testInputsBelowTheMinimumAreErrorsNotCrashes() throws {
        let mobilenet = try Backbone.random(.keras(.mobilenet, alpha: 0.25), seed: 1)
        XCTAssertThrowsError(try mobilenet.features(ofPixels: Tensor(zeros: [1, 31, 64, 3])))
        XCTAssertThrowsError(try mobilenet.features(ofPixels: Tensor(zeros: [1, 64, 64, 1])))
        let inception = try Backbone.random(.keras(.inceptionv3), seed: 1)
        XCTAssertThrowsError(try inception.features(ofPixels: Tensor(zeros: [1, 74, 90, 3])))
        XCTAssertNoThrow(try inception.features(ofPixels: Tensor(zeros: [1, 75, 75, 3])))
    }

    func testWeightFileWithAWrongTensorNamesTheFileAndTheLayer() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("backbone-bad-\(getpid()).fcw").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try WeightFile.write(path: path, tensors: [("conv1.weight", Tensor(zeros: [3, 3, 3, 7]))],
                                   metadata: BackboneConfiguration.keras(.mobilenet).metadata)
        XCTAssertThrowsError(try Backbone(contentsOf: path)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains(path) && message.contains("conv1"), message)
        }
    }
}
