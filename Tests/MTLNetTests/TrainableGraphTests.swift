import Layers
import MTLNet
import Tensor
import XCTest

/// `TrainableGraph` backward against central differences on a tiny random graph that uses every
/// operation (conv, depthwise, max and average pool, add, concat — nested —, global pool) and a
/// value that reaches nothing.
final class TrainableGraphTests: XCTestCase {
    func tinyGraph(_ rng: inout SeededRandom) -> TrainableGraph {
        func conv(_ name: String, _ kind: Convolution2D.Kind, _ k: Int, _ cin: Int, _ cout: Int, stride: Int, _ act: Activation) -> TrainableGraph.Operation {
            let shape = kind == .conv ? [k, k, cin, cout] : [k, k, cin]
            return .conv(Convolution2D(name: name, kind: kind, weight: Tensor(randomUniform: shape, in: -0.5...0.5, using: &rng),
                                       bias: Tensor(randomUniform: [cout], in: -0.2...0.2, using: &rng),
                                       stride: (stride, stride), padding: .same, activation: act))
        }
        typealias N = TrainableGraph.Node
        return TrainableGraph(nodes: [
            N(conv("c1", .conv, 3, 3, 4, stride: 1, .relu), inputs: [0], output: 1),            // [2, 6, 6, 4]
            N(conv("d2", .depthwise, 3, 4, 4, stride: 2, .linear), inputs: [1], output: 2),      // [2, 3, 3, 4]
            N(conv("unused", .conv, 1, 4, 2, stride: 1, .linear), inputs: [1], output: 3),       // reaches nothing
            N(.pool(max: true, size: 3, stride: 2, padding: .same), inputs: [1], output: 4),     // [2, 3, 3, 4]
            N(.pool(max: false, size: 3, stride: 1, padding: .same), inputs: [2], output: 5),    // [2, 3, 3, 4]
            N(conv("c6", .conv, 1, 4, 4, stride: 1, .linear), inputs: [4], output: 6),           // [2, 3, 3, 4]
            N(.concat, inputs: [5, 6], output: 7),                                                 // [2, 3, 3, 8]
            N(.add, inputs: [2, 6], output: 8),                                                    // [2, 3, 3, 4]
            N(.concat, inputs: [7, 8], output: 9),                                                 // [2, 3, 3, 12]
            N(.globalAveragePool, inputs: [9], output: 10),                                        // [2, 12]
        ], output: 10)
    }

    func testBackwardMatchesFiniteDifferences() {
        var rng = SeededRandom(seed: 5)
        let graph = tinyGraph(&rng)
        var values = [Float]()
        for i in 0..<(2 * 6 * 6 * 3) { values.append(Float(i) * 0.02 - 2.1) }  // distinct: no max-pool ties
        values.shuffle(using: &rng)
        let x = Tensor(shape: [2, 6, 6, 3], scalars: values)
        let r = Tensor(randomUniform: [2, 12], in: -1...1, using: &rng)
        func loss(_ input: Tensor) -> Double {
            let y = graph(input)
            return zip(y.scalars, r.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        XCTAssertEqual(graph(x).shape, [2, 12])
        graph.zeroGradients()
        let dx = graph.backward(r)
        let eps: Float = 1e-2
        func numeric(_ perturb: (Float) -> Void) -> Double {
            perturb(eps)
            let up: Double = loss(x)
            perturb(-2 * eps)
            let down: Double = loss(x)
            perturb(eps)
            return (up - down) / Double(2 * eps)
        }
        var checked = 0
        for i in stride(from: 0, to: x.count, by: 7) {
            var xp = x, xm = x
            xp.scalars[i] += eps; xm.scalars[i] -= eps
            let n = (loss(xp) - loss(xm)) / Double(2 * eps)
            XCTAssertEqual(Double(dx.scalars[i]), n, accuracy: 2e-3 * max(1, abs(n)), "dx[\(i)]")
            if abs(n) > 1e-5 { checked += 1 }
        }
        for p in graph.parameters {
            for i in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 12)) {
                let n = numeric { p.value.scalars[i] += $0 }
                let exact = Double(p.gradient.scalars[i])
                XCTAssertEqual(exact, n, accuracy: 2e-3 * max(1, abs(n)), "\(p.name)[\(i)]")
                if abs(n) > 1e-5 { checked += 1 }
            }
        }
        XCTAssertGreaterThan(checked, 40, "too few non-zero gradients: the check proves little")
        // The convolution whose output reaches nothing gets no gradient.
        let unused = graph.parameters.filter { $0.name.hasPrefix("unused") }
        XCTAssertEqual(unused.count, 2)
        for p in unused { XCTAssertEqual(p.gradient.scalars.map(abs).max(), 0) }
    }
}
