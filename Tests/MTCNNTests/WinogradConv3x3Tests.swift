import MTCNN
import Tensor
import XCTest

/// `WinogradConv3x3` (both tile sizes) against `Naive.conv2d` + `Naive.prelu` over shape sweeps
/// (fixed seed): map sizes that are and are not multiples of the tile (tiles hanging over the
/// edge), batches whose tiles straddle images, channel counts that are not multiples of 8 or 16,
/// MTCNN's own layer shapes.
final class WinogradConv3x3Tests: XCTestCase {
    func testWinogradConv3x3MatchesNaive() {
        for variant in [WinogradConv3x3.Variant.f2, .f4] { check(variant) }
    }

    /// The variant choice: F(4×4) on large maps, F(2×2) on R-Net's 9×9 maps.
    func testVariantByMapSize() {
        func g(_ h: Int, _ w: Int) -> ConvGeometry {
            ConvGeometry(batch: 1, inHeight: h + 2, inWidth: w + 2, inChannels: 16, outChannels: 32, kernelHeight: 3, kernelWidth: 3)
        }
        XCTAssertEqual(WinogradConv3x3.variant(g(140, 188)), .f4)
        XCTAssertEqual(WinogradConv3x3.variant(g(21, 21)), .f4)
        XCTAssertEqual(WinogradConv3x3.variant(g(8, 8)), .f4)
        XCTAssertEqual(WinogradConv3x3.variant(g(9, 9)), .f2)
        XCTAssertEqual(WinogradConv3x3.variant(g(2, 2)), .f2)
    }

    private func check(_ variant: WinogradConv3x3.Variant) {
        var rng = SeededRandom(seed: 17)
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in rng.nextFloat(in: -1...1) } }
        let shapes: [(n: Int, h: Int, w: Int, cin: Int, cout: Int)] = [
            (1, 146, 194, 10, 16), (1, 16, 13, 16, 32), (5, 11, 11, 28, 48), (2, 23, 23, 32, 64), (3, 10, 10, 64, 64),
            (1, 3, 3, 8, 16), (2, 4, 3, 9, 10), (3, 5, 8, 12, 20), (7, 6, 7, 8, 8), (1, 3, 17, 17, 33), (2, 9, 10, 16, 32),
            (3, 8, 12, 10, 16),
        ]
        // Output sizes 1 to 8 (every remainder of the 2- and 4-wide tiles), and MTCNN’s maps.
        for s in shapes {
            let g = ConvGeometry(batch: s.n, inHeight: s.h, inWidth: s.w, inChannels: s.cin, outChannels: s.cout,
                                 kernelHeight: 3, kernelWidth: 3)
            XCTAssertTrue(WinogradConv3x3.applies(g))
            let x = random(g.inputCount), wt = random(9 * s.cin * s.cout), b = random(s.cout), alpha = random(s.cout)
            // The kernel's layout: output channels padded with zeros to a multiple of 16, then transformed.
            let p = DirectConvPReLU.paddedChannels(s.cout)
            var wp = [Float](repeating: 0, count: 9 * s.cin * p)
            for r in 0..<(9 * s.cin) { for o in 0..<s.cout { wp[r * p + o] = wt[r * s.cout + o] } }
            let u = WinogradConv3x3.transformWeights(wp, inChannels: s.cin, outChannels: p, variant: variant)
            let bp = b + [Float](repeating: 0, count: p - s.cout), ap = alpha + [Float](repeating: 0, count: p - s.cout)
            var scratch = [Float](repeating: .nan, count: WinogradConv3x3.scratchCount(inChannels: s.cin))
            for usePReLU in [true, false] {
                var fast = [Float](repeating: .nan, count: g.outputCount), slow = fast
                u.withUnsafeBufferPointer { up in bp.withUnsafeBufferPointer { bq in ap.withUnsafeBufferPointer { aq in
                    fast.withUnsafeMutableBufferPointer { fp in scratch.withUnsafeMutableBufferPointer { sp in
                        WinogradConv3x3.run(input: x, weights: up.baseAddress!, bias: bq.baseAddress!,
                                            alpha: usePReLU ? aq.baseAddress! : nil, output: fp.baseAddress!, geometry: g,
                                            variant: variant, scratch: sp.baseAddress!)
                    } }
                } } }
                slow.withUnsafeMutableBufferPointer { sp in
                    Naive.conv2d(input: x, weights: wt, bias: b, output: sp.baseAddress!, geometry: g)
                    if usePReLU { Naive.prelu(sp.baseAddress!, count: g.outputCount, channels: s.cout, alpha: alpha) }
                }
                // Reassociated sums of up to 9·64 products of magnitude ≤ 1 (measured worst: 7e-7·Cin
                // for F(2×2); 6e-6·Cin for F(4×4), whose transforms scale by up to 8 and 1/24).
                let worst = zip(fast, slow).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(worst, (variant == .f2 ? 2e-6 : 1.5e-5) * Float(s.cin), "\(g) \(variant) prelu \(usePReLU)")
                XCTAssertFalse(fast.contains { $0.isNaN }, "\(g) \(variant): an output was not written")
            }
        }
    }
}
