import Foundation
import Layers
import Tensor
import XCTest

final class TrainingToolsTests: XCTestCase {
    func testAdamFollowsKerasUpdateRule() {
        let p = Parameter(name: "p", value: Tensor(shape: [2], scalars: [1, -2]))
        let adam = Adam(learningRate: 0.1)
        var m: [Double] = [0, 0], v: [Double] = [0, 0], w: [Double] = [1, -2]
        let grads: [[Double]] = [[0.5, -1], [0.25, 2], [-0.1, 0.3]]
        for (t, g) in grads.enumerated() {
            p.gradient = Tensor(shape: [2], scalars: g.map(Float.init))
            adam.update([p])
            let step = Double(t + 1)
            let alpha = 0.1 * (1 - pow(0.999, step)).squareRoot() / (1 - pow(0.9, step))
            for i in 0..<2 {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                w[i] -= alpha * m[i] / (v[i].squareRoot() + 1e-7)
            }
            XCTAssertEqual(Double(p.value.scalars[0]), w[0], accuracy: 1e-5)
            XCTAssertEqual(Double(p.value.scalars[1]), w[1], accuracy: 1e-5)
        }
        XCTAssertEqual(adam.step, 3)
    }

    func testAdamMinimisesAQuadratic() {
        let p = Parameter(name: "p", value: Tensor(shape: [3], scalars: [3, -4, 5]))
        let adam = Adam(learningRate: 0.05)
        for _ in 0..<600 {
            p.gradient = Tensor(shape: [3], scalars: p.value.scalars.map { 2 * ($0 - 1) })
            adam.update([p])
        }
        XCTAssertLessThan(p.value.maxAbsDifference(Tensor(repeating: 1, shape: [3])), 0.05)
    }

    func testDropoutScalesSurvivorsAndIsIdentityInEvaluation() {
        let dropout = Dropout(rate: 0.25, seed: 9)
        let x = Tensor(repeating: 2, shape: [100, 40])
        XCTAssertEqual(dropout(x), x, "evaluation mode is the identity")
        dropout.training = true
        let y = dropout(x)
        let zeros = y.scalars.filter { $0 == 0 }.count
        XCTAssertEqual(Double(zeros) / Double(x.count), 0.25, accuracy: 0.02)
        XCTAssertTrue(y.scalars.allSatisfy { $0 == 0 || abs($0 - 2 / 0.75) < 1e-6 })
        let dx = dropout.backward(Tensor(repeating: 1, shape: [100, 40]))
        for i in 0..<x.count { XCTAssertEqual(dx.scalars[i], y.scalars[i] / 2) }
        // The same seed reproduces the same mask.
        let again = Dropout(rate: 0.25, seed: 9); again.training = true
        XCTAssertEqual(again(x), y)
    }

    func testReduceLROnPlateauHalvesAfterPatienceAndRespectsTheFloor() {
        var schedule = ReduceLROnPlateau(factor: 0.5, patience: 2, minLearningRate: 0.02, mode: .min)
        var lr: Float = 0.1
        let losses: [Float] = [1.0, 0.9, 0.95, 0.91, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9]
        var seen: [Float] = []
        for l in losses { lr = schedule.step(l, learningRate: lr); seen.append(lr) }
        XCTAssertEqual(seen, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02])
    }

    func testEarlyStoppingStopsAfterPatienceEpochsWithoutImprovement() {
        var stopper = EarlyStopping(patience: 3, mode: .max)
        let accuracies: [Float] = [0.5, 0.6, 0.6, 0.7, 0.65, 0.69, 0.7]
        var decisions: [EarlyStopping.Decision] = []
        for (epoch, a) in accuracies.enumerated() { decisions.append(stopper.step(a, epoch: epoch)) }
        XCTAssertEqual(decisions, [.improved, .improved, .wait, .improved, .wait, .wait, .stop])
        XCTAssertEqual(stopper.bestEpoch, 3)
        XCTAssertEqual(stopper.best, 0.7)
    }

    func testSnapshotRestoresBestWeights() {
        var rng = SeededRandom(seed: 1)
        let dense = Dense(inputFeatures: 2, outputFeatures: 2, rng: &rng)
        let best = dense.snapshot()
        dense.weight.value = Tensor(zeros: [2, 2])
        dense.restore(best)
        XCTAssertEqual(dense.weight.value, best[0])
    }
}
