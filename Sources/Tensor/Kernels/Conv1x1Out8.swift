/// Linear 1×1 convolution (a dense layer per pixel) to at most 8 output channels, NHWC: P-Net's
/// two heads (32 → 2 + 4) over every map position. `DirectConvPReLU` computes 16 output channels
/// per vector and would waste 10 of 16 lanes here; this kernel keeps one pixel's outputs in one
/// 8-lane vector, 8 pixels per block (8 accumulators, one weight row load and 8 broadcasts per input
/// channel). A pixel's 8-lane store runs into the next pixels' first channels, which are written
/// after it; pixels less than 8 floats from the end of the output store only their own channels.
public enum Conv1x1Out8 {
    /// 1×1, stride 1, no padding, at most 8 output channels.
    public static func applies(_ g: ConvGeometry) -> Bool {
        g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1
            && g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0 && g.outChannels <= 8
    }

    /// input `[N, H, W, Cin]`, weights `[Cin, weightStride]` (the first 8 columns are read: output
    /// channels padded with zeros to ≥ 8, as `DirectConvPReLU` stores them), bias `[≥ 8]` (zero
    /// padded); output `[N, H, W, Cout]`.
    public static func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, weightStride: Int,
                           bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry) {
        precondition(applies(g) && weightStride >= 8, "Conv1x1Out8: 1×1 convolutions to ≤ 8 channels only (\(g))")
        let cin = g.inChannels, cout = g.outChannels
        let total = g.batch * g.outHeight * g.outWidth
        let b = SIMD8<Float>(loading: bias)
        var p = 0
        // Blocks whose last pixel still has 8 floats of output ahead of it.
        while p + 8 <= total && (total - p - 7) * cout >= 8 {
            let x = input + p * cin
            var a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b
            var w = weights
            for i in 0..<cin {
                let wv = SIMD8<Float>(loading: w)
                a0 = a0.addingProduct(SIMD8(repeating: x[i]), wv)
                a1 = a1.addingProduct(SIMD8(repeating: x[cin + i]), wv)
                a2 = a2.addingProduct(SIMD8(repeating: x[2 * cin + i]), wv)
                a3 = a3.addingProduct(SIMD8(repeating: x[3 * cin + i]), wv)
                a4 = a4.addingProduct(SIMD8(repeating: x[4 * cin + i]), wv)
                a5 = a5.addingProduct(SIMD8(repeating: x[5 * cin + i]), wv)
                a6 = a6.addingProduct(SIMD8(repeating: x[6 * cin + i]), wv)
                a7 = a7.addingProduct(SIMD8(repeating: x[7 * cin + i]), wv)
                w += weightStride
            }
            let o = output + p * cout
            a0.store(to: o); a1.store(to: o + cout); a2.store(to: o + 2 * cout); a3.store(to: o + 3 * cout)
            a4.store(to: o + 4 * cout); a5.store(to: o + 5 * cout); a6.store(to: o + 6 * cout); a7.store(to: o + 7 * cout)
            p += 8
        }
        // The rest one pixel at a time.
        while p < total {
            let x = input + p * cin
            var a = b
            var w = weights
            for i in 0..<cin {
                a = a.addingProduct(SIMD8(repeating: x[i]), SIMD8<Float>(loading: w))
                w += weightStride
            }
            let o = output + p * cout
            if (total - p) * cout >= 8 {
                a.store(to: o)
            } else {
                for c in 0..<cout { o[c] = a[c] }
            }
            p += 1
        }
    }
}
