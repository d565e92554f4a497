/// Direct (no im2col) NHWC convolution for few output channels, with bias and an optional
/// per-channel PReLU fused into the store. Made for MTCNN, whose layers have 10–128 output
/// channels and tiny inputs: there im2col copies every input k² times and sgemm then packs that
/// copy again, which costs more than the arithmetic.
///
/// Blocking: 6 output pixels × 16 output channels in 12 registers (SIMD16 = 2 AVX2 / 4 NEON
/// registers); per input value one broadcast and two FMAs per pixel, HWIO weights read
/// contiguously. Without padding a kernel row of the input is `kW·Cin` consecutive floats.
/// Weights, bias and alpha are stored with the output channels padded with zeros to a multiple
/// of 16 (`paddedChannels`); the output has exactly `outChannels`.
public enum DirectConvPReLU {
    /// Output channels rounded up to the 16-wide blocks the kernel computes.
    public static func paddedChannels(_ c: Int) -> Int { (c + 15) / 16 * 16 }

    /// Valid (unpadded) convolutions only, as every MTCNN layer; others go through `Ops.conv2d`.
    public static func applies(_ g: ConvGeometry) -> Bool {
        g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0
    }

    /// input `[N, H, W, Cin]`, weights `[kH, kW, Cin, P]`, bias `[P]`, alpha `[P]` or nil (linear)
    /// with P = `paddedChannels(Cout)`; output `[N, outH, outW, Cout]`. Any stride, no padding.
    public static func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                           alpha: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry) {
        precondition(applies(g), "DirectConvPReLU: padded convolutions are not supported (\(g))")
        let cin = g.inChannels, cout = g.outChannels, wstride = paddedChannels(cout)
        let plane = g.outHeight * g.outWidth
        let total = g.batch * plane
        let rowLength = g.kernelWidth * cin        // a kernel row reads kW·Cin consecutive floats
        let inRow = g.inWidth * cin
        // Top-left input of each output pixel, walked in flat order (batch, rows, columns) by a
        // cursor: no integer division per pixel.
        var n = 0, oy = 0, ox = 0
        let rowStep = g.strideHeight * inRow, imageStep = g.inHeight * inRow
        var rowStart = input, imageStart = input
        @inline(__always) func next() -> UnsafePointer<Float> {
            let origin = rowStart + ox * g.strideWidth * cin
            ox += 1
            if ox == g.outWidth {
                ox = 0; oy += 1; rowStart += rowStep
                if oy == g.outHeight { oy = 0; n += 1; imageStart += imageStep; rowStart = imageStart }
            }
            return origin
        }
        // Blocks of 6 output pixels taken in flat order, so blocks run across row and image ends
        // (short rows and tiny maps stay in the fast path); a last partial block repeats its
        // final pixel and stores only the real ones.
        var p = 0
        while p < total {
            let count = min(6, total - p)
            let x0 = next()
            let x1 = count > 1 ? next() : x0, x2 = count > 2 ? next() : x1, x3 = count > 3 ? next() : x2
            let x4 = count > 4 ? next() : x3, x5 = count > 5 ? next() : x4
            for co in stride(from: 0, to: cout, by: 16) {
                let b = load16(bias + co)
                var a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b
                for ky in 0..<g.kernelHeight {
                    let off = ky * inRow
                    var w = weights + ky * rowLength * wstride + co
                    for i in 0..<rowLength {
                        let wv = load16(w)
                        a0 = a0.addingProduct(SIMD16(repeating: x0[off + i]), wv)
                        a1 = a1.addingProduct(SIMD16(repeating: x1[off + i]), wv)
                        a2 = a2.addingProduct(SIMD16(repeating: x2[off + i]), wv)
                        a3 = a3.addingProduct(SIMD16(repeating: x3[off + i]), wv)
                        a4 = a4.addingProduct(SIMD16(repeating: x4[off + i]), wv)
                        a5 = a5.addingProduct(SIMD16(repeating: x5[off + i]), wv)
                        w += wstride
                    }
                }
                let o = output + p * cout + co, al = alpha.map { $0 + co }, lanes = min(16, cout - co)
                store(a0, o, alpha: al, lanes: lanes)
                if count > 1 { store(a1, o + cout, alpha: al, lanes: lanes) }
                if count > 2 { store(a2, o + 2 * cout, alpha: al, lanes: lanes) }
                if count > 3 { store(a3, o + 3 * cout, alpha: al, lanes: lanes) }
                if count > 4 { store(a4, o + 4 * cout, alpha: al, lanes: lanes) }
                if count > 5 { store(a5, o + 5 * cout, alpha: al, lanes: lanes) }
            }
            p += count
        }
    }

    /// `run` with PReLU, followed by a 2×2 stride-2 ceil-mode max pool, fused: each block is one
    /// pool window (4 convolution outputs, clamped at the right and bottom edges, where the
    /// ceil-mode window overhangs), so the full-resolution map is never stored. Same arithmetic
    /// order as `run` + `Ops.maxPool2d`, so the results are identical.
    /// input `[1, H, W, Cin]` → output `[1, ⌈outH/2⌉, ⌈outW/2⌉, Cout]` (outH, outW of `g`).
    public static func runPool2x2(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                  alpha: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry) {
        precondition(applies(g) && g.batch == 1 && g.strideHeight == 1 && g.strideWidth == 1,
                     "DirectConvPReLU.runPool2x2: stride-1 unpadded single images only (\(g))")
        let cin = g.inChannels, cout = g.outChannels, wstride = paddedChannels(cout)
        let rowLength = g.kernelWidth * cin
        let inRow = g.inWidth * cin
        let ph = (g.outHeight + 1) / 2, pw = (g.outWidth + 1) / 2
        var o = output
        for py in 0..<ph {
            let y0 = 2 * py, y1 = min(2 * py + 1, g.outHeight - 1)
            let r0 = input + y0 * inRow, r1 = input + y1 * inRow
            for px in 0..<pw {
                let c0 = 2 * px * cin, c1 = min(2 * px + 1, g.outWidth - 1) * cin
                let x0 = r0 + c0, x1 = r0 + c1, x2 = r1 + c0, x3 = r1 + c1
                for co in stride(from: 0, to: cout, by: 16) {
                    let b = load16(bias + co)
                    var a0 = b, a1 = b, a2 = b, a3 = b
                    for ky in 0..<g.kernelHeight {
                        let off = ky * inRow
                        var w = weights + ky * rowLength * wstride + co
                        for i in 0..<rowLength {
                            let wv = load16(w)
                            a0 = a0.addingProduct(SIMD16(repeating: x0[off + i]), wv)
                            a1 = a1.addingProduct(SIMD16(repeating: x1[off + i]), wv)
                            a2 = a2.addingProduct(SIMD16(repeating: x2[off + i]), wv)
                            a3 = a3.addingProduct(SIMD16(repeating: x3[off + i]), wv)
                            w += wstride
                        }
                    }
                    let al = load16(alpha + co)
                    a0.replace(with: a0 * al, where: a0 .< 0)
                    a1.replace(with: a1 * al, where: a1 .< 0)
                    a2.replace(with: a2 * al, where: a2 .< 0)
                    a3.replace(with: a3 * al, where: a3 .< 0)
                    // (`pointwiseMax` is a lane-by-lane loop; compare-and-blend is one instruction each.)
                    a0.replace(with: a1, where: a0 .< a1)
                    a2.replace(with: a3, where: a2 .< a3)
                    a0.replace(with: a2, where: a0 .< a2)
                    let m = a0
                    let lanes = min(16, cout - co)
                    storeLanes(m, o + co, lanes: lanes)
                }
                o += cout
            }
        }
    }

    @inline(__always)
    static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, alpha: UnsafePointer<Float>?, lanes: Int) {
        var v = v
        if let alpha {
            let negative = v .< 0
            v.replace(with: v * load16(alpha), where: negative)
        }
        storeLanes(v, p, lanes: lanes)
    }

    /// Stores the first `lanes` lanes: a partial block goes out as 8 + 4 + scalar pieces of the
    /// vector's halves (a lane-by-lane subscript loop spills the vector to the stack every time).
    @inline(__always)
    static func storeLanes(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes == 16 {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
        } else {
            storePartial(v, p, lanes: lanes)
        }
    }

    /// Out of line, so that the full-block path of the kernels stays small enough to inline.
    @inline(never)
    static func storePartial(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, lanes: Int) {
        let raw = UnsafeMutableRawPointer(p)
        var rest = lanes, offset = 0
        var half = v.lowHalf
        if rest >= 8 {
            raw.storeBytes(of: half, as: SIMD8<Float>.self)
            half = v.highHalf; rest -= 8; offset = 8
        }
        var quarter = half.lowHalf
        if rest >= 4 {
            (raw + offset * 4).storeBytes(of: quarter, as: SIMD4<Float>.self)
            quarter = half.highHalf; rest -= 4; offset += 4
        }
        if rest >= 2 {
            (raw + offset * 4).storeBytes(of: quarter.lowHalf, as: SIMD2<Float>.self)
            rest -= 2; offset += 2
            if rest > 0 { p[offset] = quarter[2] }
        } else if rest == 1 {
            p[offset] = quarter[0]
        }
    }
}
