/// 3×3 stride-1 valid NHWC convolution by Winograd's minimal filtering (Lavin & Gray 2016), with
/// bias and an optional per-channel PReLU fused into the store. Made for MTCNN's 3×3 layers (10→16,
/// 16→32, 28→48, 32→64, 64→64), where `DirectConvPReLU` already runs near the FMA peak: the only
/// way to be faster is fewer multiplications. F(m×m, 3×3) takes (m+2)² products per m×m output tile
/// and input/output channel pair instead of 9m²: F(2×2) 16 for 4 outputs (2.25× fewer), F(4×4)
/// 36 for 16 (4× fewer, heavier transforms, tiles overhang small maps more). The tile
/// transforms are in `WinogradConv3x3F2` and `WinogradConv3x3F4`; this file is the shared driver.
///
/// Per block of 6 tiles: the (m+2)² input patches are transformed (Bᵀ d B, 8 channels per vector)
/// into `V[p][6][Cin]`; then, per 16 output channels, one small matrix product `V[p] · U[p]` per
/// position p in a 6 × 16 register block (as the direct kernel's); then the output transform
/// (Aᵀ M A), bias, PReLU. Tiles run in flat order over the batch, so the small maps of a batch of
/// crops fill whole blocks. A tile hanging over the bottom/right edge reads the last row/column
/// again and stores only its real outputs.
///
/// The sums are reassociated against a direct convolution (differences ~1e-6 relative for F(2×2),
/// ~1e-5 for F(4×4)); `Naive.conv2d` is the oracle.
public enum WinogradConv3x3 {
    /// The two tile sizes.
    public enum Variant: Sendable { case f2, f4 }

    /// Tiles transformed and multiplied together: the register block of the products.
    static let tileBlock = 6

    /// Input channels ≥ 8 (the input transform reads 8 channels per vector); 3×3, stride 1, valid.
    public static func applies(_ g: ConvGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
            && g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0 && g.inChannels >= 8
    }

    /// The variant with fewer products for this map size, F(4×4) counted 25 % dearer for its
    /// transforms and wider overhang: F(4×4) on P-Net's levels and O-Net's 21×21 and 8×8 maps,
    /// F(2×2) on R-Net's 9×9 maps and the smallest levels.
    public static func variant(_ g: ConvGeometry) -> Variant {
        let f2 = ((g.outHeight + 1) / 2) * ((g.outWidth + 1) / 2) * 16
        let f4 = ((g.outHeight + 3) / 4) * ((g.outWidth + 3) / 4) * 36
        return 5 * f4 < 4 * f2 ? .f4 : .f2
    }

    /// U = G g Gᵀ for each input/output channel pair: `[(m+2)², Cin, P]` from HWIO `[3, 3, Cin, P]`
    /// (P output channels as stored, e.g. `DirectConvPReLU.paddedChannels(Cout)`).
    public static func transformWeights(_ weights: [Float], inChannels cin: Int, outChannels p: Int, variant: Variant) -> [Float] {
        precondition(weights.count == 9 * cin * p, "WinogradConv3x3.transformWeights: expected [3, 3, \(cin), \(p)] weights")
        let gm = variant == .f2 ? WinogradConv3x3F2.g : WinogradConv3x3F4.g
        let n = gm.count
        var u = [Float](repeating: 0, count: n * n * cin * p)
        for ci in 0..<cin {
            for co in 0..<p {
                let g = { (ky: Int, kx: Int) in Double(weights[((ky * 3 + kx) * cin + ci) * p + co]) }
                for i in 0..<n {
                    for j in 0..<n {
                        var s = 0.0
                        for a in 0..<3 { for b in 0..<3 { s += gm[i][a] * g(a, b) * gm[j][b] } }
                        u[((i * n + j) * cin + ci) * p + co] = Float(s)
                    }
                }
            }
        }
        return u
    }

    /// Floats of scratch `run` needs for `inChannels` input channels (either variant).
    public static func scratchCount(inChannels: Int) -> Int {
        36 * tileBlock * roundUp8(inChannels) + 36 * tileBlock * 16
    }

    /// input `[N, H, W, Cin]`, weights from `transformWeights` for `variant`, bias `[P]`, alpha `[P]`
    /// or nil (linear), P = `paddedChannels(Cout)`; output `[N, H−2, W−2, Cout]`. `scratch` holds
    /// `scratchCount(inChannels:)` floats.
    public static func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                           alpha: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry,
                           variant: Variant, scratch: UnsafeMutablePointer<Float>) {
        precondition(applies(g), "WinogradConv3x3: 3×3 stride-1 unpadded convolutions with ≥ 8 input channels only (\(g))")
        switch variant {
        case .f2: run(WinogradConv3x3F2.self, input, weights, bias, alpha, output, g, scratch)
        case .f4: run(WinogradConv3x3F4.self, input, weights, bias, alpha, output, g, scratch)
        }
    }

    @inline(__always)
    static func roundUp8(_ c: Int) -> Int { (c + 7) / 8 * 8 }

    private static func run<T: WinogradTiles>(_: T.Type, _ input: UnsafePointer<Float>, _ weights: UnsafePointer<Float>,
                                              _ bias: UnsafePointer<Float>, _ alpha: UnsafePointer<Float>?,
                                              _ output: UnsafeMutablePointer<Float>, _ g: ConvGeometry,
                                              _ scratch: UnsafeMutablePointer<Float>) {
        let m = T.outputTile, positions = (m + 2) * (m + 2)
        let cin = g.inChannels, cout = g.outChannels, p = DirectConvPReLU.paddedChannels(cout)
        let cinStride = roundUp8(cin)
        let tilesH = (g.outHeight + m - 1) / m, tilesW = (g.outWidth + m - 1) / m
        let tilesPerImage = tilesH * tilesW, total = g.batch * tilesPerImage
        let v = scratch, products = scratch + positions * tileBlock * cinStride
        let positionStride = tileBlock * cinStride
        // Each tile's first output (offset in floats) and its real rows and columns.
        var origin = (0, 0, 0, 0, 0, 0), rows = (0, 0, 0, 0, 0, 0), columns = (0, 0, 0, 0, 0, 0)
        var t0 = 0
        while t0 < total {
            let count = min(tileBlock, total - t0)
            for k in 0..<tileBlock {
                // A partial last block repeats its final tile; only real tiles are stored.
                let t = t0 + min(k, count - 1)
                let n = t / tilesPerImage, r = t - n * tilesPerImage
                let ty = r / tilesW, tx = r - ty * tilesW
                let oy = m * ty, ox = m * tx
                transformInput(T.self, input, g, n: n, y: oy, x: ox, into: v + k * cinStride, positionStride: positionStride)
                let o = ((n * g.outHeight + oy) * g.outWidth + ox) * cout
                let rs = min(m, g.outHeight - oy), cs = min(m, g.outWidth - ox)
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
                multiply(v, weights + co, products, positions: positions, cin: cin, cinStride: cinStride, p: p)
                let b = DirectConvPReLU.load16(bias + co)
                let al = alpha.map { DirectConvPReLU.load16($0 + co) }
                let lanes = min(16, cout - co)
                let rowStride = g.outWidth * cout
                @inline(__always) func finish(_ k: Int, _ o: Int, _ rs: Int, _ cs: Int) {
                    guard k < count else { return }
                    let tile = products + k * positions * 16, out = output + o + co
                    T.transformOutput({ DirectConvPReLU.load16(tile + $0 * 16) }) { r, c, y in
                        guard r < rs && c < cs else { return }
                        var y = y + b
                        if let al { y.replace(with: y * al, where: y .< 0) }
                        DirectConvPReLU.storeLanes(y, out + r * rowStride + c * cout, lanes: lanes)
                    }
                }
                finish(0, origin.0, rows.0, columns.0); finish(1, origin.1, rows.1, columns.1)
                finish(2, origin.2, rows.2, columns.2); finish(3, origin.3, rows.3, columns.3)
                finish(4, origin.4, rows.4, columns.4); finish(5, origin.5, rows.5, columns.5)
            }
            t0 += count
        }
    }

    /// Bᵀ d B of the (m+2)×(m+2) patch at (y, x) of image n, 8 channels at a time, into
    /// `v[p · positionStride + c]`. The last chunk starts at Cin − 8 (it overlaps the one before and
    /// writes the same values).
    @inline(__always)
    private static func transformInput<T: WinogradTiles>(_: T.Type, _ input: UnsafePointer<Float>, _ g: ConvGeometry,
                                                         n: Int, y: Int, x: Int, into v: UnsafeMutablePointer<Float>,
                                                         positionStride: Int) {
        let cin = g.inChannels, side = T.outputTile + 2
        let image = input + n * g.inHeight * g.inWidth * cin
        // Rows/columns past the edge (a tile hanging over the output's edge) repeat the last one.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * side) { offsets in
            for i in 0..<side {
                offsets[i] = min(y + i, g.inHeight - 1) * g.inWidth * cin
                offsets[side + i] = min(x + i, g.inWidth - 1) * cin
            }
            var c = 0
            while c < cin {
                let ch = min(c, cin - 8)
                T.transformInput({ r, col in SIMD8(loading: image + offsets[r] + offsets[side + col] + ch) },
                                 { p, value in value.store(to: v + p * positionStride + ch) })
                c += 8
            }
        }
    }

    /// `m[k][p][0..<16] = Σ_ci v[p][k][ci] · u[p][ci][0..<16]` for every position p and the 6 tiles k.
    @inline(__always)
    private static func multiply(_ v: UnsafePointer<Float>, _ u: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                                 positions: Int, cin: Int, cinStride: Int, p: Int) {
        for position in 0..<positions {
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
            // Stored [k][p] so that each tile's products are one contiguous run.
            let raw = UnsafeMutableRawPointer(m + position * 16)
            let tileStride = positions * 16 * MemoryLayout<Float>.stride
            raw.storeBytes(of: a0, as: SIMD16<Float>.self)
            (raw + tileStride).storeBytes(of: a1, as: SIMD16<Float>.self)
            (raw + 2 * tileStride).storeBytes(of: a2, as: SIMD16<Float>.self)
            (raw + 3 * tileStride).storeBytes(of: a3, as: SIMD16<Float>.self)
            (raw + 4 * tileStride).storeBytes(of: a4, as: SIMD16<Float>.self)
            (raw + 5 * tileStride).storeBytes(of: a5, as: SIMD16<Float>.self)
        }
    }
}

/// The transforms of one Winograd F(m×m, 3×3) variant, run by `WinogradConv3x3`.
protocol WinogradTiles {
    /// Output tile side m; the input patch is (m + 2) × (m + 2).
    static var outputTile: Int { get }
    /// G (`(m + 2) × 3`) of the weight transform U = G g Gᵀ.
    static var g: [[Double]] { get }
    /// Bᵀ d B of one patch, 8 channels: `load(r, c)` is d(r, c); `store(i · (m + 2) + j, V(i, j))`.
    static func transformInput(_ load: (Int, Int) -> SIMD8<Float>, _ store: (Int, SIMD8<Float>) -> Void)
    /// Aᵀ M A of one tile: `at(i · (m + 2) + j)` is M(i, j); `store(r, c, Y(r, c))` for the m × m outputs.
    static func transformOutput(_ at: (Int) -> SIMD16<Float>, _ store: (Int, Int, SIMD16<Float>) -> Void)
}
