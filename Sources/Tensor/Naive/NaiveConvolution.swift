/// Plain reference kernels. They are the test oracle for every optimised kernel and the fallback
/// for shapes no specialised kernel handles. Keep them obvious; never optimise them.
public enum Naive {}

extension Naive {
    /// Convolution. input `[N, H, W, Cin]`, weights `[kH, kW, Cin, Cout]` (HWIO, as Keras),
    /// bias `[Cout]` or nil, output `[N, outH, outW, Cout]`.
    public static func conv2d(input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                              geometry g: ConvGeometry, activation: Activation = .linear) {
        let cin = g.inChannels, cout = g.outChannels
        for n in 0..<g.batch {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    let o = output + ((n * g.outHeight + oy) * g.outWidth + ox) * cout
                    for co in 0..<cout { o[co] = bias?[co] ?? 0 }
                    for ky in 0..<g.kernelHeight {
                        let iy = oy * g.strideHeight - g.padTop + ky
                        if iy < 0 || iy >= g.inHeight { continue }
                        for kx in 0..<g.kernelWidth {
                            let ix = ox * g.strideWidth - g.padLeft + kx
                            if ix < 0 || ix >= g.inWidth { continue }
                            let x = input + ((n * g.inHeight + iy) * g.inWidth + ix) * cin
                            let w = weights + (ky * g.kernelWidth + kx) * cin * cout
                            for ci in 0..<cin {
                                for co in 0..<cout { o[co] += x[ci] * w[ci * cout + co] }
                            }
                        }
                    }
                    for co in 0..<cout { o[co] = activate(o[co], activation) }
                }
            }
        }
    }

    /// Depthwise convolution, channel multiplier 1. input `[N, H, W, C]`, weights `[kH, kW, C]`,
    /// bias `[C]` or nil, output `[N, outH, outW, C]` (`geometry.outChannels == inChannels`).
    public static func depthwiseConv2d(input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                       bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                       geometry g: ConvGeometry, activation: Activation = .linear) {
        precondition(g.inChannels == g.outChannels, "depthwise: channel multiplier must be 1")
        let c = g.inChannels
        for n in 0..<g.batch {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    let o = output + ((n * g.outHeight + oy) * g.outWidth + ox) * c
                    for ch in 0..<c {
                        var acc = bias?[ch] ?? 0
                        for ky in 0..<g.kernelHeight {
                            let iy = oy * g.strideHeight - g.padTop + ky
                            if iy < 0 || iy >= g.inHeight { continue }
                            for kx in 0..<g.kernelWidth {
                                let ix = ox * g.strideWidth - g.padLeft + kx
                                if ix < 0 || ix >= g.inWidth { continue }
                                acc += input[((n * g.inHeight + iy) * g.inWidth + ix) * c + ch]
                                    * weights[(ky * g.kernelWidth + kx) * c + ch]
                            }
                        }
                        o[ch] = activate(acc, activation)
                    }
                }
            }
        }
    }

    /// Dense layer. input `[N, In]`, weights `[In, Out]` (as Keras), bias `[Out]` or nil, output `[N, Out]`.
    public static func dense(input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                             bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                             batch: Int, inFeatures: Int, outFeatures: Int, activation: Activation = .linear) {
        for n in 0..<batch {
            for o in 0..<outFeatures {
                var acc = bias?[o] ?? 0
                for i in 0..<inFeatures { acc += input[n * inFeatures + i] * weights[i * outFeatures + o] }
                output[n * outFeatures + o] = activate(acc, activation)
            }
        }
    }

    @inline(__always)
    static func activate(_ x: Float, _ a: Activation) -> Float {
        switch a {
        case .linear: return x
        case .relu: return max(x, 0)
        case .relu6: return min(max(x, 0), 6)
        }
    }
}
