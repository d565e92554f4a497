import Tensor

/// Convolution with a fused activation, trainable: `y = act(conv(x, W) + b)`.
///
/// Layouts: input `[N, H, W, Cin]` (NHWC), weight HWIO `[kH, kW, Cin, Cout]` (`.conv`) or
/// `[kH, kW, C]` (`.depthwise`, channel multiplier 1), bias `[Cout]`, output `[N, outH, outW, Cout]`.
/// Batch-norm is expected folded into `W` and `b` (it then trains as that per-channel affine, as
/// Keras fine-tunes with batch-norm layers in inference mode). Forward caches its input and its
/// output: backward needs `x` for `dW` and `y` for the activation's gradient.
public final class Convolution2D: ParameterGroup {
    public enum Kind: Sendable { case conv, depthwise }
    public let kind: Kind
    public let kernel: (height: Int, width: Int)
    public let stride: (height: Int, width: Int)
    public let padding: Padding
    public let activation: Activation
    public let inChannels: Int, outChannels: Int
    public let weight: Parameter
    public let bias: Parameter
    private var input: Tensor?      // [N, H, W, Cin]
    private var output: Tensor?     // [N, outH, outW, Cout], after the activation
    private var scratch: [Float] = []

    public init(name: String, kind: Kind, weight: Tensor, bias: Tensor, stride: (Int, Int), padding: Padding, activation: Activation) {
        precondition(kind == .conv ? weight.rank == 4 : weight.rank == 3, "Convolution2D \(name): weight \(weight.shape) does not fit \(kind)")
        self.kind = kind
        kernel = (weight.shape[0], weight.shape[1])
        inChannels = weight.shape[2]
        outChannels = kind == .conv ? weight.shape[3] : weight.shape[2]
        precondition(bias.shape == [outChannels], "Convolution2D \(name): bias \(bias.shape), expected [\(outChannels)]")
        self.stride = stride; self.padding = padding; self.activation = activation
        self.weight = Parameter(name: name + ".weight", value: weight)
        self.bias = Parameter(name: name + ".bias", value: bias)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func geometry(for x: Tensor) -> ConvGeometry {
        ConvGeometry(batch: x.shape[0], inHeight: x.shape[1], inWidth: x.shape[2], inChannels: inChannels, outChannels: outChannels,
                     kernelHeight: kernel.height, kernelWidth: kernel.width, strideHeight: stride.height, strideWidth: stride.width,
                     padding: padding)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[3] == inChannels, "Convolution2D: input \(x.shape) does not have \(inChannels) channels")
        let y = kind == .conv
            ? x.conv2d(weights: weight.value, bias: bias.value, stride: stride, padding: padding, activation: activation)
            : x.depthwiseConv2d(weights: weight.value, bias: bias.value, stride: stride, padding: padding, activation: activation)
        input = x; output = y
        return y
    }

    /// Takes `dL/dy` (after the activation), accumulates `dW`, `db`, returns `dL/dx`.
    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let x = input, let y = output else { preconditionFailure("Convolution2D.backward called before forward") }
        precondition(gradOutput.shape == y.shape, "Convolution2D.backward: gradient \(gradOutput.shape), expected \(y.shape)")
        let g = geometry(for: x)
        var dPre = Tensor(zeros: y.shape)   // dL/d(pre-activation)
        y.scalars.withUnsafeBufferPointer { yp in
            gradOutput.scalars.withUnsafeBufferPointer { dy in
                dPre.scalars.withUnsafeMutableBufferPointer { d in
                    Ops.activationBackward(output: yp.baseAddress!, dOutput: dy.baseAddress!, dInput: d.baseAddress!, count: y.count, activation)
                }
            }
        }
        var dx = Tensor(zeros: x.shape)
        if kind == .conv {
            let need = Ops.conv2dBackwardScratchCount(g)
            if scratch.count < need { scratch = [Float](repeating: 0, count: need) }
        }
        x.scalars.withUnsafeBufferPointer { xp in
            weight.value.scalars.withUnsafeBufferPointer { w in
                dPre.scalars.withUnsafeBufferPointer { d in
                    dx.scalars.withUnsafeMutableBufferPointer { dxp in
                        weight.gradient.scalars.withUnsafeMutableBufferPointer { dw in
                            bias.gradient.scalars.withUnsafeMutableBufferPointer { db in
                                if kind == .conv {
                                    scratch.withUnsafeMutableBufferPointer { s in
                                        Ops.conv2dBackward(input: xp.baseAddress!, weights: w.baseAddress!, dOutput: d.baseAddress!,
                                                           dInput: dxp.baseAddress!, dWeights: dw.baseAddress!, dBias: db.baseAddress!,
                                                           geometry: g, scratch: s.baseAddress)
                                    }
                                } else {
                                    Ops.depthwiseConv2dBackward(input: xp.baseAddress!, weights: w.baseAddress!, dOutput: d.baseAddress!,
                                                                dInput: dxp.baseAddress!, dWeights: dw.baseAddress!, dBias: db.baseAddress!,
                                                                geometry: g)
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}

/// Global average pooling `[N, H, W, C]` → `[N, C]`, with its backward.
public final class GlobalAveragePool {
    private var inputShape: [Int] = []

    public init() {}

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4, "GlobalAveragePool: expected [N, H, W, C], got \(x.shape)")
        inputShape = x.shape
        var y = Tensor(zeros: [x.shape[0], x.shape[3]])
        x.scalars.withUnsafeBufferPointer { xp in
            y.scalars.withUnsafeMutableBufferPointer { yp in
                Ops.globalAvgPool(input: xp.baseAddress!, output: yp.baseAddress!, batch: x.shape[0], height: x.shape[1],
                                  width: x.shape[2], channels: x.shape[3])
            }
        }
        return y
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        var dx = Tensor(zeros: inputShape)
        gradOutput.scalars.withUnsafeBufferPointer { dy in
            dx.scalars.withUnsafeMutableBufferPointer { d in
                Ops.globalAvgPoolBackward(dOutput: dy.baseAddress!, dInput: d.baseAddress!, batch: inputShape[0],
                                          height: inputShape[1], width: inputShape[2], channels: inputShape[3])
            }
        }
        return dx
    }
}
