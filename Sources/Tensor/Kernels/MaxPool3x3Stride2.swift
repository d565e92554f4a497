/// 3×3 stride-2 max pooling without padding, NHWC, as R-Net and O-Net pool after their first
/// convolutions (caffe/PyTorch ceil mode: the last window may hang over the bottom/right edge).
/// `Ops.maxPool2d` is the general kernel (and `Naive.maxPool2d` the oracle); this one drops its
/// per-window range arithmetic and channel-width dispatch: an overhanging window reads its last
/// row/column again (a repeat cannot change a maximum), and channels go 8 at a time, the last
/// chunk starting at C − 8 (it overlaps the one before and writes the same values).
public enum MaxPool3x3Stride2 {
    /// 3×3, stride 2, no padding, ≥ 8 channels; any output size (floor or ceil mode).
    public static func applies(_ g: ConvGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 2 && g.strideWidth == 2
            && g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0 && g.inChannels >= 8
    }

    /// input `[N, H, W, C]` → output `[N, outH, outW, C]` (sizes of `g`).
    public static func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry) {
        precondition(applies(g), "MaxPool3x3Stride2: 3×3 stride-2 unpadded pooling of ≥ 8 channels only (\(g))")
        let c = g.inChannels, row = g.inWidth * c
        var out = output
        for n in 0..<g.batch {
            let image = input + n * g.inHeight * row
            for oy in 0..<g.outHeight {
                let r0 = image + 2 * oy * row
                let r1 = image + min(2 * oy + 1, g.inHeight - 1) * row
                let r2 = image + min(2 * oy + 2, g.inHeight - 1) * row
                for ox in 0..<g.outWidth {
                    let x0 = 2 * ox * c, x1 = min(2 * ox + 1, g.inWidth - 1) * c, x2 = min(2 * ox + 2, g.inWidth - 1) * c
                    var ch = 0
                    while ch < c {
                        let k = min(ch, c - 8)
                        @inline(__always) func rowMax(_ r: UnsafePointer<Float>) -> SIMD8<Float> {
                            SIMD8(loading: r + x0 + k).maximum(SIMD8(loading: r + x1 + k)).maximum(SIMD8(loading: r + x2 + k))
                        }
                        rowMax(r0).maximum(rowMax(r1)).maximum(rowMax(r2)).store(to: out + k)
                        ch += 8
                    }
                    out += c
                }
            }
        }
    }
}
