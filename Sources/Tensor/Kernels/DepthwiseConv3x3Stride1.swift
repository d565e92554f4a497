/// 3×3 depthwise convolution, stride 1, NHWC, vectorised across channels (8 per `SIMD8<Float>`,
/// scalar lanes for the remainder), bias and activation fused, any padding.
///
/// Two loop orders, both channel-vectorised (every tap is one contiguous load of 8 channels):
/// - few channels on wide rows (MobileNet's first 64×64×32 layer): row-outer, the 9 weight vectors of a
///   channel block stay in registers for a whole output row (`depthwise3x3Rows` below);
/// - otherwise pixel-outer (`depthwise3x3Pixels`), which also serves stride 2.
/// Padding rows get zero weights and point at a valid row, so the row loop never branches on rows;
/// padding columns only occur at the two ends of a row and take a checked path.
enum DepthwiseConv3x3Stride1 {
    static func applies(_ g: ConvGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
    }

    /// Whether the row-outer body runs `g`. Measured: it wins only at 32 channels or fewer on rows of 16+ outputs.
    static func rowOuter(_ g: ConvGeometry) -> Bool { g.inChannels <= 32 && g.outWidth >= 16 }

    /// input `[N, H, W, C]`, weights `[3, 3, C]`, bias `[C]`?, output `[N, outH, outW, C]`;
    /// computes output rows `rows` (flat over `N · outH`).
    static func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                    output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, activation: Activation,
                    rows: Range<Int>) {
        if rowOuter(g) {
            depthwise3x3Rows(input: input, weights: weights, bias: bias, output: output, geometry: g,
                             activation: activation, stride: 1, rows: rows)
        } else {
            depthwise3x3Pixels(input: input, weights: weights, bias: bias, output: output, geometry: g,
                               activation: activation, stride: 1, rows: rows)
        }
    }
}

/// Row-outer body: for each output row and block of 8 channels, the 9 weight vectors are loaded once
/// and the row is swept left to right. Best when a row is long and holds few channel blocks.
@inline(__always)
private func depthwise3x3Rows(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                      output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, activation: Activation,
                      stride s: Int, rows: Range<Int>) {
    let c = g.inChannels, inW = g.inWidth, outW = g.outWidth
    // Output columns whose three taps are all inside the input.
    let interiorLow = min(ceilDiv(g.padLeft, s), outW)
    let interiorHigh = max(interiorLow, min(outW, inW - 3 + g.padLeft >= 0 ? (inW - 3 + g.padLeft) / s + 1 : 0))
    let bounds = activation.clampBounds
    for r in rows {
        let n = r / g.outHeight, oy = r % g.outHeight
        let image = input + n * g.inHeight * inW * c
        let y0 = oy * s - g.padTop
        var rowValid = (false, false, false)
        var rowPointers = (image, image, image)
        if y0 >= 0 && y0 < g.inHeight { rowValid.0 = true; rowPointers.0 = image + y0 * inW * c }
        if y0 + 1 >= 0 && y0 + 1 < g.inHeight { rowValid.1 = true; rowPointers.1 = image + (y0 + 1) * inW * c }
        if y0 + 2 >= 0 && y0 + 2 < g.inHeight { rowValid.2 = true; rowPointers.2 = image + (y0 + 2) * inW * c }
        let out = output + r * outW * c
        var ch = 0
        while ch + 8 <= c {
            depthwise3x3Block(SIMD8<Float>.self, rows: rowPointers, valid: rowValid, weights: weights, bias: bias,
                              output: out, channel: ch, channels: c, inWidth: inW, outWidth: outW, stride: s,
                              padLeft: g.padLeft, interior: interiorLow..<interiorHigh, bounds: bounds)
            ch += 8
        }
        while ch < c {
            depthwise3x3Block(Float.self, rows: rowPointers, valid: rowValid, weights: weights, bias: bias,
                              output: out, channel: ch, channels: c, inWidth: inW, outWidth: outW, stride: s,
                              padLeft: g.padLeft, interior: interiorLow..<interiorHigh, bounds: bounds)
            ch += 1
        }
    }
}

/// One output row for the channels `channel ..< channel + L.laneCount`.
@inline(__always)
private func depthwise3x3Block<L: FloatLane>(_: L.Type, rows: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
                                     valid: (Bool, Bool, Bool), weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                     output: UnsafeMutablePointer<Float>, channel: Int, channels c: Int,
                                     inWidth: Int, outWidth: Int, stride s: Int, padLeft: Int,
                                     interior: Range<Int>, bounds: (low: Float, high: Float)) {
    let zero = L(repeating: 0)
    let w = weights + channel
    // Padding rows contribute nothing: their weights are zero.
    let w00 = valid.0 ? L(loading: w) : zero, w01 = valid.0 ? L(loading: w + c) : zero, w02 = valid.0 ? L(loading: w + 2 * c) : zero
    let w10 = valid.1 ? L(loading: w + 3 * c) : zero, w11 = valid.1 ? L(loading: w + 4 * c) : zero, w12 = valid.1 ? L(loading: w + 5 * c) : zero
    let w20 = valid.2 ? L(loading: w + 6 * c) : zero, w21 = valid.2 ? L(loading: w + 7 * c) : zero, w22 = valid.2 ? L(loading: w + 8 * c) : zero
    let b = bias.map { L(loading: $0 + channel) } ?? zero
    let low = L(repeating: bounds.low), high = L(repeating: bounds.high)
    let r0 = rows.0 + channel, r1 = rows.1 + channel, r2 = rows.2 + channel

    // Border columns: taps outside the input are skipped.
    @inline(__always) func checked(_ ox: Int) {
        let x0 = ox * s - padLeft
        var acc = b
        if x0 >= 0 && x0 < inWidth {
            let o = x0 * c
            acc = acc.addingProduct(L(loading: r0 + o), w00).addingProduct(L(loading: r1 + o), w10).addingProduct(L(loading: r2 + o), w20)
        }
        if x0 + 1 >= 0 && x0 + 1 < inWidth {
            let o = (x0 + 1) * c
            acc = acc.addingProduct(L(loading: r0 + o), w01).addingProduct(L(loading: r1 + o), w11).addingProduct(L(loading: r2 + o), w21)
        }
        if x0 + 2 >= 0 && x0 + 2 < inWidth {
            let o = (x0 + 2) * c
            acc = acc.addingProduct(L(loading: r0 + o), w02).addingProduct(L(loading: r1 + o), w12).addingProduct(L(loading: r2 + o), w22)
        }
        acc.clamped(low, high).store(to: output + ox * c + channel)
    }

    for ox in 0..<interior.lowerBound { checked(ox) }
    var ox = interior.lowerBound
    var o = (ox * s - padLeft) * c
    let step = s * c
    while ox < interior.upperBound {
        // Three independent chains (one per kernel row) so the FMAs overlap.
        let a0 = b.addingProduct(L(loading: r0 + o), w00).addingProduct(L(loading: r0 + o + c), w01).addingProduct(L(loading: r0 + o + 2 * c), w02)
        let a1 = zero.addingProduct(L(loading: r1 + o), w10).addingProduct(L(loading: r1 + o + c), w11).addingProduct(L(loading: r1 + o + 2 * c), w12)
        let a2 = zero.addingProduct(L(loading: r2 + o), w20).addingProduct(L(loading: r2 + o + c), w21).addingProduct(L(loading: r2 + o + 2 * c), w22)
        (a0 + a1 + a2).clamped(low, high).store(to: output + ox * c + channel)
        ox += 1
        o += step
    }
    for ox in interior.upperBound..<outWidth { checked(ox) }
}
