/// 3×3 stride-1 valid NHWC convolution by Winograd F(2×2, 3×3) (Lavin & Gray 2016), with bias and
/// an optional per-channel PReLU fused into the store. Made for MTCNN's 3×3 layers (10→16, 16→32,
/// 28→48, 32→64, 64→64), where `DirectConvPReLU` already runs near the FMA peak: the only way to be
/// faster is fewer multiplications. Each 2×2 output tile takes 16 products per input/output channel
/// pair instead of 36 (2.25× fewer); the input and output transforms are additions only.
///
/// Per block of 6 tiles: the 4×4 input patches are transformed (Bᵀ d B, 8 channels per vector) into
/// `V[16][6][Cin]`; then, per 16 output channels, 16 small matrix products `V[p] · U[p]` in the same
/// 6 × 16 register block as the direct kernel; then the output transform (Aᵀ M A), bias, PReLU.
/// Tiles run in flat order over the batch, so the 5×5 tiles of R-Net's 9×9 maps fill whole blocks.
/// A tile hanging over the bottom/right edge (odd output size) reads the last row/column again
/// and stores only its real outputs.
///
/// The sums are reassociated against a direct convolution (differences ~1e-6 relative);
/// `Naive.conv2d` is the oracle.
public enum WinogradConv3x3F2 {
    /// Tiles transformed and multiplied together: the register block of the products.
    static let tileBlock = 6

    /// Input channels ≥ 8 (the input transform reads 8 channels per vector); 3×3, stride 1, valid.
    public static func applies(_ g: ConvGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
            && g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0 && g.inChannels >= 8
    }

    /// U = G g Gᵀ for each input/output channel pair: `[16, Cin, P]` from HWIO `[3, 3, Cin, P]`
    /// (P output channels as stored, e.g. `DirectConvPReLU.paddedChannels(Cout)`).
    public static func transformWeights(_ weights: [Float], inChannels cin: Int, outChannels p: Int) -> [Float] {
        precondition(weights.count == 9 * cin * p, "WinogradConv3x3F2.transformWeights: expected [3, 3, \(cin), \(p)] weights")
        let gm: [[Float]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        var u = [Float](repeating: 0, count: 16 * cin * p)
        for ci in 0..<cin {
            for co in 0..<p {
                let g = { (ky: Int, kx: Int) in weights[((ky * 3 + kx) * cin + ci) * p + co] }
                for i in 0..<4 {
                    for j in 0..<4 {
                        var s: Float = 0
                        for a in 0..<3 { for b in 0..<3 { s += gm[i][a] * g(a, b) * gm[j][b] } }
                        u[((i * 4 + j) * cin + ci) * p + co] = s
                    }
                }
            }
        }
        return u
    }

    /// Floats of scratch `run` needs for `inChannels` input channels.
    public static func scratchCount(inChannels: Int) -> Int {
        16 * tileBlock * roundUp8(inChannels) + 16 * tileBlock * 16
    }

    /// input `[N, H, W, Cin]`, weights from `transformWeights` (`[16, Cin, P]`, P = `paddedChannels(Cout)`),
    /// bias `[P]`, alpha `[P]` or nil (linear); output `[N, H−2, W−2, Cout]`. `scratch` holds
    /// `scratchCount(inChannels:)` floats.
    public static func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                           alpha: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry,
                           scratch: UnsafeMutablePointer<Float>) {
        precondition(applies(g), "WinogradConv3x3F2: 3×3 stride-1 unpadded convolutions with ≥ 8 input channels only (\(g))")
        let cin = g.inChannels, cout = g.outChannels, p = DirectConvPReLU.paddedChannels(cout)
        let cinStride = roundUp8(cin)
        let tilesH = (g.outHeight + 1) / 2, tilesW = (g.outWidth + 1) / 2
        let tilesPerImage = tilesH * tilesW, total = g.batch * tilesPerImage
        let v = scratch, m = scratch + 16 * tileBlock * cinStride
        // Output pixel offset (in floats) of each tile's top-left output and its real extent.
        var origin = (0, 0, 0, 0, 0, 0), rows = (0, 0, 0, 0, 0, 0), columns = (0, 0, 0, 0, 0, 0)
        var t0 = 0
        while t0 < total {
            let count = min(tileBlock, total - t0)
            for k in 0..<tileBlock {
                // A partial last block repeats its final tile; only real tiles are stored.
                let t = t0 + min(k, count - 1)
                let n = t / tilesPerImage, r = t - n * tilesPerImage
                let ty = r / tilesW, tx = r - ty * tilesW
                let oy = 2 * ty, ox = 2 * tx
                transformInput(input, g, n: n, y: oy, x: ox, into: v + k * cinStride, positionStride: tileBlock * cinStride)
                let o = ((n * g.outHeight + oy) * g.outWidth + ox) * cout
                let rs = min(2, g.outHeight - oy), cs = min(2, g.outWidth - ox)
                switch k {
                case 0: origin.0 = o; rows.0 = rs; columns.0 = cs
                case 1: origin.1 = o; rows.1 = rs; columns.1 = cs
                case 2: origin.2 = o; rows.2 = rs; columns.2 = cs
                case 3: origin.3 = o; rows.3 = rs; columns.3 = cs
                case 4: origin.4 = o; rows.4 = rs; columns.4 = cs
                default: origin.5 = o; rows.5 = rs; columns.5 = cs
                }
            }
            for co in stride(from: 0, to: p, by: 16) {
                multiply(v, weights + co, m, cin: cin, cinStride: cinStride, p: p)
                let b = DirectConvPReLU.load16(bias + co)
                let al = alpha.map { DirectConvPReLU.load16($0 + co) }
                let lanes = min(16, cout - co)
                let rowStride = g.outWidth * cout
                @inline(__always) func finish(_ k: Int, _ o: Int, _ rs: Int, _ cs: Int) {
                    if k < count {
                        transformOutput(m + k * 256, output + o + co, rowStride: rowStride, pixelStride: cout,
                                        rows: rs, columns: cs, bias: b, alpha: al, lanes: lanes)
                    }
                }
                finish(0, origin.0, rows.0, columns.0); finish(1, origin.1, rows.1, columns.1)
                finish(2, origin.2, rows.2, columns.2); finish(3, origin.3, rows.3, columns.3)
                finish(4, origin.4, rows.4, columns.4); finish(5, origin.5, rows.5, columns.5)
            }
            t0 += count
        }
    }

    @inline(__always)
    static func roundUp8(_ c: Int) -> Int { (c + 7) / 8 * 8 }

    /// Bᵀ d B of the 4×4 patch at (y, x) of image n, 8 channels at a time, into `v[p · positionStride + c]`.
    /// The last chunk starts at Cin − 8 (it overlaps the one before and writes the same values).
    @inline(__always)
    static func transformInput(_ input: UnsafePointer<Float>, _ g: ConvGeometry, n: Int, y: Int, x: Int,
                               into v: UnsafeMutablePointer<Float>, positionStride: Int) {
        let cin = g.inChannels
        // Rows/columns past the edge (a tile hanging over an odd-sized output) repeat the last one.
        let ys = (y, min(y + 1, g.inHeight - 1), min(y + 2, g.inHeight - 1), min(y + 3, g.inHeight - 1))
        let xs = (x, min(x + 1, g.inWidth - 1), min(x + 2, g.inWidth - 1), min(x + 3, g.inWidth - 1))
        let image = input + n * g.inHeight * g.inWidth * cin
        var c = 0
        while c < cin {
            let ch = min(c, cin - 8)
            @inline(__always) func row(_ yy: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
                let r = image + yy * g.inWidth * cin + ch
                return (SIMD8(loading: r + xs.0 * cin), SIMD8(loading: r + xs.1 * cin),
                        SIMD8(loading: r + xs.2 * cin), SIMD8(loading: r + xs.3 * cin))
            }
            let d0 = row(ys.0), d1 = row(ys.1), d2 = row(ys.2), d3 = row(ys.3)
            // Bᵀ d: rows (d0 − d2, d1 + d2, d2 − d1, d1 − d3).
            let r0 = (d0.0 - d2.0, d0.1 - d2.1, d0.2 - d2.2, d0.3 - d2.3)
            let r1 = (d1.0 + d2.0, d1.1 + d2.1, d1.2 + d2.2, d1.3 + d2.3)
            let r2 = (d2.0 - d1.0, d2.1 - d1.1, d2.2 - d1.2, d2.3 - d1.3)
            let r3 = (d1.0 - d3.0, d1.1 - d3.1, d1.2 - d3.2, d1.3 - d3.3)
            // (·) B: the same on the columns; position i·4 + j.
            @inline(__always) func columns(_ r: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>), _ i: Int) {
                let base = v + i * 4 * positionStride + ch
                (r.0 - r.2).store(to: base)
                (r.1 + r.2).store(to: base + positionStride)
                (r.2 - r.1).store(to: base + 2 * positionStride)
                (r.1 - r.3).store(to: base + 3 * positionStride)
            }
            columns(r0, 0); columns(r1, 1); columns(r2, 2); columns(r3, 3)
            c += 8
        }
    }

    /// `m[p][k][0..<16] = Σ_ci v[p][k][ci] · u[p][ci][0..<16]` for the 16 positions p and 6 tiles k.
    @inline(__always)
    static func multiply(_ v: UnsafePointer<Float>, _ u: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                         cin: Int, cinStride: Int, p: Int) {
        for position in 0..<16 {
            let x0 = v + position * tileBlock * cinStride
            let x1 = x0 + cinStride, x2 = x1 + cinStride, x3 = x2 + cinStride, x4 = x3 + cinStride, x5 = x4 + cinStride
            var w = u + position * cin * p
            var a0 = SIMD16<Float>(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0
            for i in 0..<cin {
                let wv = DirectConvPReLU.load16(w)
                a0 = a0.addingProduct(SIMD16(repeating: x0[i]), wv)
                a1 = a1.addingProduct(SIMD16(repeating: x1[i]), wv)
                a2 = a2.addingProduct(SIMD16(repeating: x2[i]), wv)
                a3 = a3.addingProduct(SIMD16(repeating: x3[i]), wv)
                a4 = a4.addingProduct(SIMD16(repeating: x4[i]), wv)
                a5 = a5.addingProduct(SIMD16(repeating: x5[i]), wv)
                w += p
            }
            // Stored [k][p] so that each tile's 16 products are one contiguous run.
            let raw = UnsafeMutableRawPointer(m + position * 16)
            let tileStride = 16 * 16 * 4
            raw.storeBytes(of: a0, as: SIMD16<Float>.self)
            (raw + tileStride).storeBytes(of: a1, as: SIMD16<Float>.self)
            (raw + 2 * tileStride).storeBytes(of: a2, as: SIMD16<Float>.self)
            (raw + 3 * tileStride).storeBytes(of: a3, as: SIMD16<Float>.self)
            (raw + 4 * tileStride).storeBytes(of: a4, as: SIMD16<Float>.self)
            (raw + 5 * tileStride).storeBytes(of: a5, as: SIMD16<Float>.self)
        }
    }

    /// Aᵀ M A of one tile's 16 products (`m[p · 16 ..< p · 16 + 16]`, see `multiply`), plus bias and
    /// PReLU, stored to the tile's `rows × columns` real outputs.
    @inline(__always)
    static func transformOutput(_ m: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rowStride: Int, pixelStride: Int,
                                rows: Int, columns: Int, bias: SIMD16<Float>, alpha: SIMD16<Float>?, lanes: Int) {
        // Aᵀ on the rows: (m0 + m1 + m2, m1 − m2 − m3) per column j.
        @inline(__always) func column(_ j: Int) -> (SIMD16<Float>, SIMD16<Float>) {
            let m0 = DirectConvPReLU.load16(m + j * 16), m1 = DirectConvPReLU.load16(m + (4 + j) * 16)
            let m2 = DirectConvPReLU.load16(m + (8 + j) * 16), m3 = DirectConvPReLU.load16(m + (12 + j) * 16)
            return (m0 + m1 + m2, m1 - m2 - m3)
        }
        let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3)
        // … and on the columns.
        let y00 = c0.0 + c1.0 + c2.0 + bias, y01 = c1.0 - c2.0 - c3.0 + bias
        let y10 = c0.1 + c1.1 + c2.1 + bias, y11 = c1.1 - c2.1 - c3.1 + bias
        @inline(__always) func store(_ y: SIMD16<Float>, _ o: UnsafeMutablePointer<Float>) {
            var y = y
            if let alpha { y.replace(with: y * alpha, where: y .< 0) }
            DirectConvPReLU.storeLanes(y, o, lanes: lanes)
        }
        store(y00, out)
        if columns > 1 { store(y01, out + pixelStride) }
        if rows > 1 {
            store(y10, out + rowStride)
            if columns > 1 { store(y11, out + rowStride + pixelStride) }
        }
    }
}
