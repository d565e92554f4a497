import Foundation
import XCTest
import MTLNet
import Layers
import Tensor

/// `GraphBuilder.fastConvolutions` (Winograd F(2×2) / F(4×4) for 3×3 stride-1 layers, the direct
/// kernel for few-channel stems) against the same graph on the packed GEMM, the engine's oracle
/// (itself tested against the definition in `BackboneEngineTests`), over shapes, paddings,
/// activations, batches and thread counts, with a fixed seed.
final class FastConvolutionTests: XCTestCase {
    /// Output of one convolution layer built with `fast` on or off (same seeded parameters).
    func run(fast: Bool, cin: Int, cout: Int, kernel: Int, stride: Int, padding: Padding, activation: Activation,
             input: [Float], batch: Int, side: (Int, Int), seed: UInt64) throws -> [Float] {
        var b = GraphBuilder(inputChannels: cin, source: SeededParameters(seed: seed, epsilon: 1e-3, batchNormScale: true,
                                                                         halfPrecisionKernels: true))
        b.fastConvolutions = fast
        let y = b.conv(b.input, "conv", out: cout, kernel: (kernel, kernel), stride: stride, padding: padding, activation: activation)
        let graph = try b.finish(output: y)
        var out = [Float](repeating: .nan, count: batch * (try graph.elementCount(of: y, height: side.0, width: side.1)))
        try input.withUnsafeBufferPointer { x in
            try out.withUnsafeMutableBufferPointer { o in
                try graph.forward(input: x.baseAddress!, batch: batch, height: side.0, width: side.1, output: o.baseAddress!)
            }
        }
        return out
    }

    func testFastConvolutionsMatchTheGEMMOverShapes() throws {
        let saved = ThreadPool.shared.threadCount
        defer { ThreadPool.shared.threadCount = saved }
        var rng = SeededRandom(seed: 77)
        struct Case { let cin: Int, cout: Int, kernel: Int, stride: Int, padding: Padding, side: (Int, Int) }
        let cases = [
            // Winograd F(2×2): small maps, odd sizes (tiles overhang), padded and not, channels not a multiple of 8 or 16.
            Case(cin: 8, cout: 8, kernel: 3, stride: 1, padding: .same, side: (5, 7)),
            Case(cin: 13, cout: 17, kernel: 3, stride: 1, padding: .valid, side: (9, 6)),
            Case(cin: 64, cout: 64, kernel: 3, stride: 1, padding: .same, side: (17, 17)),
            Case(cin: 128, cout: 128, kernel: 3, stride: 1, padding: .same, side: (8, 8)),
            Case(cin: 32, cout: 40, kernel: 3, stride: 1, padding: .explicit(top: 1, left: 0, bottom: 2, right: 1), side: (11, 10)),
            // F(4×4): maps of ≥ 24 rows and columns.
            Case(cin: 32, cout: 32, kernel: 3, stride: 1, padding: .same, side: (35, 35)),
            Case(cin: 9, cout: 24, kernel: 3, stride: 1, padding: .valid, side: (30, 27)),
            // Direct stems: 3 or 5 input channels, unpadded, any stride.
            Case(cin: 3, cout: 32, kernel: 7, stride: 2, padding: .valid, side: (40, 37)),
            Case(cin: 5, cout: 20, kernel: 3, stride: 1, padding: .valid, side: (9, 12)),
            // Stay on the GEMM (the flag must not change them): stride 2, > 128 channels, padded stem.
            Case(cin: 16, cout: 16, kernel: 3, stride: 2, padding: .valid, side: (9, 9)),
            Case(cin: 136, cout: 16, kernel: 3, stride: 1, padding: .same, side: (4, 4)),
            Case(cin: 3, cout: 16, kernel: 3, stride: 2, padding: .same, side: (10, 10)),
        ]
        var checked = 0
        for (index, c) in cases.enumerated() {
            for activation in [Activation.linear, .relu, .relu6] {
                for (batch, threads) in [(1, 1), (2, 2), (1, 3)] {
                    ThreadPool.shared.threadCount = threads
                    let input = (0..<(batch * c.side.0 * c.side.1 * c.cin)).map { _ in rng.nextFloat(in: -1...1) }
                    let seed = UInt64(100 + index)
                    let oracle = try run(fast: false, cin: c.cin, cout: c.cout, kernel: c.kernel, stride: c.stride, padding: c.padding,
                                         activation: activation, input: input, batch: batch, side: c.side, seed: seed)
                    let fast = try run(fast: true, cin: c.cin, cout: c.cout, kernel: c.kernel, stride: c.stride, padding: c.padding,
                                       activation: activation, input: input, batch: batch, side: c.side, seed: seed)
                    let scale = max(1, oracle.map(abs).max()!)
                    let error = zip(fast, oracle).map { abs($0 - $1) }.max()!
                    // Sums reassociated: measured at most 2.6e-5 (F(4×4), 32 channels), 6e-6 (F(2×2)),
                    // 2e-6 (direct) on outputs of scale 1–3; relu6 layers and the last three cases
                    // stay on the GEMM and match exactly.
                    XCTAssertLessThanOrEqual(error, 5e-5 * scale, "case \(index) \(activation) batch \(batch) threads \(threads)")
                    XCTAssertFalse(fast.contains { $0.isNaN }, "case \(index): every output written")
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, cases.count * 9)
    }
}
