import MTCNN
import Tensor
import XCTest

/// `WinogradConv3x3F2` against `Naive.conv2d` + `Naive.prelu` over shape sweeps (fixed seed): odd and
/// even map sizes (tiles hanging over the edge), batches whose tiles straddle images, channel
/// counts that are not multiples of 8 or 16, MTCNN's own layer shapes.
final class WinogradConv3x3F2Tests: XCTestCase {
    func testWinogradConv3x3F2MatchesNaive() {
        var rng = SeededRandom(seed: 17)
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in rng.nextFloat(in: -1...1) } }
        let shapes: [(n: Int, h: Int, w: Int, cin: Int, cout: Int)] = [
            (1, 146, 194, 10, 16), (1, 16, 13, 16, 32), (5, 11, 11, 28, 48), (2, 23, 23, 32, 64), (3, 10, 10, 64, 64),
            (1, 3, 3, 8, 16), (2, 4, 3, 9, 10), (3, 5, 8, 12, 20), (7, 6, 7, 8, 8), (1, 3, 17, 17, 33),
        ]
        for s in shapes {
            let g = ConvGeometry(batch: s.n, inHeight: s.h, inWidth: s.w, inChannels: s.cin, outChannels: s.cout,
                                 kernelHeight: 3, kernelWidth: 3)
            XCTAssertTrue(WinogradConv3x3F2.applies(g))
            let x = random(g.inputCount), wt = random(9 * s.cin * s.cout), b = random(s.cout), alpha = random(s.cout)
            // The kernel's layout: output channels padded with zeros to a multiple of 16, then transformed.
            let p = DirectConvPReLU.paddedChannels(s.cout)
            var wp = [Float](repeating: 0, count: 9 * s.cin * p)
            for r in 0..<(9 * s.cin) { for o in 0..<s.cout { wp[r * p + o] = wt[r * s.cout + o] } }
            let u = WinogradConv3x3F2.transformWeights(wp, inChannels: s.cin, outChannels: p)
            let bp = b + [Float](repeating: 0, count: p - s.cout), ap = alpha + [Float](repeating: 0, count: p - s.cout)
            var scratch = [Float](repeating: .nan, count: WinogradConv3x3F2.scratchCount(inChannels: s.cin))
            for usePReLU in [true, false] {
                var fast = [Float](repeating: .nan, count: g.outputCount), slow = fast
                u.withUnsafeBufferPointer { up in bp.withUnsafeBufferPointer { bq in ap.withUnsafeBufferPointer { aq in
                    fast.withUnsafeMutableBufferPointer { fp in scratch.withUnsafeMutableBufferPointer { sp in
                        WinogradConv3x3F2.run(input: x, weights: up.baseAddress!, bias: bq.baseAddress!,
                                              alpha: usePReLU ? aq.baseAddress! : nil, output: fp.baseAddress!, geometry: g,
                                              scratch: sp.baseAddress!)
                    } }
                } } }
                slow.withUnsafeMutableBufferPointer { sp in
                    Naive.conv2d(input: x, weights: wt, bias: b, output: sp.baseAddress!, geometry: g)
                    if usePReLU { Naive.prelu(sp.baseAddress!, count: g.outputCount, channels: s.cout, alpha: alpha) }
                }
                // Reassociated sums of up to 9·64 products of magnitude ≤ 1.
                let worst = zip(fast, slow).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(worst, 2e-5 * Float(s.cin), "\(g) prelu \(usePReLU)")
                XCTAssertFalse(fast.contains { $0.isNaN }, "\(g): an output was not written")
            }
        }
    }
}
