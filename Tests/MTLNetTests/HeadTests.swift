import Layers
import MTLNet
import Tensor
import XCTest

final class HeadTests: XCTestCase {
    /// The whole head (shared dense, ReLU, dropout, task heads, masked losses summed) against
    /// central finite differences, for the input features and every parameter.
    func testWholeHeadGradientMatchesFiniteDifferences() {
        let head = MultiTaskHead(featureCount: 6, hidden: 5, classCounts: [4, 3], dropout: 0.5, seed: 2)
        var rng = SeededRandom(seed: 8)
        for p in head.parameters where p.name.hasSuffix("bias") { p.value = Tensor(randomUniform: p.value.shape, in: -0.3...0.3, using: &rng) }
        let x = Tensor(randomUniform: [5, 6], using: &rng)
        let labels = [[0, 3, Loss.missing, 1, 2], [Loss.missing, 2, 0, Loss.missing, 1]]
        func loss(_ features: Tensor) -> Float {
            let logits = head(features)
            return zip(logits, labels).reduce(0) { $0 + Loss.maskedSparseCrossEntropy(logits: $1.0, labels: $1.1).loss }
        }
        head.training = false
        let total = head.lossAndGradients(features: x, labels: labels).total
        XCTAssertEqual(total, loss(x), accuracy: 1e-6)
        head.zeroGradients()
        let logits = head(x)
        let dx = head.backward(zip(logits, labels).map { Loss.maskedSparseCrossEntropy(logits: $0.0, labels: $0.1).gradient })
        checkHeadGradient(x, analytic: dx, loss)
        for p in head.parameters {
            let original = p.value, analytic = p.gradient
            checkHeadGradient(original, analytic: analytic) { v in
                p.value = v; defer { p.value = original }
                return loss(x)
            }
        }
    }

    func checkHeadGradient(_ x: Tensor, analytic: Tensor, _ f: (Tensor) -> Float, line: UInt = #line) {
        let h: Float = 1e-3
        let scale = max(analytic.scalars.map(abs).max() ?? 0, 1e-3)
        var worst: Float = 0
        for i in 0..<x.count {
            var plus = x, minus = x
            plus.scalars[i] += h; minus.scalars[i] -= h
            worst = max(worst, abs((f(plus) - f(minus)) / (2 * h) - analytic.scalars[i]) / scale)
        }
        XCTAssertLessThan(worst, 2e-2, line: line)
    }

    func testDropoutOnlyWhileTraining() {
        let head = MultiTaskHead(featureCount: 8, classCounts: [3], dropout: 0.5, seed: 1)
        var rng = SeededRandom(seed: 1)
        let x = Tensor(randomUniform: [4, 8], using: &rng)
        head.training = false
        XCTAssertEqual(head(x)[0], head(x)[0])
        head.training = true
        XCTAssertNotEqual(head(x)[0], head(x)[0])
        let p = head.probabilities(Tensor(randomUniform: [4, 8], using: &rng))[0]
        for r in 0..<4 { XCTAssertEqual((0..<3).reduce(0) { $0 + p[r, $1] }, 1, accuracy: 1e-5) }
    }
}
