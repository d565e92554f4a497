import Tensor

/// Convolutions of a graph built with `GraphBuilder.fastConvolutions` that run another kernel than
/// the packed GEMM. Per-layer times on dlib's face ResNet (`facecli bench --embedding --profile`,
/// one thread, GEMM → this):
///
/// - 3×3 stride-1 layers of 8…128 channels: Winograd's minimal filtering (`WinogradConv3x3`, the
///   kernel MTCNN runs), F(4×4, 3×3) on maps of ≥ 24 rows and columns (35 × 35 × 32: 0.25 → 0.095 ms),
///   F(2×2, 3×3) on smaller ones (17 × 17 × 64: 0.21 → 0.12 ms; 8 × 8 × 128: 0.20 → 0.13–0.15 ms),
///   where F(4×4)'s tiles overhang the map (F(4×4) from 16 rows up was 5 % slower in all). Padded
///   layers read a zero-bordered copy of their input. Not above 128 channels: the transformed
///   weights are fp32 and (m+2)²/9 times as many (4 MB for a 256 → 256 layer at F(2×2)) for ≤ 20 %
///   on the 4 × 4 maps.
/// - Few-channel (< 8) unpadded stems: `DirectConvPReLU`, no im2col of the 7 × 7 × 3 patches
///   (150 × 150 → 72 × 72 × 32: 0.68 → 0.43 ms).
///
/// Both reassociate the sums against the GEMM (measured ≤ 2.6e-5 of the output scale for F(4×4),
/// ≤ 6e-6 for F(2×2): `FastConvolutionTests`), which is why the flag is off by default: the
/// backbones keep their GEMM sums and their measured figures. ReLU is a PReLU of slope 0 in these
/// kernels; ReLU6 layers, layers writing into a concatenation and layers with a fused residual add
/// keep the GEMM. `InferenceGraph.layer(_:)` unpacks the weights the GEMM holds, so these are
/// derived from exactly the values it runs.
struct FastConvolution {
    enum Kind: Hashable {
        case winograd(WinogradConv3x3.Variant)
        case direct
    }
    let kind: Kind
    /// Winograd: `transformWeights` of the HWIO kernel; direct: HWIO `[kH, kW, Cin, P]`. P =
    /// `DirectConvPReLU.paddedChannels(Cout)`, zero columns past Cout.
    let weights: [Float]
    /// `[P]`.
    let bias: [Float]
    /// `[P]` zeros (ReLU), or nil (linear).
    let alpha: [Float]?

    /// The kernel for `layer` at geometry `g`, or nil for the packed GEMM.
    static func kind(for layer: ConvLayer, geometry g: ConvGeometry) -> Kind? {
        guard layer.kind == .conv, layer.activation != .relu6 else { return nil }
        if layer.kernelHeight == 3 && layer.kernelWidth == 3 && layer.strideHeight == 1 && layer.strideWidth == 1
            && (8...128).contains(layer.inChannels) && layer.outChannels <= 128 {
            return .winograd(g.outHeight >= 24 && g.outWidth >= 24 ? .f4 : .f2)
        }
        if layer.inChannels < 8 && DirectConvPReLU.applies(g) { return .direct }
        return nil
    }

    /// `layer` with its weights (`InferenceGraph.layer(_:)`).
    init(_ layer: ConvLayer, kind: Kind) {
        self.kind = kind
        let cout = layer.outChannels, p = DirectConvPReLU.paddedChannels(cout)
        let taps = layer.kernelHeight * layer.kernelWidth * layer.inChannels
        var padded = [Float](repeating: 0, count: taps * p)
        for t in 0..<taps {
            for co in 0..<cout { padded[t * p + co] = layer.weights[t * cout + co] }
        }
        switch kind {
        case .winograd(let variant):
            weights = WinogradConv3x3.transformWeights(padded, inChannels: layer.inChannels, outChannels: p, variant: variant)
        case .direct:
            weights = padded
        }
        bias = layer.bias + [Float](repeating: 0, count: p - cout)
        alpha = layer.activation == .relu ? [Float](repeating: 0, count: p) : nil
    }

    /// Floats of per-thread scratch `run` needs.
    func scratchCount(inChannels: Int) -> Int {
        if case .winograd = kind { return WinogradConv3x3.scratchCount(inChannels: inChannels) }
        return 0
    }

    /// Floats of the zero-bordered input copy a padded Winograd layer needs (0 otherwise).
    static func paddedInputCount(_ kind: Kind, _ g: ConvGeometry) -> Int {
        guard case .winograd = kind, g.padTop + g.padLeft + g.padBottom + g.padRight > 0 else { return 0 }
        return g.batch * (g.inHeight + g.padTop + g.padBottom) * (g.inWidth + g.padLeft + g.padRight) * g.inChannels
    }

    /// `output = activation(conv(input) + bias)`, `[N, outH, outW, Cout]` (whole rows: no channel
    /// slice). Cut into bands of output rows (whole Winograd tile rows) that the pool's threads take.
    func run(geometry g: ConvGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             padded: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, scratchPerThread: Int,
             threads: Int, pool: ThreadPool) {
        let cout = g.outChannels
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                let alphaBuffer = alpha ?? []
                alphaBuffer.withUnsafeBufferPointer { a in
                    let al: UnsafePointer<Float>? = alpha == nil ? nil : a.baseAddress!
                    switch kind {
                    case .winograd(let variant):
                        let m = variant == .f4 ? 4 : 2
                        let (source, valid) = zeroBordered(g, input: input, into: padded)
                        let tileRows = (g.outHeight + m - 1) / m
                        let bands = threads == 1 ? 1 : min(tileRows, 2 * threads)
                        pool.forEachTask(g.batch * bands, inlineCost: 0) { task, thread in
                            let n = task / bands, band = task % bands
                            let r0 = band * tileRows / bands * m, r1 = min(g.outHeight, (band + 1) * tileRows / bands * m)
                            guard r0 < r1 else { return }
                            let cut = ConvGeometry(batch: 1, inHeight: r1 - r0 + 2, inWidth: valid.inWidth, inChannels: g.inChannels,
                                                   outChannels: cout, kernelHeight: 3, kernelWidth: 3,
                                                   strideHeight: 1, strideWidth: 1, padding: .valid)
                            WinogradConv3x3.run(input: source + ((n * valid.inHeight + r0) * valid.inWidth) * g.inChannels,
                                                weights: w.baseAddress!, bias: b.baseAddress!, alpha: al,
                                                output: output + ((n * g.outHeight + r0) * g.outWidth) * cout,
                                                geometry: cut, variant: variant, scratch: scratch + thread * scratchPerThread)
                        }
                    case .direct:
                        let rows = g.batch * g.outHeight
                        let bands = threads == 1 ? 1 : min(rows, 4 * threads)
                        pool.forEachTask(bands, inlineCost: 0) { band, _ in
                            var r = band * rows / bands
                            let end = (band + 1) * rows / bands
                            while r < end {   // a band may cross from one image into the next
                                let n = r / g.outHeight, y0 = r % g.outHeight
                                let y1 = min(g.outHeight, y0 + (end - r))
                                let cut = ConvGeometry(batch: 1, inHeight: (y1 - y0 - 1) * g.strideHeight + g.kernelHeight,
                                                       inWidth: g.inWidth, inChannels: g.inChannels, outChannels: cout,
                                                       kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth,
                                                       strideHeight: g.strideHeight, strideWidth: g.strideWidth, padding: .valid)
                                DirectConvPReLU.run(input: input + ((n * g.inHeight + y0 * g.strideHeight) * g.inWidth) * g.inChannels,
                                                    weights: w.baseAddress!, bias: b.baseAddress!, alpha: al,
                                                    output: output + ((n * g.outHeight + y0) * g.outWidth) * cout, geometry: cut)
                                r += y1 - y0
                            }
                        }
                    }
                }
            }
        }
    }

    /// The input as an unpadded convolution sees it: itself, or (padded layers) a copy with `g`'s
    /// zero borders in `buffer`; and that input's geometry.
    private func zeroBordered(_ g: ConvGeometry, input: UnsafePointer<Float>,
                              into buffer: UnsafeMutablePointer<Float>) -> (UnsafePointer<Float>, ConvGeometry) {
        let h = g.inHeight + g.padTop + g.padBottom, w = g.inWidth + g.padLeft + g.padRight, c = g.inChannels
        let valid = ConvGeometry(batch: g.batch, inHeight: h, inWidth: w, inChannels: c, outChannels: g.outChannels,
                                 kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .valid)
        if h == g.inHeight && w == g.inWidth { return (input, valid) }
        for n in 0..<g.batch {
            for y in 0..<h {
                let row = buffer + (n * h + y) * w * c
                let iy = y - g.padTop
                guard iy >= 0 && iy < g.inHeight else { row.update(repeating: 0, count: w * c); continue }
                row.update(repeating: 0, count: g.padLeft * c)
                (row + g.padLeft * c).update(from: input + (n * g.inHeight + iy) * g.inWidth * c, count: g.inWidth * c)
                (row + (g.padLeft + g.inWidth) * c).update(repeating: 0, count: g.padRight * c)
            }
        }
        return (UnsafePointer(buffer), valid)
    }
}
