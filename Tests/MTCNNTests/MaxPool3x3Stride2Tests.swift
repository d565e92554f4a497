import MTCNN
import Tensor
import XCTest

/// `MaxPool3x3Stride2` against `Naive.maxPool2d` (fixed seed): ceil and floor mode, odd and even
/// sizes (overhanging last windows), channel counts that are not multiples of 8, batches.
final class MaxPool3x3Stride2Tests: XCTestCase {
    func testMaxPool3x3Stride2MatchesNaive() {
        var rng = SeededRandom(seed: 19)
        for (n, h, w, c, ceil) in [(3, 22, 22, 28, true), (2, 9, 9, 48, true), (2, 46, 46, 32, true), (1, 21, 21, 64, true),
                                   (2, 7, 10, 8, false), (1, 3, 3, 13, true), (4, 4, 5, 9, true), (1, 12, 11, 20, false)] {
            let g = ConvGeometry(batch: n, inHeight: h, inWidth: w, inChannels: c, outChannels: c, kernelHeight: 3,
                                 kernelWidth: 3, strideHeight: 2, strideWidth: 2, ceilMode: ceil)
            XCTAssertTrue(MaxPool3x3Stride2.applies(g))
            let x = (0..<g.inputCount).map { _ in rng.nextFloat(in: -1...1) }
            var fast = [Float](repeating: .nan, count: g.outputCount), slow = fast
            fast.withUnsafeMutableBufferPointer { MaxPool3x3Stride2.run(input: x, output: $0.baseAddress!, geometry: g) }
            slow.withUnsafeMutableBufferPointer { Naive.maxPool2d(input: x, output: $0.baseAddress!, geometry: g) }
            XCTAssertEqual(fast, slow, "\(g)")
        }
    }
}
