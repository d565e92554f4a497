import Layers
import Tensor
import XCTest

final class LayerGradientTests: XCTestCase {
    func testDenseBackwardMatchesFiniteDifferences() {
        var rng = SeededRandom(seed: 3)
        let dense = Dense(inputFeatures: 7, outputFeatures: 5, rng: &rng)
        dense.bias.value = Tensor(randomUniform: [5], using: &rng)
        let x = Tensor(randomUniform: [4, 7], using: &rng)
        let r = Tensor(randomUniform: [4, 5], using: &rng)   // L = Σ y·r, so dL/dy = r
        func loss(_ y: Tensor) -> Float { zip(y.scalars, r.scalars).reduce(0) { $0 + $1.0 * $1.1 } }

        _ = dense(x)
        dense.zeroGradients()
        let dx = dense.backward(r)
        let w0 = dense.weight.value, b0 = dense.bias.value
        checkGradient(x, analytic: dx) { loss(dense($0)) }
        checkGradient(w0, analytic: dense.weight.gradient) { w in
            dense.weight.value = w; defer { dense.weight.value = w0 }
            return loss(dense(x))
        }
        checkGradient(b0, analytic: dense.bias.gradient) { b in
            dense.bias.value = b; defer { dense.bias.value = b0 }
            return loss(dense(x))
        }
    }

    func testDenseForwardIsXWPlusB() {
        var rng = SeededRandom(seed: 4)
        let dense = Dense(inputFeatures: 3, outputFeatures: 2, rng: &rng)
        dense.weight.value = Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        dense.bias.value = Tensor(shape: [2], scalars: [0.5, -1])
        let y = dense(Tensor(shape: [1, 3], scalars: [1, 0, -1]))
        XCTAssertEqual(y.scalars, [1 - 5 + 0.5, 2 - 6 - 1])
    }

    func testGradientsAccumulateUntilZeroed() {
        var rng = SeededRandom(seed: 5)
        let dense = Dense(inputFeatures: 3, outputFeatures: 2, rng: &rng)
        let x = Tensor(randomUniform: [2, 3], using: &rng), dy = Tensor(randomUniform: [2, 2], using: &rng)
        _ = dense(x); dense.zeroGradients(); dense.backward(dy)
        let once = dense.weight.gradient
        _ = dense(x); dense.backward(dy)
        XCTAssertLessThan(dense.weight.gradient.maxAbsDifference(Tensor(shape: once.shape, scalars: once.scalars.map { 2 * $0 })), 1e-6)
        dense.zeroGradients()
        XCTAssertEqual(dense.weight.gradient.scalars.max(), 0)
    }

    func testReLUBackward() {
        let relu = ReLU()
        let y = relu(Tensor(shape: [1, 4], scalars: [-1, 2, 0, 3]))
        XCTAssertEqual(y.scalars, [0, 2, 0, 3])
        XCTAssertEqual(relu.backward(Tensor(shape: [1, 4], scalars: [5, 6, 7, 8])).scalars, [0, 6, 0, 8])
    }

    func testMaskedCrossEntropyGradientMatchesFiniteDifferences() {
        var rng = SeededRandom(seed: 6)
        let logits = Tensor(randomUniform: [5, 4], in: -3...3, using: &rng)
        let labels = [2, Loss.missing, 0, 3, Loss.missing]
        let result = Loss.maskedSparseCrossEntropy(logits: logits, labels: labels)
        XCTAssertEqual(result.present, 3)
        checkGradient(logits, analytic: result.gradient, step: 1e-2, tolerance: 1e-2) {
            Loss.maskedSparseCrossEntropy(logits: $0, labels: labels).loss
        }
        // Missing rows get no gradient at all.
        for j in 0..<4 {
            XCTAssertEqual(result.gradient[1, j], 0)
            XCTAssertEqual(result.gradient[4, j], 0)
        }
    }

    func testLabelSmoothingGradientMatchesFiniteDifferencesAndItsValue() {
        var rng = SeededRandom(seed: 16)
        let logits = Tensor(randomUniform: [4, 5], in: -3...3, using: &rng)
        let labels = [4, 0, Loss.missing, 2]
        let r = Loss.maskedSparseCrossEntropy(logits: logits, labels: labels, smoothing: 0.2)
        checkGradient(logits, analytic: r.gradient, step: 1e-2, tolerance: 1e-2) {
            Loss.maskedSparseCrossEntropy(logits: $0, labels: labels, smoothing: 0.2).loss
        }
        // By hand: −Σ_j t_j log p_j with t = 0.8·onehot + 0.2/5, averaged over the 3 labelled rows.
        var expected: Double = 0
        for (row, y) in [(0, 4), (1, 0), (3, 2)] {
            let z = (0..<5).map { Double(logits[row, $0]) }
            let logSum = log(z.map(exp).reduce(0, +))
            for j in 0..<5 { expected -= ((j == y ? 0.8 : 0) + 0.04) * (z[j] - logSum) }
        }
        XCTAssertEqual(Double(r.loss), expected / 3, accuracy: 1e-5)
        // A confident right answer now costs something: smoothing keeps logits from growing forever.
        let sure = Tensor(shape: [1, 2], scalars: [20, -20])
        XCTAssertEqual(Loss.maskedSparseCrossEntropy(logits: sure, labels: [0]).loss, 0, accuracy: 1e-6)
        XCTAssertGreaterThan(Loss.maskedSparseCrossEntropy(logits: sure, labels: [0], smoothing: 0.1).loss, 1)
    }

    func testMaskedCrossEntropyValueIsMeanOverPresentLabels() {
        // Row 0: logits (0, ln 3) → p = (1/4, 3/4), label 1 → −ln(3/4). Row 1 missing. Row 2: uniform over 2 → ln 2.
        let logits = Tensor(shape: [3, 2], scalars: [0, log(3), 100, -100, 7, 7])
        let r = Loss.maskedSparseCrossEntropy(logits: logits, labels: [1, Loss.missing, 0])
        XCTAssertEqual(r.loss, (-log(Float(0.75)) + log(Float(2))) / 2, accuracy: 1e-6)
        XCTAssertEqual(r.present, 2)
    }

    func testMaskedCrossEntropyIsStableForHugeLogitsAndEmptyMasks() {
        let huge = Tensor(shape: [1, 3], scalars: [1e4, -1e4, 0])
        let r = Loss.maskedSparseCrossEntropy(logits: huge, labels: [1])
        XCTAssertEqual(r.loss, 2e4, accuracy: 1)
        XCTAssertTrue(r.gradient.scalars.allSatisfy { $0.isFinite })
        let none = Loss.maskedSparseCrossEntropy(logits: huge, labels: [Loss.missing])
        XCTAssertEqual(none.loss, 0)
        XCTAssertEqual(none.present, 0)
        XCTAssertEqual(none.gradient.scalars, [0, 0, 0])
    }
}
