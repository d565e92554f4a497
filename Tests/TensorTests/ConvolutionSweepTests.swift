import XCTest
import Tensor

/// Optimised convolution kernels against the naive oracle over sweeps of shapes, strides and paddings.
final class ConvolutionSweepTests: XCTestCase {
    let paddings: [Padding] = [.valid, .same, .symmetric(1), .explicit(top: 0, left: 1, bottom: 1, right: 0),
                               .explicit(top: 2, left: 0, bottom: 0, right: 2)]
    let activations: [Activation] = [.linear, .relu, .relu6]

    func testDepthwise3x3AgainstNaive() {
        var rng = SeededRandom(seed: 7)
        var cases = 0
        for stride in [1, 2] {
            for channels in [1, 3, 8, 13, 16, 24, 40, 72] {
                for (h, w) in [(1, 1), (2, 3), (5, 5), (8, 7), (9, 20), (18, 17)] {
                    for (pi, padding) in paddings.enumerated() {
                        let padded = ConvGeometry.fits(h: h, w: w, k: 3, s: stride, padding: padding)
                        guard padded else { continue }
                        let batch = 1 + (channels + h) % 2
                        let x = Tensor.random([batch, h, w, channels], &rng, in: -4...4)
                        let k = Tensor.random([3, 3, channels], &rng)
                        let b = (channels + pi) % 3 == 0 ? nil : Tensor.random([channels], &rng)
                        let act = activations[(h + channels + pi) % 3]
                        let fast = x.depthwiseConv2d(weights: k, bias: b, stride: (stride, stride), padding: padding,
                                                     activation: act)
                        let g = ConvGeometry(batch: batch, inHeight: h, inWidth: w, inChannels: channels,
                                             outChannels: channels, kernelHeight: 3, kernelWidth: 3,
                                             strideHeight: stride, strideWidth: stride, padding: padding)
                        let naive = naiveOutput(g.outputShape) { o in
                            withOptionalPointer(b) { bp in
                                Naive.depthwiseConv2d(input: x.scalars, weights: k.scalars, bias: bp, output: o,
                                                      geometry: g, activation: act)
                            }
                        }
                        assertClose(fast, naive, tolerance: 1e-5, "\(g) \(act)")
                        cases += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(cases, 300)
    }

    /// Wide rows with few channels take the row-outer path; make sure both paths and the thread split agree.
    func testDepthwiseWideRowsAndParallelSplit() {
        var rng = SeededRandom(seed: 8)
        for (h, w, c, s) in [(20, 33, 32, 1), (16, 16, 8, 1), (64, 64, 32, 1), (64, 64, 64, 2), (8, 8, 520, 1), (4, 4, 1024, 1)] {
            for padding in [Padding.same, .valid] {
                let x = Tensor.random([1, h, w, c], &rng)
                let k = Tensor.random([3, 3, c], &rng), b = Tensor.random([c], &rng)
                let fast = x.depthwiseConv2d(weights: k, bias: b, stride: (s, s), padding: padding, activation: .relu6)
                let g = ConvGeometry(batch: 1, inHeight: h, inWidth: w, inChannels: c, outChannels: c, kernelHeight: 3,
                                     kernelWidth: 3, strideHeight: s, strideWidth: s, padding: padding)
                let naive = naiveOutput(g.outputShape) { o in
                    Naive.depthwiseConv2d(input: x.scalars, weights: k.scalars, bias: b.scalars, output: o, geometry: g,
                                          activation: .relu6)
                }
                assertClose(fast, naive, tolerance: 1e-5, "\(g)")
            }
        }
    }

    /// Shapes no specialised kernel handles fall back to the naive kernel (5×5, mixed strides).
    /// `PackedDepthwise3x3` (weights packed once, any band of output rows) against the naive kernel:
    /// channel counts around the 16-channel blocks and 256-channel tiles, both bodies (row-outer at ≤ 32
    /// channels on wide rows), strides 1 and 2, same/valid/explicit padding, bands that split the rows.
    func testPackedDepthwiseBandsAgainstNaive() {
        var rng = SeededRandom(seed: 77)
        for (h, w, c) in [(5, 7, 3), (9, 20, 16), (8, 33, 32), (6, 6, 40), (7, 5, 264), (4, 4, 1024)] {
            for stride in [1, 2] {
                for padding in [Padding.same, .valid, .explicit(top: 1, left: 1, bottom: 1, right: 1)] {
                    let g = ConvGeometry(batch: 2, inHeight: h, inWidth: w, inChannels: c, outChannels: c,
                                         kernelHeight: 3, kernelWidth: 3, strideHeight: stride, strideWidth: stride, padding: padding)
                    let x = Tensor(randomUniform: g.inputShape, in: -1...1, using: &rng)
                    let k = Tensor(randomUniform: [3, 3, c], in: -1...1, using: &rng)
                    let b = Tensor(randomUniform: [c], in: -1...1, using: &rng)
                    var want = Tensor(zeros: g.outputShape)
                    want.scalars.withUnsafeMutableBufferPointer { o in
                        Naive.depthwiseConv2d(input: x.scalars, weights: k.scalars, bias: b.scalars, output: o.baseAddress!,
                                              geometry: g, activation: .relu6)
                    }
                    let packed = PackedDepthwise3x3(weights: k.scalars, bias: b.scalars, channels: c)
                    XCTAssertTrue(packed.supports(g))
                    let rows = g.batch * g.outHeight
                    for bands in [1, 2, rows] {
                        var got = Tensor(zeros: g.outputShape)
                        got.scalars.withUnsafeMutableBufferPointer { o in
                            for band in 0..<bands {
                                packed.run(input: x.scalars, output: o.baseAddress!, geometry: g, activation: .relu6,
                                           rows: (band * rows / bands)..<((band + 1) * rows / bands))
                            }
                        }
                        XCTAssertLessThanOrEqual(got.maxAbsDifference(want), 1e-5,
                                                 "\(h)×\(w)×\(c) s\(stride) \(padding) in \(bands) bands")
                    }
                }
            }
        }
    }

    func testDepthwiseOtherShapesFallBack() {
        var rng = SeededRandom(seed: 9)
        for (kh, kw, sh, sw) in [(5, 5, 1, 1), (3, 3, 1, 2), (1, 1, 1, 1), (3, 1, 2, 1)] {
            let x = Tensor.random([2, 9, 8, 5], &rng), k = Tensor.random([kh, kw, 5], &rng)
            let fast = x.depthwiseConv2d(weights: k, stride: (sh, sw), padding: .same)
            let g = ConvGeometry(batch: 2, inHeight: 9, inWidth: 8, inChannels: 5, outChannels: 5, kernelHeight: kh,
                                 kernelWidth: kw, strideHeight: sh, strideWidth: sw, padding: .same)
            let naive = naiveOutput(g.outputShape) { o in
                Naive.depthwiseConv2d(input: x.scalars, weights: k.scalars, bias: nil, output: o, geometry: g)
            }
            assertClose(fast, naive, tolerance: 1e-6)
        }
    }

    func testConv2dAgainstNaive() {
        var rng = SeededRandom(seed: 11)
        var cases = 0
        for (kh, kw) in [(1, 1), (3, 3), (2, 3), (5, 5)] {
            for stride in [1, 2] {
                for (h, w, cin, cout) in [(5, 6, 3, 4), (8, 8, 8, 16), (7, 9, 13, 5), (12, 11, 4, 33)] {
                    for padding in paddings {
                        guard ConvGeometry.fits(h: h, w: w, kh: kh, kw: kw, s: stride, padding: padding) else { continue }
                        let batch = 1 + (h + cin) % 2
                        let x = Tensor.random([batch, h, w, cin], &rng)
                        let k = Tensor.random([kh, kw, cin, cout], &rng)
                        let b = cout % 2 == 0 ? Tensor.random([cout], &rng) : nil
                        let act = activations[(h + kh + cout) % 3]
                        let fast = x.conv2d(weights: k, bias: b, stride: (stride, stride), padding: padding, activation: act)
                        let g = ConvGeometry(batch: batch, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout,
                                             kernelHeight: kh, kernelWidth: kw, strideHeight: stride, strideWidth: stride,
                                             padding: padding)
                        let naive = naiveOutput(g.outputShape) { o in
                            withOptionalPointer(b) { bp in
                                Naive.conv2d(input: x.scalars, weights: k.scalars, bias: bp, output: o, geometry: g,
                                             activation: act)
                            }
                        }
                        assertClose(fast, naive, tolerance: 1e-4, "\(g)")
                        cases += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(cases, 100)
    }

    /// Layers large enough to be split across the pool give the same result as the naive kernel.
    func testLargeConvAndDenseAreSplitCorrectly() {
        var rng = SeededRandom(seed: 12)
        let saved = ThreadPool.shared.threadCount
        ThreadPool.shared.threadCount = 3
        defer { ThreadPool.shared.threadCount = saved }
        for (kh, s) in [(1, 1), (3, 2), (3, 1)] {
            let x = Tensor.random([2, 40, 36, 32], &rng), k = Tensor.random([kh, kh, 32, 48], &rng)
            let b = Tensor.random([48], &rng)
            let fast = x.conv2d(weights: k, bias: b, stride: (s, s), padding: .same, activation: .relu)
            let g = ConvGeometry(batch: 2, inHeight: 40, inWidth: 36, inChannels: 32, outChannels: 48, kernelHeight: kh,
                                 kernelWidth: kh, strideHeight: s, strideWidth: s, padding: .same)
            let naive = naiveOutput(g.outputShape) { o in
                Naive.conv2d(input: x.scalars, weights: k.scalars, bias: b.scalars, output: o, geometry: g, activation: .relu)
            }
            assertClose(fast, naive, tolerance: 1e-4, "\(g)")
        }
        // Few positions and many output channels: the transposed sgemm path, split by output channels.
        for (n, h, w, cin, cout) in [(1, 4, 4, 512, 1024), (2, 3, 5, 40, 160), (1, 1, 1, 7, 129)] {
            let x = Tensor.random([n, h, w, cin], &rng), k = Tensor.random([1, 1, cin, cout], &rng)
            let b = Tensor.random([cout], &rng)
            let fast = x.conv2d(weights: k, bias: b, activation: .relu6)
            let g = ConvGeometry(batch: n, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout, kernelHeight: 1,
                                 kernelWidth: 1)
            let naive = naiveOutput(g.outputShape) { o in
                Naive.conv2d(input: x.scalars, weights: k.scalars, bias: b.scalars, output: o, geometry: g, activation: .relu6)
            }
            assertClose(fast, naive, tolerance: 1e-4, "\(g)")
        }
        for batch in [1, 3, 64] {
            let x = Tensor.random([batch, 1500], &rng), w = Tensor.random([1500, 700], &rng), b = Tensor.random([700], &rng)
            let fast = x.dense(weights: w, bias: b, activation: .relu6)
            let naive = naiveOutput([batch, 700]) { o in
                Naive.dense(input: x.scalars, weights: w.scalars, bias: b.scalars, output: o, batch: batch,
                            inFeatures: 1500, outFeatures: 700, activation: .relu6)
            }
            assertClose(fast, naive, tolerance: 1e-4, "dense batch \(batch)")
        }
        let x = Tensor.random([1, 64, 64, 48], &rng), k = Tensor.random([3, 3, 48], &rng)
        let fast = x.depthwiseConv2d(weights: k, stride: (1, 1), padding: .same)
        let g = ConvGeometry(batch: 1, inHeight: 64, inWidth: 64, inChannels: 48, outChannels: 48, kernelHeight: 3,
                             kernelWidth: 3, padding: .same)
        let naive = naiveOutput(g.outputShape) { o in
            Naive.depthwiseConv2d(input: x.scalars, weights: k.scalars, bias: nil, output: o, geometry: g)
        }
        assertClose(fast, naive, tolerance: 1e-5)
    }

    func testDenseAgainstNaive() {
        var rng = SeededRandom(seed: 13)
        for (n, i, o) in [(1, 1, 1), (1, 7, 3), (5, 16, 10), (9, 33, 65)] {
            for act in activations {
                let x = Tensor.random([n, i], &rng), w = Tensor.random([i, o], &rng)
                let b = o % 2 == 1 ? Tensor.random([o], &rng) : nil
                let fast = x.dense(weights: w, bias: b, activation: act)
                let naive = naiveOutput([n, o]) { out in
                    withOptionalPointer(b) { bp in
                        Naive.dense(input: x.scalars, weights: w.scalars, bias: bp, output: out, batch: n, inFeatures: i,
                                    outFeatures: o, activation: act)
                    }
                }
                assertClose(fast, naive, tolerance: 1e-5)
            }
        }
    }
}

extension ConvGeometry {
    /// Whether a window fits (ConvGeometry preconditions otherwise).
    static func fits(h: Int, w: Int, k: Int, s: Int, padding: Padding) -> Bool {
        fits(h: h, w: w, kh: k, kw: k, s: s, padding: padding)
    }

    static func fits(h: Int, w: Int, kh: Int, kw: Int, s: Int, padding: Padding) -> Bool {
        switch padding {
        case .same: return true
        case .valid: return h >= kh && w >= kw
        case let .explicit(top, left, bottom, right): return h + top + bottom >= kh && w + left + right >= kw
        }
    }
}
