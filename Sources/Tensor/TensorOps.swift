/// Allocating conveniences over `Ops` for tests, tools and code off the hot path.
/// Hot paths call `Ops` with buffers they allocated once.
extension Tensor {
    /// Convolution of an NHWC tensor with HWIO `weights` `[kH, kW, Cin, Cout]`.
    public func conv2d(weights: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                       padding: Padding = .valid, activation: Activation = .linear) -> Tensor {
        precondition(rank == 4 && weights.rank == 4 && weights.shape[2] == shape[3],
                     "conv2d: input \(shape) and weights \(weights.shape) do not match (NHWC, HWIO)")
        let g = ConvGeometry(batch: shape[0], inHeight: shape[1], inWidth: shape[2], inChannels: shape[3],
                             outChannels: weights.shape[3], kernelHeight: weights.shape[0], kernelWidth: weights.shape[1],
                             strideHeight: stride.0, strideWidth: stride.1, padding: padding)
        var out = Tensor(zeros: g.outputShape)
        var scratch = [Float](repeating: 0, count: Ops.conv2dScratchCount(g))
        scalars.withUnsafeBufferPointer { x in
            weights.scalars.withUnsafeBufferPointer { w in
                out.scalars.withUnsafeMutableBufferPointer { o in
                    scratch.withUnsafeMutableBufferPointer { s in
                        withOptionalPointer(bias) { b in
                            Ops.conv2d(input: x.baseAddress!, weights: w.baseAddress!, bias: b, output: o.baseAddress!,
                                       geometry: g, activation: activation, scratch: s.baseAddress)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Depthwise convolution (multiplier 1) with `weights` `[kH, kW, C]`.
    public func depthwiseConv2d(weights: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                                padding: Padding = .valid, activation: Activation = .linear) -> Tensor {
        precondition(rank == 4 && weights.rank == 3 && weights.shape[2] == shape[3],
                     "depthwiseConv2d: input \(shape) and weights \(weights.shape) do not match (NHWC, HWC)")
        let g = ConvGeometry(batch: shape[0], inHeight: shape[1], inWidth: shape[2], inChannels: shape[3],
                             outChannels: shape[3], kernelHeight: weights.shape[0], kernelWidth: weights.shape[1],
                             strideHeight: stride.0, strideWidth: stride.1, padding: padding)
        var out = Tensor(zeros: g.outputShape)
        scalars.withUnsafeBufferPointer { x in
            weights.scalars.withUnsafeBufferPointer { w in
                out.scalars.withUnsafeMutableBufferPointer { o in
                    withOptionalPointer(bias) { b in
                        Ops.depthwiseConv2d(input: x.baseAddress!, weights: w.baseAddress!, bias: b, output: o.baseAddress!,
                                            geometry: g, activation: activation)
                    }
                }
            }
        }
        return out
    }

    /// Dense layer: `[N, In]` × `[In, Out]`.
    public func dense(weights: Tensor, bias: Tensor? = nil, activation: Activation = .linear) -> Tensor {
        precondition(rank == 2 && weights.rank == 2 && weights.shape[0] == shape[1],
                     "dense: input \(shape) and weights \(weights.shape) do not match")
        var out = Tensor(zeros: [shape[0], weights.shape[1]])
        scalars.withUnsafeBufferPointer { x in
            weights.scalars.withUnsafeBufferPointer { w in
                out.scalars.withUnsafeMutableBufferPointer { o in
                    withOptionalPointer(bias) { b in
                        Ops.dense(input: x.baseAddress!, weights: w.baseAddress!, bias: b, output: o.baseAddress!,
                                  batch: shape[0], inFeatures: shape[1], outFeatures: weights.shape[1], activation: activation)
                    }
                }
            }
        }
        return out
    }
}

/// Calls `body` with a pointer to `tensor`'s storage, or nil.
@inline(__always)
public func withOptionalPointer<R>(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let tensor else { return body(nil) }
    return tensor.scalars.withUnsafeBufferPointer { body($0.baseAddress) }
}

extension Tensor {
    /// Max pooling of an NHWC tensor (`ceilMode` as caffe / PyTorch `ceil_mode=True`).
    public func maxPool2d(size: (Int, Int), stride: (Int, Int), padding: Padding = .valid, ceilMode: Bool = false) -> Tensor {
        let g = poolGeometry(size: size, stride: stride, padding: padding, ceilMode: ceilMode)
        var out = Tensor(zeros: g.outputShape)
        out.scalars.withUnsafeMutableBufferPointer { Ops.maxPool2d(input: scalars, output: $0.baseAddress!, geometry: g) }
        return out
    }

    /// Average pooling of an NHWC tensor; `countPadding` as PyTorch `count_include_pad`.
    public func avgPool2d(size: (Int, Int), stride: (Int, Int), padding: Padding = .valid, ceilMode: Bool = false,
                          countPadding: Bool = false) -> Tensor {
        let g = poolGeometry(size: size, stride: stride, padding: padding, ceilMode: ceilMode)
        var out = Tensor(zeros: g.outputShape)
        out.scalars.withUnsafeMutableBufferPointer {
            Ops.avgPool2d(input: scalars, output: $0.baseAddress!, geometry: g, countPadding: countPadding)
        }
        return out
    }

    /// Global average pooling: `[N, H, W, C]` → `[N, C]`.
    public func globalAvgPool() -> Tensor {
        precondition(rank == 4, "globalAvgPool: expected NHWC, got \(shape)")
        var out = Tensor(zeros: [shape[0], shape[3]])
        out.scalars.withUnsafeMutableBufferPointer {
            Ops.globalAvgPool(input: scalars, output: $0.baseAddress!, batch: shape[0], height: shape[1], width: shape[2],
                              channels: shape[3])
        }
        return out
    }

    public func poolGeometry(size: (Int, Int), stride: (Int, Int), padding: Padding, ceilMode: Bool) -> ConvGeometry {
        precondition(rank == 4, "pooling: expected NHWC, got \(shape)")
        return ConvGeometry(batch: shape[0], inHeight: shape[1], inWidth: shape[2], inChannels: shape[3],
                            outChannels: shape[3], kernelHeight: size.0, kernelWidth: size.1, strideHeight: stride.0,
                            strideWidth: stride.1, padding: padding, ceilMode: ceilMode)
    }
}
