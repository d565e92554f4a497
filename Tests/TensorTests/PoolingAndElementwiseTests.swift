import XCTest
import Tensor

final class PoolingAndElementwiseTests: XCTestCase {
    // MARK: hand-computed goldens

    /// 1×3×3×1 input 1…9, 2×2 window, stride 2.
    func testPoolingByHand() {
        let x = Tensor(shape: [1, 3, 3, 1], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        // floor mode: one window [1 2; 4 5].
        XCTAssertEqual(x.maxPool2d(size: (2, 2), stride: (2, 2)).scalars, [5])
        // ceil mode (caffe/MTCNN): windows hang over the bottom/right edge: [5 6; 8 9].
        XCTAssertEqual(x.maxPool2d(size: (2, 2), stride: (2, 2), ceilMode: true).scalars, [5, 6, 8, 9])
        // Average, ceil mode, overhanging windows divide by the positions inside: (3+6)/2, (7+8)/2, 9.
        XCTAssertEqual(x.avgPool2d(size: (2, 2), stride: (2, 2), ceilMode: true).scalars, [3, 4.5, 7.5, 9])
        // Symmetric padding 1, 3×3 window, stride 1 at the corner: count_include_pad True → (1+2+4+5)/9, False → /4.
        let included = x.avgPool2d(size: (3, 3), stride: (1, 1), padding: .symmetric(1), countPadding: true)
        let excluded = x.avgPool2d(size: (3, 3), stride: (1, 1), padding: .symmetric(1), countPadding: false)
        XCTAssertEqual(included.scalars[0], 12.0 / 9, accuracy: 1e-6)
        XCTAssertEqual(excluded.scalars[0], 3, accuracy: 1e-6)
        XCTAssertEqual(included.scalars[4], 5, accuracy: 1e-6)
        XCTAssertEqual(x.globalAvgPool().scalars, [5])
    }

    func testElementwiseByHand() {
        var v: [Float] = [-2, -0.5, 0, 3, 7, -1, 2, 6.5, 10]
        Ops.activate(&v, count: 9, .relu6)
        XCTAssertEqual(v, [0, 0, 0, 3, 6, 0, 2, 6, 6])
        var p: [Float] = [-2, 4, -3, -1]
        Ops.prelu(&p, count: 4, channels: 2, alpha: [0.5, 0.25])
        XCTAssertEqual(p, [-1, 4, -1.5, -0.25])
        var s: [Float] = [1, 2, 3, 1000, 1000, 1000]
        Ops.softmax(&s, rows: 2, classes: 3)
        let e = [Float(1), Float(M_E), Float(M_E * M_E)], sum = e.reduce(0, +)
        for i in 0..<3 { XCTAssertEqual(s[i], e[i] / sum, accuracy: 1e-6) }
        for i in 3..<6 { XCTAssertEqual(s[i], 1.0 / 3, accuracy: 1e-6) }  // no overflow: the max is subtracted
        var out = [Float](repeating: 0, count: 6)
        let first: [Float] = [1, 2, 3, 4], second: [Float] = [9, 8]
        first.withUnsafeBufferPointer { f in
            second.withUnsafeBufferPointer { s in
                Ops.concatChannels([(f.baseAddress!, 2), (s.baseAddress!, 1)], positions: 2, output: &out)
            }
        }
        XCTAssertEqual(out, [1, 2, 9, 3, 4, 8])
    }

    /// Conv then batch-norm equals the convolution with folded weights (HWIO and depthwise).
    func testFoldBatchNorm() {
        var rng = SeededRandom(seed: 21)
        let x = Tensor.random([1, 6, 6, 4], &rng)
        let gamma = Tensor.random([4], &rng, in: 0.5...2), beta = Tensor.random([4], &rng)
        let mean = Tensor.random([4], &rng), variance = Tensor.random([4], &rng, in: 0.1...2)
        for depthwise in [false, true] {
            let w = depthwise ? Tensor.random([3, 3, 4], &rng) : Tensor.random([3, 3, 4, 4], &rng)
            let b = Tensor.random([4], &rng)
            var reference = depthwise ? x.depthwiseConv2d(weights: w, bias: b, padding: .same)
                                      : x.conv2d(weights: w, bias: b, padding: .same)
            reference.scalars.withUnsafeMutableBufferPointer {
                Naive.batchNormInference($0.baseAddress!, count: $0.count, channels: 4, gamma: gamma.scalars,
                                         beta: beta.scalars, mean: mean.scalars, variance: variance.scalars, epsilon: 1e-3)
            }
            let folded = Ops.foldBatchNorm(weights: w, bias: b, gamma: gamma, beta: beta, mean: mean, variance: variance,
                                           eps: 1e-3)
            let fused = depthwise ? x.depthwiseConv2d(weights: folded.weights, bias: folded.bias, padding: .same)
                                  : x.conv2d(weights: folded.weights, bias: folded.bias, padding: .same)
            assertClose(fused, reference, tolerance: 1e-5, depthwise ? "depthwise" : "conv")
        }
    }

    // MARK: optimised against naive

    func testPoolingAgainstNaive() {
        var rng = SeededRandom(seed: 22)
        var cases = 0
        for (h, w) in [(1, 1), (4, 4), (5, 7), (12, 9)] {
            for c in [1, 3, 8, 11, 24] {
                for (k, s) in [(2, 2), (3, 2), (3, 1), (1, 1)] {
                    for padding in [Padding.valid, .same, .symmetric(1)] {
                        for ceilMode in [false, true] {
                            if case .same = padding, ceilMode { continue }
                            if case .explicit = padding, k < 2 { continue }  // padding must be smaller than the window
                            guard ConvGeometry.fits(h: h, w: w, k: k, s: s, padding: padding) else { continue }
                            let x = Tensor.random([2, h, w, c], &rng, in: -5...5)
                            let g = x.poolGeometry(size: (k, k), stride: (s, s), padding: padding, ceilMode: ceilMode)
                            let maxNaive = naiveOutput(g.outputShape) { Naive.maxPool2d(input: x.scalars, output: $0, geometry: g) }
                            XCTAssertEqual(x.maxPool2d(size: (k, k), stride: (s, s), padding: padding, ceilMode: ceilMode),
                                           maxNaive, "\(g)")
                            for countPadding in [false, true] {
                                let avgNaive = naiveOutput(g.outputShape) {
                                    Naive.avgPool2d(input: x.scalars, output: $0, geometry: g, countPadding: countPadding)
                                }
                                let fast = x.avgPool2d(size: (k, k), stride: (s, s), padding: padding, ceilMode: ceilMode,
                                                       countPadding: countPadding)
                                assertClose(fast, avgNaive, tolerance: 1e-6, "\(g) countPadding \(countPadding)")
                            }
                            cases += 1
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(cases, 200)
        let x = Tensor.random([3, 5, 6, 19], &rng)
        let naive = naiveOutput([3, 19]) {
            Naive.globalAvgPool(input: x.scalars, output: $0, batch: 3, height: 5, width: 6, channels: 19)
        }
        assertClose(x.globalAvgPool(), naive, tolerance: 1e-6)
    }

    func testElementwiseAgainstNaive() {
        var rng = SeededRandom(seed: 23)
        for count in [1, 7, 8, 9, 64, 100] {
            let a = Tensor.random([count], &rng, in: -8...8), b = Tensor.random([count], &rng)
            var sum = [Float](repeating: 0, count: count), naiveSum = sum
            Ops.add(a.scalars, b.scalars, output: &sum, count: count)
            Naive.add(a.scalars, b.scalars, output: &naiveSum, count: count)
            XCTAssertEqual(sum, naiveSum)
            for act in [Activation.linear, .relu, .relu6] {
                var fast = a.scalars, naive = a.scalars
                Ops.activate(&fast, count: count, act)
                Naive.activate(&naive, count: count, act)
                XCTAssertEqual(fast, naive)
            }
        }
        for channels in [1, 5, 8, 13, 32] {
            let x = Tensor.random([3 * channels], &rng, in: -3...3), alpha = Tensor.random([channels], &rng, in: 0...1)
            var fast = x.scalars, naive = x.scalars
            Ops.prelu(&fast, count: x.count, channels: channels, alpha: alpha.scalars)
            Naive.prelu(&naive, count: x.count, channels: channels, alpha: alpha.scalars)
            XCTAssertEqual(fast, naive)
        }
    }
}
