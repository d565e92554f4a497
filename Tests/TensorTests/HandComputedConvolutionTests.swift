import XCTest
@testable import Tensor

/// Convolution, depthwise and dense on inputs small enough to compute by hand.
final class HandComputedConvolutionTests: XCTestCase {
    let ones3x3 = Tensor(repeating: 1, shape: [3, 3, 1, 1])

    /// 3×3 box sum over 1…9 with `same` padding: each output is the sum of its neighbourhood.
    func testBoxSumSameStride1() {
        let x = Tensor(shape: [1, 3, 3, 1], scalars: (1...9).map(Float.init))
        let y = x.conv2d(weights: ones3x3, padding: .same)
        XCTAssertEqual(y.scalars, [12, 21, 16, 27, 45, 33, 24, 39, 28])
        XCTAssertEqual(x.conv2d(weights: ones3x3).scalars, [45], "valid: one window")
    }

    /// TF `same` at stride 2 on a 4×4 input pads only bottom/right (total 1); symmetric padding 1 differs.
    func testStride2SameIsAsymmetric() {
        let x = Tensor(shape: [1, 4, 4, 1], scalars: (1...16).map(Float.init))
        // Windows: rows/cols 0–2 and 2–4 (4 is padding).
        XCTAssertEqual(x.conv2d(weights: ones3x3, stride: (2, 2), padding: .same).scalars, [54, 45, 72, 54])
        // torchvision padding=1: windows start at −1.
        XCTAssertEqual(x.conv2d(weights: ones3x3, stride: (2, 2), padding: .symmetric(1)).scalars, [14, 30, 57, 99])
        // The depthwise kernels follow the same rule.
        let dw = x.depthwiseConv2d(weights: Tensor(repeating: 1, shape: [3, 3, 1]), stride: (2, 2), padding: .same)
        XCTAssertEqual(dw.scalars, [54, 45, 72, 54])
    }

    /// Two channels: channel 0 sums its 3×3 neighbourhood, channel 1 doubles the centre; bias and ReLU6.
    func testDepthwiseChannelsAreIndependent() {
        var x = Tensor(zeros: [1, 3, 3, 2])
        for i in 0..<9 { x.scalars[2 * i] = Float(i + 1); x.scalars[2 * i + 1] = Float(i) - 4 }
        var w = Tensor(zeros: [3, 3, 2])
        for tap in 0..<9 { w.scalars[2 * tap] = 1 }
        w.scalars[2 * 4 + 1] = 2
        let y = x.depthwiseConv2d(weights: w, bias: Tensor(shape: [2], scalars: [-40, 1]), padding: .same, activation: .relu6)
        // channel 0: box sums − 40, clipped to [0, 6]: only the centre (45 − 40 = 5) survives.
        XCTAssertEqual(stride(from: 0, to: 18, by: 2).map { y.scalars[$0] }, [0, 0, 0, 0, 5, 0, 0, 0, 0])
        // channel 1: 2·(i − 4) + 1 clipped.
        XCTAssertEqual(stride(from: 1, to: 18, by: 2).map { y.scalars[$0] }, [0, 0, 0, 0, 1, 3, 5, 6, 6])
    }

    func testDense() {
        let x = Tensor(shape: [2, 2], scalars: [1, 2, -1, 0])
        let w = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let y = x.dense(weights: w, bias: Tensor(shape: [3], scalars: [0.5, 0, -1]), activation: .relu)
        XCTAssertEqual(y.scalars, [9.5, 12, 14, 0, 0, 0])
    }
}
