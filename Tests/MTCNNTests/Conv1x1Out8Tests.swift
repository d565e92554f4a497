import MTCNN
import Tensor
import XCTest

/// `Conv1x1Out8` against `Naive.conv2d` (fixed seed): pixel counts around the 8-pixel blocks,
/// 1 to 8 output channels, P-Net's head shape.
final class Conv1x1Out8Tests: XCTestCase {
    func testConv1x1Out8MatchesNaive() {
        var rng = SeededRandom(seed: 23)
        for (n, h, w, cin, cout) in [(1, 140, 188, 32, 6), (1, 1, 1, 32, 6), (2, 3, 3, 5, 8), (1, 1, 9, 7, 1), (3, 4, 5, 16, 3),
                                     (1, 2, 4, 32, 6), (1, 1, 17, 1, 7)] {
            let g = ConvGeometry(batch: n, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout,
                                 kernelHeight: 1, kernelWidth: 1)
            XCTAssertTrue(Conv1x1Out8.applies(g))
            let x = (0..<g.inputCount).map { _ in rng.nextFloat(in: -1...1) }
            let wt = (0..<(cin * cout)).map { _ in rng.nextFloat(in: -1...1) }, b = (0..<cout).map { _ in rng.nextFloat(in: -1...1) }
            // The kernel's layout: output channels padded with zeros to 16 (as DirectConvPReLU stores them).
            var wp = [Float](repeating: 0, count: cin * 16)
            for r in 0..<cin { for o in 0..<cout { wp[r * 16 + o] = wt[r * cout + o] } }
            let bp = b + [Float](repeating: 0, count: 16 - cout)
            var fast = [Float](repeating: .nan, count: g.outputCount), slow = fast
            fast.withUnsafeMutableBufferPointer {
                Conv1x1Out8.run(input: x, weights: wp, weightStride: 16, bias: bp, output: $0.baseAddress!, geometry: g)
            }
            slow.withUnsafeMutableBufferPointer { Naive.conv2d(input: x, weights: wt, bias: b, output: $0.baseAddress!, geometry: g) }
            let worst = zip(fast, slow).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-5, "\(g)")
        }
    }
}
