import Foundation
import ImageIO
import XCTest
import MTLNet
import Tensor

/// dlib's face-recognition ResNet as converted (`tools/convert_face_embedding.py`) against dlib
/// itself and a numpy forward of the same fp16 weights (`tools/gen_face_embedding_goldens.py`).
final class FaceEmbedderTests: XCTestCase {
    struct Golden: Decodable {
        struct Case: Decodable {
            let name: String
            let chip: String
            let dlib_descriptor: [Float]
            let numpy_embedding_fcw: [Float]
            let numpy_pooled_fcw: [Float]
        }
        let weights_sha256: String
        let cases: [Case]
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let weights = directory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Weights/face-embedding.fcw").path

    static func load() throws -> (Golden, [RGBImage]) {
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: directory.appendingPathComponent("Goldens/face_embedding.json")))
        let chips = try golden.cases.map { c -> RGBImage in
            let bytes = try Data(contentsOf: directory.appendingPathComponent("Goldens/" + c.chip))
            XCTAssertEqual(bytes.count, 150 * 150 * 3, c.chip)
            return RGBImage(width: 150, height: 150, pixels: [UInt8](bytes))
        }
        return (golden, chips)
    }

    func testDescriptorsMatchDlibAndTheNumpyForward() throws {
        let (golden, chips) = try Self.load()
        let embedder = try FaceEmbedder(contentsOf: Self.weights)
        XCTAssertEqual(embedder.weightsSHA256, golden.weights_sha256, "goldens made with other weights")
        XCTAssertEqual(embedder.dimension, 128)
        let pooled = try embedder.pooled(of: chips)
        let descriptors = try embedder.descriptors(of: chips)
        for (i, c) in golden.cases.enumerated() {
            let p = Array(pooled.scalars[(i * 256)..<((i + 1) * 256)])
            let d = Array(descriptors.scalars[(i * 128)..<((i + 1) * 128)])
            let pScale = c.numpy_pooled_fcw.map(abs).max()!
            XCTAssertLessThan(zip(p, c.numpy_pooled_fcw).map { abs($0 - $1) }.max()! / pScale, 1e-4, "\(c.name): pooled vs numpy")
            XCTAssertLessThan(zip(d, c.numpy_embedding_fcw).map { abs($0 - $1) }.max()!, 1e-4, "\(c.name): descriptor vs numpy")
            // dlib runs the f32 weights; the file stores fp16 (measured 2e-4 apart).
            XCTAssertLessThan(zip(d, c.dlib_descriptor).map { abs($0 - $1) }.max()!, 2e-3, "\(c.name): descriptor vs dlib")
        }
        // The same chips one at a time give the same rows as the batch.
        let single = try embedder.descriptors(of: [chips[1]])
        XCTAssertEqual(single.scalars, Array(descriptors.scalars[128..<256]))
    }

    func testRefusesAnotherWeightFile() throws {
        let mobilenet = Self.directory.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Weights/mobilenet.fcw").path
        XCTAssertThrowsError(try FaceEmbedder(contentsOf: mobilenet)) { error in
            XCTAssertTrue("\(error)".contains("mobilenet.fcw") && "\(error)".contains("dlib_resnet29"), "\(error)")
        }
    }

    /// dlib's `add_prev` semantics on a hand-sized case: a 4×4×1 input, a 3×3/2 unpadded branch
    /// (1×1×2) and a 2×2/2 average-pooled shortcut (2×2×1) add into a 2×2×2 map, each zero-extended
    /// top-left, then ReLU.
    func testZeroExtendedAddByHand() throws {
        struct Fixed: ConvParameterSource {
            func parameters(for layer: ConvLayer, ordinal: Int) throws -> ConvParameters {
                // Output channel 0 sums the window, channel 1 subtracts it; bias −40 and 0.
                let w = [Float]((0..<9).map { _ in [Float(1), -1] }.joined())
                return ConvParameters(weights: w, bias: [-40, 0])
            }
        }
        var b = GraphBuilder(inputChannels: 1, source: Fixed())
        let branch = b.conv(b.input, "branch", out: 2, kernel: (3, 3), stride: 2, padding: .valid, activation: .linear)
        let shortcut = b.avgPool(b.input, "shortcut", size: 2, stride: 2, padding: .valid)
        let sum = b.addZeroExtended(branch, shortcut, "sum", activation: .relu)
        let graph = try b.finish(output: sum)
        let x: [Float] = (0..<16).map(Float.init)   // x[r][c] = 4r + c
        var y = [Float](repeating: .nan, count: 8)
        try x.withUnsafeBufferPointer { xp in
            try y.withUnsafeMutableBufferPointer { yp in
                try graph.forward(input: xp.baseAddress!, batch: 1, height: 4, width: 4, output: yp.baseAddress!)
            }
        }
        // Branch at (0,0): window sum 0+1+2+4+5+6+8+9+10 = 45 → channel 0: 5, channel 1: −45.
        // Pools: (0,0) 2.5, (0,1) 4.5, (1,0) 10.5, (1,1) 12.5, into channel 0 only.
        let expected: [Float] = [5 + 2.5, 0,   4.5, 0,
                                 10.5, 0,      12.5, 0]
        XCTAssertEqual(y, expected)
    }

    /// The zero-extended add (`Kernels.addZeroExtended`: a flat run for equal shapes, runs of channels
    /// per position otherwise) against its definition, written here as the plain loop it replaced, over
    /// operands larger or smaller in rows, columns and channels (or equal), each activation, batch 1 and 2.
    /// The operands are tapped from the same forward; sums are exact (`a + b`, one addition).
    func testZeroExtendedAddMatchesTheDefinitionOverShapes() throws {
        var rng = SeededRandom(seed: 21)
        struct Branch { let out: Int, kernel: Int, stride: Int, padding: Padding }
        let branches = [Branch(out: 8, kernel: 3, stride: 1, padding: .same), Branch(out: 19, kernel: 3, stride: 2, padding: .valid),
                        Branch(out: 5, kernel: 1, stride: 1, padding: .valid), Branch(out: 16, kernel: 3, stride: 2, padding: .same),
                        Branch(out: 8, kernel: 1, stride: 1, padding: .valid)]
        var cases = 0
        for (h, w, c) in [(9, 7, 3), (8, 8, 4), (35, 35, 5), (5, 6, 2)] {
            for (i, first) in branches.enumerated() {
                for second in branches[i...].map(Optional.some) + [nil] {   // nil: the 2×2/2 average pool of the input
                    for activation in [Activation.linear, .relu, .relu6] {
                        var b = GraphBuilder(inputChannels: c, source: SeededParameters(seed: UInt64(cases), epsilon: 1e-3, batchNormScale: true))
                        let x = b.conv(b.input, "a", out: first.out, kernel: (first.kernel, first.kernel), stride: first.stride,
                                       padding: first.padding, activation: .linear)
                        let y = second.map { b.conv(b.input, "b", out: $0.out, kernel: ($0.kernel, $0.kernel), stride: $0.stride,
                                                    padding: $0.padding, activation: .linear) }
                            ?? b.avgPool(b.input, "b", size: 2, stride: 2, padding: .valid)
                        let sum = b.addZeroExtended(x, y, "sum", activation: activation)
                        let graph = try b.finish(output: sum)
                        let batch = 1 + cases % 2
                        let input = (0..<(batch * h * w * c)).map { _ in rng.nextFloat(in: -6...6) }
                        func shape(_ v: Int) throws -> (h: Int, w: Int, c: Int) {
                            let s = try graph.spatialSize(of: v, height: h, width: w)
                            return (s.height, s.width, graph.channels(of: v))
                        }
                        let (sa, sb, so) = (try shape(x), try shape(y), try shape(sum))
                        var ta = [Float](repeating: .nan, count: batch * sa.h * sa.w * sa.c)
                        var tb = [Float](repeating: .nan, count: batch * sb.h * sb.w * sb.c)
                        var out = [Float](repeating: .nan, count: batch * so.h * so.w * so.c)
                        try input.withUnsafeBufferPointer { xp in
                            try ta.withUnsafeMutableBufferPointer { ap in
                                try tb.withUnsafeMutableBufferPointer { bp in
                                    try out.withUnsafeMutableBufferPointer { op in
                                        try graph.forward(input: xp.baseAddress!, batch: batch, height: h, width: w, output: op.baseAddress!,
                                                          taps: [x: ap.baseAddress!, y: bp.baseAddress!])
                                    }
                                }
                            }
                        }
                        var expected = [Float](repeating: 0, count: out.count)
                        for n in 0..<batch {
                            for r in 0..<so.h {
                                for q in 0..<so.w {
                                    let o = ((n * so.h + r) * so.w + q) * so.c
                                    for (t, s) in [(ta, sa), (tb, sb)] where r < s.h && q < s.w {
                                        let p = ((n * s.h + r) * s.w + q) * s.c
                                        for k in 0..<s.c { expected[o + k] += t[p + k] }
                                    }
                                    for k in 0..<so.c {
                                        switch activation {
                                        case .linear: break
                                        case .relu: expected[o + k] = max(expected[o + k], 0)
                                        case .relu6: expected[o + k] = min(max(expected[o + k], 0), 6)
                                        }
                                    }
                                }
                            }
                        }
                        XCTAssertEqual(out, expected, "\(h)×\(w)×\(c), \(sa) + \(sb) → \(so), \(activation), batch \(batch)")
                        cases += 1
                    }
                }
            }
        }
        XCTAssertEqual(cases, 4 * 20 * 3)
    }
}
