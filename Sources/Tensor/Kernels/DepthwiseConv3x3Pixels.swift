/// Pixel-outer 3×3 depthwise body (stride 1 and 2, any padding): for each output pixel the 9 tap
/// pointers are set up once (taps in the padding point at a row of zeros) and the inner loop runs over
/// channels, so there is no border path and no per-row weight set-up. Weights and bias are packed per
/// block of 16 channels (`packDepthwise3x3`), channels are processed in tiles of 256 (weights stay in L1)
/// and output pixels in pairs (shared weights and taps). Computes output rows `rows` (flat over `N · outH`).
@inline(__always)
func depthwise3x3Pixels(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, activation: Activation,
                        stride s: Int, rows: Range<Int>) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 10 * g.inChannels) { packed in
        packDepthwise3x3(weights: weights, bias: bias, channels: g.inChannels, into: packed.baseAddress!)
        depthwise3x3Pixels(input: input, weights: weights, bias: bias, output: output, geometry: g,
                           activation: activation, stride: s, rows: rows, packedWeights: packed.baseAddress!)
    }
}

/// The pixel-outer body with weights already packed by `packDepthwise3x3`.
@inline(__always)
func depthwise3x3Pixels(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, activation: Activation,
                        stride s: Int, rows: Range<Int>, packedWeights: UnsafePointer<Float>) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * g.inChannels) { scratch in
        let zeros = scratch.baseAddress!, discard = zeros + g.inChannels
        zeros.initialize(repeating: 0, count: g.inChannels)
        depthwise3x3Pixels(input: input, weights: weights, bias: bias, output: output, geometry: g,
                           activation: activation, stride: s, rows: rows, zeros: zeros, discard: discard,
                           packedWeights: packedWeights)
    }
}

@inline(__always)
private func depthwise3x3Pixels(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, activation: Activation,
                                stride s: Int, rows: Range<Int>, zeros: UnsafePointer<Float>,
                                discard: UnsafeMutablePointer<Float>, packedWeights: UnsafePointer<Float>) {
    let c = g.inChannels, inW = g.inWidth, outW = g.outWidth
    let bounds = activation.clampBounds
    let low = SIMD8<Float>(repeating: bounds.low), high = SIMD8<Float>(repeating: bounds.high)
    let w0 = weights, w1 = weights + c, w2 = weights + 2 * c, w3 = weights + 3 * c, w4 = weights + 4 * c
    let w5 = weights + 5 * c, w6 = weights + 6 * c, w7 = weights + 7 * c, w8 = weights + 8 * c
    // Channel tiles of 256: their packed weights (10 KiB) stay in L1 while every pixel of the rows is visited.
    for tileStart in stride(from: 0, to: c, by: 256) {
        let tileEnd = tileStart + 256 < c ? tileStart + 256 : c
        // Channels of the tile past its last full block of 16, for one output pixel with taps p0…p8.
        @inline(__always)
        func tail(_ out: UnsafeMutablePointer<Float>, from start: Int, _ p0: UnsafePointer<Float>, _ p1: UnsafePointer<Float>,
                  _ p2: UnsafePointer<Float>, _ p3: UnsafePointer<Float>, _ p4: UnsafePointer<Float>, _ p5: UnsafePointer<Float>,
                  _ p6: UnsafePointer<Float>, _ p7: UnsafePointer<Float>, _ p8: UnsafePointer<Float>) {
            var ch = start
            while ch + 8 <= tileEnd {
                @inline(__always) func v(_ p: UnsafePointer<Float>) -> SIMD8<Float> { SIMD8(loading: p + ch) }
                var a = bias.map { v($0) } ?? SIMD8(repeating: 0)
                var b = v(p1) * v(w1)
                a = a.addingProduct(v(p0), v(w0)); b = b.addingProduct(v(p2), v(w2))
                a = a.addingProduct(v(p3), v(w3)); b = b.addingProduct(v(p4), v(w4))
                a = a.addingProduct(v(p5), v(w5)); b = b.addingProduct(v(p6), v(w6))
                a = a.addingProduct(v(p7), v(w7)); b = b.addingProduct(v(p8), v(w8))
                (a + b).clamped(low, high).store(to: out + ch)
                ch += 8
            }
            while ch < tileEnd {
                var a = bias?[ch] ?? 0
                a += p0[ch] * w0[ch] + p1[ch] * w1[ch] + p2[ch] * w2[ch]
                a += p3[ch] * w3[ch] + p4[ch] * w4[ch] + p5[ch] * w5[ch]
                a += p6[ch] * w6[ch] + p7[ch] * w7[ch] + p8[ch] * w8[ch]
                out[ch] = a.clamped(bounds.low, bounds.high)
                ch += 1
            }
        }

        for r in rows {
            let n = r / g.outHeight, oy = r % g.outHeight
            let image = input + n * g.inHeight * inW * c
            let y0 = oy * s - g.padTop
            @inline(__always) func row(_ y: Int) -> UnsafePointer<Float>? { y >= 0 && y < g.inHeight ? image + y * inW * c : nil }
            let rowA = row(y0), rowB = row(y0 + 1), rowC = row(y0 + 2)
            var ox = 0
            while ox < outW {
                let x0 = ox * s - g.padLeft
                @inline(__always) func tap(_ row: UnsafePointer<Float>?, _ x: Int) -> UnsafePointer<Float> {
                    guard let row, x >= 0, x < inW else { return zeros }
                    return row + x * c
                }
                let p0 = tap(rowA, x0), p1 = tap(rowA, x0 + 1), p2 = tap(rowA, x0 + 2)
                let p3 = tap(rowB, x0), p4 = tap(rowB, x0 + 1), p5 = tap(rowB, x0 + 2)
                let p6 = tap(rowC, x0), p7 = tap(rowC, x0 + 1), p8 = tap(rowC, x0 + 2)
                let out = output + (r * outW + ox) * c
                // Two neighbouring outputs share all weights and (stride 1) 6 or (stride 2) 3 of their 9 taps, so they
                // are computed together: at stride 1, 12 input and 20 weight loads for 2 outputs instead of 2 × 38.
                // A last unpaired output still runs as a pair; its phantom partner is written to `discard`.
                let second = ox + 1 < outW ? out + c : discard
                // Taps of the second output: columns x0 + s … x0 + s + 2 (in the input or the zero row). Where they
                // coincide with the first output's, the same pointer is passed, so the compiler loads it once.
                // 16 channels per step: both halves of each 64-byte line are read together, which matters when
                // C is a multiple of 1024 and all 9 taps fall into one L1 set.
                let q0 = s == 1 ? p1 : p2, q1 = s == 1 ? p2 : tap(rowA, x0 + 3), q2 = tap(rowA, x0 + s + 2)
                let q3 = s == 1 ? p4 : p5, q4 = s == 1 ? p5 : tap(rowB, x0 + 3), q5 = tap(rowB, x0 + s + 2)
                let q6 = s == 1 ? p7 : p8, q7 = s == 1 ? p8 : tap(rowC, x0 + 3), q8 = tap(rowC, x0 + s + 2)
                var ch = tileStart
                var packed = packedWeights + tileStart * 10
                while ch + 16 <= tileEnd {
                    var a = SIMD8<Float>(loading: packed), b = SIMD8<Float>(loading: packed + 8)
                    var a2 = a, b2 = b
                    /// One kernel row: taps (x0, x1, x2) for the first output, (y0, y1, y2) for the second.
                    @inline(__always) func kernelRow(_ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>,
                                                     _ x2: UnsafePointer<Float>, _ y0: UnsafePointer<Float>,
                                                     _ y1: UnsafePointer<Float>, _ y2: UnsafePointer<Float>, _ w: Int) {
                        @inline(__always) func v(_ p: UnsafePointer<Float>) -> SIMD8<Float> { SIMD8(loading: p + ch) }
                        @inline(__always) func u(_ p: UnsafePointer<Float>) -> SIMD8<Float> { SIMD8(loading: p + ch + 8) }
                        @inline(__always) func k(_ i: Int) -> SIMD8<Float> { SIMD8(loading: packed + w + 8 * i) }
                        a = a.addingProduct(v(x0), k(0)); b = b.addingProduct(u(x0), k(1))
                        a2 = a2.addingProduct(v(y0), k(0)); b2 = b2.addingProduct(u(y0), k(1))
                        a = a.addingProduct(v(x1), k(2)); b = b.addingProduct(u(x1), k(3))
                        a2 = a2.addingProduct(v(y1), k(2)); b2 = b2.addingProduct(u(y1), k(3))
                        a = a.addingProduct(v(x2), k(4)); b = b.addingProduct(u(x2), k(5))
                        a2 = a2.addingProduct(v(y2), k(4)); b2 = b2.addingProduct(u(y2), k(5))
                    }
                    kernelRow(p0, p1, p2, q0, q1, q2, 16)
                    kernelRow(p3, p4, p5, q3, q4, q5, 64)
                    kernelRow(p6, p7, p8, q6, q7, q8, 112)
                    a.clamped(low, high).store(to: out + ch)
                    b.clamped(low, high).store(to: out + ch + 8)
                    a2.clamped(low, high).store(to: second + ch)
                    b2.clamped(low, high).store(to: second + ch + 8)
                    ch += 16
                    packed += 160
                }
                tail(out, from: ch, p0, p1, p2, p3, p4, p5, p6, p7, p8)
                tail(second, from: ch, q0, q1, q2, q3, q4, q5, q6, q7, q8)
                ox += 2
            }
        }
    }
}

/// Packs bias and 3×3 weights of each block of 16 channels together, `[C/16][bias, w0…w8][16]`, so that the
/// pixel-outer loop reads one weight stream instead of ten (ten streams 4 KiB apart thrash one L1 set when
/// C = 1024). Channels past the last full block are not packed.
func packDepthwise3x3(weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?, channels c: Int,
                      into packed: UnsafeMutablePointer<Float>) {
    var dst = packed
    for block in stride(from: 0, to: c - 15, by: 16) {
        for i in 0..<16 { dst[i] = bias?[block + i] ?? 0 }
        dst += 16
        for tap in 0..<9 {
            dst.update(from: weights + tap * c + block, count: 16)
            dst += 16
        }
    }
}
