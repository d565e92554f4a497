import XCTest
import Tensor

/// Finite-difference checks of every backward pass: loss(v) = Σ output(v) · r with a fixed random r,
/// central differences in Double against the analytic gradient (computed with dOutput = r).
final class GradientCheckTests: XCTestCase {
    /// Compares `analytic` with central differences of `forward` at up to `samples` entries of `variable`.
    func check(_ name: String, _ variable: Tensor, _ analytic: Tensor, projection r: Tensor, eps: Float = 1e-2,
               tolerance: Double = 2e-3, samples: Int = 40, file: StaticString = #filePath, line: UInt = #line,
               forward: (Tensor) -> Tensor) {
        XCTAssertEqual(variable.shape, analytic.shape, "\(name): gradient shape", file: file, line: line)
        func loss(_ v: Tensor) -> Double {
            let y = forward(v)
            var s = 0.0
            for i in y.scalars.indices { s += Double(y.scalars[i]) * Double(r.scalars[i]) }
            return s
        }
        var rng = SeededRandom(seed: 99)
        let indices = variable.count <= samples ? Array(0..<variable.count)
                                                : (0..<samples).map { _ in Int(rng.next() % UInt64(variable.count)) }
        var nonzero = 0
        for i in indices {
            var plus = variable, minus = variable
            plus.scalars[i] += eps
            minus.scalars[i] -= eps
            let numeric = (loss(plus) - loss(minus)) / Double(2 * eps)
            let exact = Double(analytic.scalars[i])
            if abs(numeric) > 1e-6 { nonzero += 1 }
            XCTAssertLessThanOrEqual(abs(numeric - exact), tolerance * max(1, abs(numeric), abs(exact)),
                                     "\(name)[\(i)]: numeric \(numeric) vs analytic \(exact)", file: file, line: line)
        }
        XCTAssertGreaterThan(nonzero, 0, "\(name): every sampled gradient is zero; the check proves nothing",
                             file: file, line: line)
    }

    /// Distinct values on a 0.1 grid in random order: no ties and no kinks within ±eps (max pool, ReLU).
    func distinct(_ shape: [Int], _ rng: inout SeededRandom, offset: Float = 0.05) -> Tensor {
        let n = shape.reduce(1, *)
        var values = (0..<n).map { Float($0) * 0.1 - Float(n) * 0.05 + offset }
        values.shuffle(using: &rng)
        return Tensor(shape: shape, scalars: values)
    }

    func testConv2d() {
        var rng = SeededRandom(seed: 1)
        for (k, s, padding) in [(1, 1, Padding.valid), (3, 1, .same), (3, 2, .same), (2, 2, .symmetric(1)), (1, 2, .valid)] {
            let x = Tensor.random([2, 5, 6, 3], &rng), w = Tensor.random([k, k, 3, 4], &rng), b = Tensor.random([4], &rng)
            let g = ConvGeometry(batch: 2, inHeight: 5, inWidth: 6, inChannels: 3, outChannels: 4, kernelHeight: k,
                                 kernelWidth: k, strideHeight: s, strideWidth: s, padding: padding)
            let r = Tensor.random(g.outputShape, &rng)
            var dX = Tensor(zeros: x.shape), dW = Tensor(zeros: w.shape), dB = Tensor(zeros: [4])
            var scratch = [Float](repeating: 0, count: Ops.conv2dBackwardScratchCount(g))
            for _ in 0..<2 {  // twice: gradients accumulate
                Ops.conv2dBackward(input: x.scalars, weights: w.scalars, dOutput: r.scalars, dInput: &dX.scalars,
                                   dWeights: &dW.scalars, dBias: &dB.scalars, geometry: g, scratch: &scratch)
            }
            let half = { (t: Tensor) in Tensor(shape: t.shape, scalars: t.scalars.map { $0 / 2 }) }
            let conv = { (x: Tensor, w: Tensor, b: Tensor) in x.conv2d(weights: w, bias: b, stride: (s, s), padding: padding) }
            check("conv dX \(g)", x, half(dX), projection: r) { conv($0, w, b) }
            check("conv dW \(g)", w, half(dW), projection: r) { conv(x, $0, b) }
            check("conv dB \(g)", b, half(dB), projection: r) { conv(x, w, $0) }
        }
    }

    func testDepthwiseConv2d() {
        var rng = SeededRandom(seed: 2)
        for (k, s, padding) in [(3, 1, Padding.same), (3, 2, .same), (3, 2, .valid), (5, 1, .symmetric(2))] {
            let c = 11
            let x = Tensor.random([2, 7, 6, c], &rng), w = Tensor.random([k, k, c], &rng), b = Tensor.random([c], &rng)
            let g = ConvGeometry(batch: 2, inHeight: 7, inWidth: 6, inChannels: c, outChannels: c, kernelHeight: k,
                                 kernelWidth: k, strideHeight: s, strideWidth: s, padding: padding)
            let r = Tensor.random(g.outputShape, &rng)
            var dX = Tensor(zeros: x.shape), dW = Tensor(zeros: w.shape), dB = Tensor(zeros: [c])
            Ops.depthwiseConv2dBackward(input: x.scalars, weights: w.scalars, dOutput: r.scalars, dInput: &dX.scalars,
                                        dWeights: &dW.scalars, dBias: &dB.scalars, geometry: g)
            let conv = { (x: Tensor, w: Tensor, b: Tensor) in
                x.depthwiseConv2d(weights: w, bias: b, stride: (s, s), padding: padding)
            }
            check("depthwise dX \(g)", x, dX, projection: r) { conv($0, w, b) }
            check("depthwise dW \(g)", w, dW, projection: r) { conv(x, $0, b) }
            check("depthwise dB \(g)", b, dB, projection: r) { conv(x, w, $0) }
        }
    }

    func testDense() {
        var rng = SeededRandom(seed: 3)
        let x = Tensor.random([3, 10], &rng), w = Tensor.random([10, 7], &rng), b = Tensor.random([7], &rng)
        let r = Tensor.random([3, 7], &rng)
        var dX = Tensor(zeros: x.shape), dW = Tensor(zeros: w.shape), dB = Tensor(zeros: [7])
        Ops.denseBackward(input: x.scalars, weights: w.scalars, dOutput: r.scalars, dInput: &dX.scalars,
                          dWeights: &dW.scalars, dBias: &dB.scalars, batch: 3, inFeatures: 10, outFeatures: 7)
        check("dense dX", x, dX, projection: r) { $0.dense(weights: w, bias: b) }
        check("dense dW", w, dW, projection: r) { x.dense(weights: $0, bias: b) }
        check("dense dB", b, dB, projection: r) { x.dense(weights: w, bias: $0) }
    }

    func testBatchNormTraining() {
        var rng = SeededRandom(seed: 4)
        let (p, c) = (12, 5)
        let x = Tensor.random([p, c], &rng, in: -2...3), gamma = Tensor.random([c], &rng, in: 0.5...1.5)
        let beta = Tensor.random([c], &rng), r = Tensor.random([p, c], &rng)
        func forward(_ x: Tensor, _ gamma: Tensor, _ beta: Tensor) -> (y: Tensor, mean: [Float], invStd: [Float]) {
            var y = Tensor(zeros: [p, c]), mean = [Float](repeating: 0, count: c), invStd = mean
            var runningMean = [Float](repeating: 0, count: c), runningVariance = [Float](repeating: 1, count: c)
            Ops.batchNormTrainingForward(input: x.scalars, output: &y.scalars, positions: p, channels: c,
                                         gamma: gamma.scalars, beta: beta.scalars, epsilon: 1e-3, momentum: 0.9,
                                         runningMean: &runningMean, runningVariance: &runningVariance,
                                         saveMean: &mean, saveInvStd: &invStd)
            return (y, mean, invStd)
        }
        let f = forward(x, gamma, beta)
        var dX = Tensor(zeros: x.shape), dGamma = Tensor(zeros: [c]), dBeta = Tensor(zeros: [c])
        Ops.batchNormTrainingBackward(input: x.scalars, dOutput: r.scalars, positions: p, channels: c,
                                      gamma: gamma.scalars, saveMean: f.mean, saveInvStd: f.invStd, dInput: &dX.scalars,
                                      dGamma: &dGamma.scalars, dBeta: &dBeta.scalars)
        check("batchnorm dX", x, dX, projection: r, eps: 1e-2, tolerance: 5e-3) { forward($0, gamma, beta).y }
        check("batchnorm dGamma", gamma, dGamma, projection: r) { forward(x, $0, beta).y }
        check("batchnorm dBeta", beta, dBeta, projection: r) { forward(x, gamma, $0).y }
    }

    /// Batch statistics and running-statistics update by hand.
    func testBatchNormTrainingStatistics() {
        // One channel, values 1, 2, 3, 6: mean 3, biased variance 3.5, unbiased 14/3.
        var y = [Float](repeating: 0, count: 4), mean: [Float] = [0], invStd: [Float] = [0]
        var runningMean: [Float] = [1], runningVariance: [Float] = [1]
        Ops.batchNormTrainingForward(input: [1, 2, 3, 6], output: &y, positions: 4, channels: 1, gamma: nil, beta: nil,
                                     epsilon: 0, momentum: 0.75, runningMean: &runningMean,
                                     runningVariance: &runningVariance, saveMean: &mean, saveInvStd: &invStd)
        XCTAssertEqual(mean[0], 3, accuracy: 1e-6)
        XCTAssertEqual(invStd[0], 1 / Float(3.5).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(y[3], 3 / Float(3.5).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(runningMean[0], 0.75 * 1 + 0.25 * 3, accuracy: 1e-6)
        XCTAssertEqual(runningVariance[0], 0.75 * 1 + 0.25 * 14 / 3, accuracy: 1e-6)
    }

    func testActivations() {
        var rng = SeededRandom(seed: 5)
        let x = distinct([4, 20], &rng), r = Tensor.random([4, 20], &rng)
        for act in [Activation.linear, .relu, .relu6] {
            var scaled = x
            scaled.scalars = scaled.scalars.map { $0 * 2 }  // spans −8…8 so relu6 clips at both ends
            func forward(_ v: Tensor) -> Tensor {
                var y = v
                Ops.activate(&y.scalars, count: y.count, act)
                return y
            }
            var dX = Tensor(zeros: x.shape)
            Ops.activationBackward(output: forward(scaled).scalars, dOutput: r.scalars, dInput: &dX.scalars,
                                   count: x.count, act)
            check("\(act) dX", scaled, dX, projection: r, samples: 80, forward: forward)
        }
        var y = x
        Ops.sigmoid(&y.scalars, count: y.count)
        var dX = Tensor(zeros: x.shape)
        Ops.sigmoidBackward(output: y.scalars, dOutput: r.scalars, dInput: &dX.scalars, count: x.count)
        check("sigmoid dX", x, dX, projection: r) { v in
            var out = v
            Ops.sigmoid(&out.scalars, count: out.count)
            return out
        }
        let alpha = Tensor.random([20], &rng, in: 0...0.5)
        var dXp = Tensor(zeros: x.shape), dAlpha = Tensor(zeros: [20])
        Ops.preluBackward(input: x.scalars, alpha: alpha.scalars, dOutput: r.scalars, dInput: &dXp.scalars,
                          dAlpha: &dAlpha.scalars, count: x.count, channels: 20)
        func prelu(_ v: Tensor, _ a: Tensor) -> Tensor {
            var out = v
            Ops.prelu(&out.scalars, count: out.count, channels: 20, alpha: a.scalars)
            return out
        }
        check("prelu dX", x, dXp, projection: r) { prelu($0, alpha) }
        check("prelu dAlpha", alpha, dAlpha, projection: r) { prelu(x, $0) }
    }

    func testPooling() {
        var rng = SeededRandom(seed: 6)
        let x = distinct([2, 7, 7, 3], &rng)
        for (k, s, padding, ceil) in [(2, 2, Padding.valid, true), (3, 2, .symmetric(1), false), (3, 1, .same, false),
                                      (3, 2, .valid, true)] {
            let g = x.poolGeometry(size: (k, k), stride: (s, s), padding: padding, ceilMode: ceil)
            let r = Tensor.random(g.outputShape, &rng)
            var dX = Tensor(zeros: x.shape)
            Ops.maxPool2dBackward(input: x.scalars, dOutput: r.scalars, dInput: &dX.scalars, geometry: g)
            check("maxpool \(g)", x, dX, projection: r, samples: 98) {
                $0.maxPool2d(size: (k, k), stride: (s, s), padding: padding, ceilMode: ceil)
            }
            for countPadding in [false, true] {
                var dA = Tensor(zeros: x.shape)
                Ops.avgPool2dBackward(dOutput: r.scalars, dInput: &dA.scalars, geometry: g, countPadding: countPadding)
                check("avgpool \(g) \(countPadding)", x, dA, projection: r) {
                    $0.avgPool2d(size: (k, k), stride: (s, s), padding: padding, ceilMode: ceil, countPadding: countPadding)
                }
            }
        }
        let r = Tensor.random([2, 3], &rng)
        var dX = Tensor(zeros: x.shape)
        Ops.globalAvgPoolBackward(dOutput: r.scalars, dInput: &dX.scalars, batch: 2, height: 7, width: 7, channels: 3)
        check("global avgpool", x, dX, projection: r) { $0.globalAvgPool() }
    }

    func testConcatAddDropout() {
        var rng = SeededRandom(seed: 7)
        let a = Tensor.random([6, 2], &rng), b = Tensor.random([6, 3], &rng), r = Tensor.random([6, 5], &rng)
        func concat(_ a: Tensor, _ b: Tensor) -> Tensor {
            var out = Tensor(zeros: [6, 5])
            a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    Ops.concatChannels([(pa.baseAddress!, 2), (pb.baseAddress!, 3)], positions: 6, output: &out.scalars)
                }
            }
            return out
        }
        var dA = Tensor(zeros: a.shape), dB = Tensor(zeros: b.shape)
        dA.scalars.withUnsafeMutableBufferPointer { pa in
            dB.scalars.withUnsafeMutableBufferPointer { pb in
                Ops.concatChannelsBackward(dOutput: r.scalars, positions: 6, dInputs: [(pa.baseAddress!, 2), (pb.baseAddress!, 3)])
            }
        }
        check("concat dA", a, dA, projection: r) { concat($0, b) }
        check("concat dB", b, dB, projection: r) { concat(a, $0) }

        let u = Tensor.random([30], &rng), v = Tensor.random([30], &rng), r2 = Tensor.random([30], &rng)
        var dU = Tensor(zeros: [30]), dV = Tensor(zeros: [30])
        dU.scalars.withUnsafeMutableBufferPointer { pu in
            dV.scalars.withUnsafeMutableBufferPointer { pv in
                Ops.addBackward(dOutput: r2.scalars, dInputs: [pu.baseAddress!, pv.baseAddress!], count: 30)
            }
        }
        func add(_ u: Tensor, _ v: Tensor) -> Tensor {
            var out = Tensor(zeros: [30])
            Ops.add(u.scalars, v.scalars, output: &out.scalars, count: 30)
            return out
        }
        check("add dA", u, dU, projection: r2) { add($0, v) }
        check("add dB", v, dV, projection: r2) { add(u, $0) }

        // Dropout: the same seed gives the same mask, so the forward is a fixed linear map.
        func dropout(_ x: Tensor) -> (y: Tensor, mask: [Float]) {
            var y = Tensor(zeros: x.shape), mask = [Float](repeating: 0, count: x.count)
            var seeded = SeededRandom(seed: 1234)
            Ops.dropoutForward(input: x.scalars, output: &y.scalars, mask: &mask, count: x.count, rate: 0.25, using: &seeded)
            return (y, mask)
        }
        let d = dropout(u)
        let dropped = d.mask.filter { $0 == 0 }.count
        XCTAssertTrue(d.mask.allSatisfy { $0 == 0 || abs($0 - 4.0 / 3) < 1e-6 })
        XCTAssertTrue((2...15).contains(dropped), "about a quarter of 30 dropped, got \(dropped)")
        var dDrop = Tensor(zeros: [30])
        Ops.dropoutBackward(dOutput: r2.scalars, mask: d.mask, dInput: &dDrop.scalars, count: 30)
        check("dropout", u, dDrop, projection: r2) { dropout($0).y }
    }
}
