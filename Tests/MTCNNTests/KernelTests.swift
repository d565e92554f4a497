import Foundation
import MTCNN
import Tensor
import XCTest

/// The fast kernels MTCNN runs on, each against its naive oracle over shape sweeps (fixed seed).
final class KernelTests: XCTestCase {
    private func random(_ count: Int, _ rng: inout SeededRandom) -> [Float] {
        (0..<count).map { _ in rng.nextFloat(in: -1...1) }
    }

    func testDirectConvPReLUMatchesNaive() {
        var rng = SeededRandom(seed: 11)
        for (h, w, cin, cout, k, s) in [(24, 24, 3, 32, 3, 1), (11, 13, 32, 48, 3, 1), (4, 4, 48, 64, 2, 1), (9, 7, 5, 16, 3, 2),
                                         (6, 17, 16, 32, 3, 1), (3, 3, 64, 128, 2, 1), (26, 31, 3, 10, 3, 1), (5, 9, 28, 28, 3, 2),
                                         (3, 3, 7, 20, 3, 1)] {
            let g = ConvGeometry(batch: 3, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout,
                                 kernelHeight: k, kernelWidth: k, strideHeight: s, strideWidth: s)
            let x = random(g.inputCount, &rng), wt = random(k * k * cin * cout, &rng)
            let b = random(cout, &rng), alpha = random(cout, &rng)
            let (wp, bp, ap) = paddedForDirectConv(weights: wt, bias: b, alpha: alpha, rows: k * k * cin, cout: cout)
            var fast = [Float](repeating: .nan, count: g.outputCount), slow = fast
            for usePReLU in [true, false] {
                wp.withUnsafeBufferPointer { wpp in bp.withUnsafeBufferPointer { bpp in ap.withUnsafeBufferPointer { app in
                    x.withUnsafeBufferPointer { xp in
                        fast.withUnsafeMutableBufferPointer { fp in
                            DirectConvPReLU.run(input: xp.baseAddress!, weights: wpp.baseAddress!, bias: bpp.baseAddress!,
                                                alpha: usePReLU ? app.baseAddress! : nil, output: fp.baseAddress!, geometry: g)
                        }
                    }
                } } }
                x.withUnsafeBufferPointer { xp in wt.withUnsafeBufferPointer { wtp in b.withUnsafeBufferPointer { bq in
                    alpha.withUnsafeBufferPointer { aq in
                        slow.withUnsafeMutableBufferPointer { sp in
                            Naive.conv2d(input: xp.baseAddress!, weights: wtp.baseAddress!, bias: bq.baseAddress!,
                                         output: sp.baseAddress!, geometry: g)
                            if usePReLU { Naive.prelu(sp.baseAddress!, count: g.outputCount, channels: cout, alpha: aq.baseAddress!) }
                        }
                    }
                } } }
                let worst = zip(fast, slow).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(worst, 1e-4, "\(g) prelu \(usePReLU)")
            }
        }
    }

    /// Convolution + PReLU + 2×2 stride-2 ceil-mode max pool fused, against the naive three steps
    /// (odd and even map sizes: the ceil-mode window overhangs the right and bottom edges).
    func testDirectConvPReLUPool2x2MatchesNaive() {
        var rng = SeededRandom(seed: 13)
        for (h, w, cin, cout) in [(26, 31, 3, 10), (12, 12, 3, 10), (15, 14, 3, 16), (9, 12, 5, 20), (13, 13, 16, 32)] {
            let k = 3
            let g = ConvGeometry(batch: 1, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout,
                                 kernelHeight: k, kernelWidth: k)
            let pool = ConvGeometry(batch: 1, inHeight: g.outHeight, inWidth: g.outWidth, inChannels: cout, outChannels: cout,
                                    kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2, ceilMode: true)
            let x = random(g.inputCount, &rng), wt = random(k * k * cin * cout, &rng)
            let b = random(cout, &rng), alpha = random(cout, &rng)
            let (wp, bp, ap) = paddedForDirectConv(weights: wt, bias: b, alpha: alpha, rows: k * k * cin, cout: cout)
            var fused = [Float](repeating: .nan, count: pool.outputCount), twoStep = fused, slow = fused
            var map = [Float](repeating: .nan, count: g.outputCount), slowMap = map
            wp.withUnsafeBufferPointer { wpp in bp.withUnsafeBufferPointer { bpp in ap.withUnsafeBufferPointer { app in
                x.withUnsafeBufferPointer { xp in
                    fused.withUnsafeMutableBufferPointer { fp in
                        DirectConvPReLU.runPool2x2(input: xp.baseAddress!, weights: wpp.baseAddress!, bias: bpp.baseAddress!,
                                                   alpha: app.baseAddress!, output: fp.baseAddress!, geometry: g)
                    }
                    map.withUnsafeMutableBufferPointer { mp in
                        DirectConvPReLU.run(input: xp.baseAddress!, weights: wpp.baseAddress!, bias: bpp.baseAddress!,
                                            alpha: app.baseAddress!, output: mp.baseAddress!, geometry: g)
                        twoStep.withUnsafeMutableBufferPointer {
                            Ops.maxPool2d(input: UnsafePointer(mp.baseAddress!), output: $0.baseAddress!, geometry: pool)
                        }
                    }
                }
            } } }
            x.withUnsafeBufferPointer { xp in wt.withUnsafeBufferPointer { wtp in b.withUnsafeBufferPointer { bq in
                alpha.withUnsafeBufferPointer { aq in
                    slowMap.withUnsafeMutableBufferPointer { sp in
                        Naive.conv2d(input: xp.baseAddress!, weights: wtp.baseAddress!, bias: bq.baseAddress!,
                                     output: sp.baseAddress!, geometry: g)
                        Naive.prelu(sp.baseAddress!, count: g.outputCount, channels: cout, alpha: aq.baseAddress!)
                        slow.withUnsafeMutableBufferPointer {
                            Naive.maxPool2d(input: UnsafePointer(sp.baseAddress!), output: $0.baseAddress!, geometry: pool)
                        }
                    }
                }
            } } }
            XCTAssertEqual(fused, twoStep, "\(g)")   // same arithmetic order: identical
            let worst = zip(fused, slow).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-4, "\(g)")
        }
    }

    func testMaxPoolAndPReLUMatchNaive() {
        var rng = SeededRandom(seed: 12)
        for (h, w, c, k, s, ceil) in [(22, 22, 32, 3, 2, true), (9, 9, 48, 3, 2, true), (8, 8, 64, 2, 2, true),
                                      (383, 287, 16, 2, 2, true), (7, 10, 3, 3, 2, false), (5, 6, 10, 2, 2, true),
                                      (22, 22, 28, 3, 2, true), (11, 11, 13, 3, 2, true)] {
            let g = ConvGeometry(batch: 2, inHeight: h, inWidth: w, inChannels: c, outChannels: c, kernelHeight: k,
                                 kernelWidth: k, strideHeight: s, strideWidth: s, ceilMode: ceil)
            let x = random(g.inputCount, &rng)
            var fast = [Float](repeating: .nan, count: g.outputCount), slow = fast
            x.withUnsafeBufferPointer { xp in
                fast.withUnsafeMutableBufferPointer { Ops.maxPool2d(input: xp.baseAddress!, output: $0.baseAddress!, geometry: g) }
                slow.withUnsafeMutableBufferPointer { Naive.maxPool2d(input: xp.baseAddress!, output: $0.baseAddress!, geometry: g) }
            }
            XCTAssertEqual(fast, slow, "\(g)")
            let alpha = random(c, &rng)
            var a = x, b = x
            alpha.withUnsafeBufferPointer { ap in
                a.withUnsafeMutableBufferPointer { Ops.prelu($0.baseAddress!, count: x.count, channels: c, alpha: ap.baseAddress!) }
                b.withUnsafeMutableBufferPointer { Naive.prelu($0.baseAddress!, count: x.count, channels: c, alpha: ap.baseAddress!) }
            }
            XCTAssertEqual(a, b)
        }
    }

    /// Area resampling of a region of an 8-bit image through its integral image (down and up) against `Naive.resizeArea`.
    func testAreaResampleMatchesNaive() {
        var rng = SeededRandom(seed: 13)
        let w = 61, h = 47
        let pixels = (0..<(w * h * 3)).map { _ in UInt8(rng.next() % 256) }
        for (x0, y0, cw, ch, oh, ow) in [(0, 0, 61, 47, 34, 44), (5, 3, 30, 30, 24, 24), (10, 20, 13, 9, 24, 24),
                                          (0, 0, 61, 47, 47, 61), (40, 30, 21, 17, 48, 48), (2, 2, 50, 40, 13, 17)] {
            var region = [Float]()
            for y in y0..<(y0 + ch) { for x in x0..<(x0 + cw) { for c in 0..<3 { region.append(Float(pixels[(y * w + x) * 3 + c])) } } }
            var reference = [Float](repeating: 0, count: oh * ow * 3)
            region.withUnsafeBufferPointer { r in
                reference.withUnsafeMutableBufferPointer {
                    Naive.resizeArea(input: r.baseAddress!, batch: 1, height: ch, width: cw, channels: 3,
                                     output: $0.baseAddress!, outHeight: oh, outWidth: ow)
                }
            }
            var out = [Float](repeating: .nan, count: oh * ow * 3)
            let integral = pixels.withUnsafeBufferPointer { IntegralImage(pixels: $0.baseAddress!, width: w, height: h) }
            out.withUnsafeMutableBufferPointer { o in
                integral.resample(x0: x0, y0: y0, regionWidth: cw, regionHeight: ch, output: o.baseAddress!, outHeight: oh, outWidth: ow)
            }
            let worst = zip(out, reference).map { abs($0 - ($1 - 127.5) * 0.0078125) }.max()!
            XCTAssertLessThan(worst, 1e-5, "\(cw)×\(ch) → \(ow)×\(oh)")
        }
    }

    func testNMSUnionAndMinimum() {
        // b is mostly inside a (IoU 0.36, overlap/min-area 1.0); c is far away.
        let a = Candidate(x1: 0, y1: 0, x2: 100, y2: 100, score: 0.9)
        let b = Candidate(x1: 10, y1: 10, x2: 70, y2: 70, score: 0.8)
        let c = Candidate(x1: 200, y1: 200, x2: 250, y2: 260, score: 0.95)
        XCTAssertEqual(BoxOps.nms([a, b, c], threshold: 0.5, mode: .union), [2, 0, 1])
        XCTAssertEqual(BoxOps.nms([a, b, c], threshold: 0.3, mode: .union), [2, 0])
        XCTAssertEqual(BoxOps.nms([a, b, c], threshold: 0.7, mode: .minimum), [2, 0])
        XCTAssertEqual(BoxOps.nms([], threshold: 0.7, mode: .minimum), [])
    }

    func testSquareAndCrop() {
        let s = BoxOps.square(Candidate(x1: 10, y1: 20, x2: 30, y2: 60, score: 1))
        XCTAssertEqual([s.x1, s.y1, s.x2, s.y2], [0, 20, 40, 60])
        XCTAssertEqual(BoxOps.crop(Candidate(x1: -5.7, y1: 3.9, x2: 500, y2: 40.2, score: 1), width: 100, height: 50)!.x0, 0)
        let r = BoxOps.crop(Candidate(x1: -5.7, y1: 3.9, x2: 500, y2: 40.2, score: 1), width: 100, height: 50)!
        XCTAssertEqual([r.x0, r.y0, r.x1, r.y1], [0, 2, 100, 40])
        XCTAssertNil(BoxOps.crop(Candidate(x1: 120, y1: 3, x2: 150, y2: 40, score: 1), width: 100, height: 50))
        XCTAssertNil(BoxOps.crop(Candidate(x1: .nan, y1: 3, x2: .infinity, y2: 40, score: 1), width: 100, height: 50))
    }

    /// DirectConvPReLU's layout: output channels padded with zeros to a multiple of 16
    /// (weights `[rows, cout]` → `[rows, padded]`, bias and alpha likewise).
    func paddedForDirectConv(weights: [Float], bias: [Float], alpha: [Float], rows: Int, cout: Int) -> ([Float], [Float], [Float]) {
        let p = DirectConvPReLU.paddedChannels(cout)
        var wp = [Float](repeating: 0, count: rows * p)
        for r in 0..<rows { for o in 0..<cout { wp[r * p + o] = weights[r * cout + o] } }
        let zeros = [Float](repeating: 0, count: p - cout)
        return (wp, bias + zeros, alpha + zeros)
    }
}
