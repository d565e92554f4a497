import Layers
import Tensor
import XCTest

final class ConvolutionLayerTests: XCTestCase {
    /// conv / depthwise (with fused activation) → global average pool, L = Σ pooled·r, checked
    /// against finite differences for the input, the weights and the bias.
    func check(kind: Convolution2D.Kind, kernel: Int, stride: Int, padding: Padding, activation: Activation, seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        let cin = 3, cout = kind == .conv ? 4 : 3
        let w = Tensor(randomUniform: kind == .conv ? [kernel, kernel, cin, cout] : [kernel, kernel, cin], in: -0.5...0.5, using: &rng)
        let layer = Convolution2D(name: "c", kind: kind, weight: w, bias: Tensor(randomUniform: [cout], in: -0.2...0.2, using: &rng),
                                  stride: (stride, stride), padding: padding, activation: activation)
        let pool = GlobalAveragePool()
        let x = Tensor(randomUniform: [2, 5, 5, cin], using: &rng)
        let r = Tensor(randomUniform: [2, cout], using: &rng)
        func loss(_ input: Tensor) -> Float { zip(pool(layer(input)).scalars, r.scalars).reduce(0) { $0 + $1.0 * $1.1 } }
        _ = loss(x)
        layer.zeroGradients()
        let dx = layer.backward(pool.backward(r))
        checkGradient(x, analytic: dx, step: 1e-3) { loss($0) }
        let w0 = layer.weight.value, b0 = layer.bias.value
        checkGradient(w0, analytic: layer.weight.gradient, step: 1e-3) { v in
            layer.weight.value = v; defer { layer.weight.value = w0 }
            return loss(x)
        }
        checkGradient(b0, analytic: layer.bias.gradient, step: 1e-3) { v in
            layer.bias.value = v; defer { layer.bias.value = b0 }
            return loss(x)
        }
    }

    func testConvolutionGradients() {
        check(kind: .conv, kernel: 3, stride: 2, padding: .same, activation: .linear, seed: 1)
        check(kind: .conv, kernel: 1, stride: 1, padding: .valid, activation: .relu6, seed: 2)
    }

    func testDepthwiseGradients() {
        check(kind: .depthwise, kernel: 3, stride: 1, padding: .same, activation: .relu6, seed: 3)
        check(kind: .depthwise, kernel: 3, stride: 2, padding: .valid, activation: .linear, seed: 4)
    }
}
