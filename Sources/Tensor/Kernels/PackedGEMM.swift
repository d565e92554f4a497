/// `C[m×n] = activation(A[m×k] · B[k×n] + bias)` with B packed once into 16-column panels, the bias
/// and the activation applied in the register tile (no second pass over C), C rows `ldc` apart (so a
/// concatenation slice can be written in place). The engine's 1×1 and im2col convolutions run on it
/// instead of `cblas_sgemm`, which re-packs B on every call and needs a separate bias/activation pass
/// (together most of the time of MobileNet's small layers).
///
/// Micro-kernel: 6 rows × 16 columns = 12 `SIMD8` accumulators, one broadcast of A and two loads of B
/// per k (fits the 16 vector registers of AVX2; NEON has 32).
///
/// Storage: when every value of B is exactly a half-precision number (weights read from the fp16
/// weight files), the panels are kept in fp16 and widened one panel at a time into a small buffer
/// (`vcvtph2ps` with F16C, `fcvtl` on NEON) that every row strip then reads: the same products, bit
/// for bit, for half the bytes. Weights are
/// the one operand streamed from L3 or DRAM on every forward (MobileNetV2 14 MB in fp32), and two
/// threads share that bandwidth. Other matrices (random weights of benchmarks and tests) stay fp32.
public struct PackedMatrix: Sendable {
    /// `ceil(n/16)` panels of `[k][16]`, zero-padded past column n, in fp32 — or empty when they are
    /// in `halfPanels`.
    public let panels: [Float]
    /// The same panels in fp16 when B is exactly representable in it; otherwise empty.
    public let halfPanels: [Float16]
    public let k: Int, n: Int

    public static let panelWidth = 16

    /// Whether the panels are stored in fp16.
    public var storesHalf: Bool { !halfPanels.isEmpty }

    /// Packs a row-major `[k, n]` matrix (HWIO weights seen as `[kH·kW·Cin, Cout]`), in fp16 when
    /// `allowingHalf` and every value converts to fp16 and back unchanged.
    public init(_ b: [Float], k: Int, n: Int, allowingHalf: Bool = true) {
        precondition(b.count == k * n, "PackedMatrix: \(b.count) values for \(k)×\(n)")
        let w = PackedMatrix.panelWidth
        let panelCount = (n + w - 1) / w
        var p = [Float](repeating: 0, count: panelCount * k * w)
        for panel in 0..<panelCount {
            for kk in 0..<k {
                for j in 0..<w where panel * w + j < n {
                    p[(panel * k + kk) * w + j] = b[kk * n + panel * w + j]
                }
            }
        }
        self.k = k; self.n = n
        if allowingHalf && !b.isEmpty && b.allSatisfy({ Float(Float16($0)) == $0 }) {
            halfPanels = p.map { Float16($0) }
            panels = []
        } else {
            panels = p
            halfPanels = []
        }
    }

    /// The row-major `[k, n]` matrix this was packed from.
    public func unpacked() -> [Float] {
        let w = PackedMatrix.panelWidth
        var b = [Float](repeating: 0, count: k * n)
        for panel in 0..<panelCount {
            for kk in 0..<k {
                for j in 0..<w where panel * w + j < n {
                    let i = (panel * k + kk) * w + j
                    b[kk * n + panel * w + j] = storesHalf ? Float(halfPanels[i]) : panels[i]
                }
            }
        }
        return b
    }

    public var panelCount: Int { (n + PackedMatrix.panelWidth - 1) / PackedMatrix.panelWidth }

    /// Rows `rows` and 16-column panels `panelRange` of C. A rows are `lda` apart, C rows `ldc` apart;
    /// `bias` holds `panelCount · 16` values (zero-padded). With `residual` (rows `ldr` apart, same
    /// row and column indices as C), C = activation(A·B + bias) + residual: a residual add fused into
    /// the store (MobileNetV2's projections), so the sum needs no pass of its own. `residual` may be C.
    public func multiply(a: UnsafePointer<Float>, lda: Int, rows: Range<Int>, panelRange: Range<Int>? = nil,
                         bias: UnsafePointer<Float>, activation: Activation, c: UnsafeMutablePointer<Float>, ldc: Int,
                         residual: UnsafePointer<Float>? = nil, ldr: Int = 0) {
        let lo = SIMD8<Float>(repeating: activation == .linear ? -.infinity : 0)
        let hi = SIMD8<Float>(repeating: activation == .relu6 ? 6 : .infinity)
        if storesHalf && rows.count <= 16 {
            // Few rows (the 4 × 4 and 2 × 2 maps at the end of the networks, where the weights dominate): widening
            // a panel would cost a third of the work it serves; 4-row tiles read the halves directly.
            let range = panelRange ?? 0..<panelCount
            let w = PackedMatrix.panelWidth
            halfPanels.withUnsafeBufferPointer { pb in
                for panel in range {
                    var r = rows.lowerBound
                    while r < rows.upperBound {
                        let count = min(4, rows.upperBound - r)
                        PackedMatrix.tile4x16(a: a + r * lda, lda: lda, rowCount: count, k: k, b: pb.baseAddress! + panel * k * w,
                                              bias: bias + panel * w, columns: min(w, n - panel * w), lo: lo, hi: hi,
                                              c: c + r * ldc + panel * w, ldc: ldc,
                                              residual: residual.map { $0 + r * ldr + panel * w }, ldr: ldr)
                        r += count
                    }
                }
            }
            return
        }
        if storesHalf {
            // Widen one panel at a time into a buffer that stays in L1/L2 while every strip of the rows reads
            // it (converting inside the micro-kernel would need two more registers than AVX2 has).
            let range = panelRange ?? 0..<panelCount
            let w = PackedMatrix.panelWidth
            withUnsafeTemporaryAllocation(of: Float.self, capacity: k * w) { buffer in
                let wide = buffer.baseAddress!
                halfPanels.withUnsafeBufferPointer { pb in
                    for panel in range {
                        let half = pb.baseAddress! + panel * k * w
                        for i in stride(from: 0, to: k * w, by: 8) {
                            UnsafeMutableRawPointer(wide + i).storeBytes(of: Float16.load8(half + i), as: SIMD8<Float>.self)
                        }
                        var r = rows.lowerBound
                        while r < rows.upperBound {
                            let count = min(6, rows.upperBound - r)
                            PackedMatrix.tile6x16(a: a + r * lda, lda: lda, rowCount: count, k: k, b: UnsafePointer(wide),
                                                  bias: bias + panel * w, columns: min(w, n - panel * w), lo: lo, hi: hi,
                                                  c: c + r * ldc + panel * w, ldc: ldc,
                                                  residual: residual.map { $0 + r * ldr + panel * w }, ldr: ldr)
                            r += count
                        }
                    }
                }
            }
            return
        }
        let w = PackedMatrix.panelWidth
        panels.withUnsafeBufferPointer { pb in
            let packed = pb.baseAddress!
            let range = panelRange ?? 0..<panelCount
            func tile(_ panel: Int, _ r: Int, _ count: Int) {
                PackedMatrix.tile6x16(a: a + r * lda, lda: lda, rowCount: count, k: k, b: packed + panel * k * w,
                                      bias: bias + panel * w, columns: min(w, n - panel * w), lo: lo, hi: hi,
                                      c: c + r * ldc + panel * w, ldc: ldc, residual: residual.map { $0 + r * ldr + panel * w }, ldr: ldr)
            }
            if k * n <= 64 * 1024 {
                // All of B stays in L2: keep each 6-row strip of A in L1 across the panels.
                var r = rows.lowerBound
                while r < rows.upperBound {
                    let count = min(6, rows.upperBound - r)
                    for panel in range { tile(panel, r, count) }
                    r += count
                }
            } else {
                // B is large: keep one panel in L2 while A streams past it.
                for panel in range {
                    var r = rows.lowerBound
                    while r < rows.upperBound {
                        let count = min(6, rows.upperBound - r)
                        tile(panel, r, count)
                        r += count
                    }
                }
            }
        }
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// One tile: up to 6 rows (missing rows re-read the last one and are not stored) × up to 16 columns.
    @inline(__always)
    static func tile6x16(a: UnsafePointer<Float>, lda: Int, rowCount: Int, k: Int, b: UnsafePointer<Float>,
                         bias: UnsafePointer<Float>, columns: Int, lo: SIMD8<Float>, hi: SIMD8<Float>,
                         c: UnsafeMutablePointer<Float>, ldc: Int, residual: UnsafePointer<Float>?, ldr: Int) {
        let a0 = a, a1 = a + min(1, rowCount - 1) * lda, a2 = a + min(2, rowCount - 1) * lda
        let a3 = a + min(3, rowCount - 1) * lda, a4 = a + min(4, rowCount - 1) * lda, a5 = a + min(5, rowCount - 1) * lda
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>(), c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        var bp = b
        for kk in 0..<k {
            let b0 = load8(bp), b1 = load8(bp + 8)
            bp += 16
            var x = SIMD8<Float>(repeating: a0[kk])
            c00.addProduct(x, b0); c01.addProduct(x, b1)
            x = SIMD8<Float>(repeating: a1[kk])
            c10.addProduct(x, b0); c11.addProduct(x, b1)
            x = SIMD8<Float>(repeating: a2[kk])
            c20.addProduct(x, b0); c21.addProduct(x, b1)
            x = SIMD8<Float>(repeating: a3[kk])
            c30.addProduct(x, b0); c31.addProduct(x, b1)
            x = SIMD8<Float>(repeating: a4[kk])
            c40.addProduct(x, b0); c41.addProduct(x, b1)
            x = SIMD8<Float>(repeating: a5[kk])
            c50.addProduct(x, b0); c51.addProduct(x, b1)
        }
        storeTile(((c00, c01), (c10, c11), (c20, c21), (c30, c31), (c40, c41), (c50, c51)), rowCount: rowCount, bias: bias,
                  columns: columns, lo: lo, hi: hi, c: c, ldc: ldc, residual: residual, ldr: ldr)
    }
}

extension PackedMatrix {
    typealias TileRow = (SIMD8<Float>, SIMD8<Float>)

    /// Stores the first `rowCount` (≤ 6) rows of a tile's accumulators.
    @inline(__always)
    static func storeTile(_ t: (TileRow, TileRow, TileRow, TileRow, TileRow, TileRow), rowCount: Int, bias: UnsafePointer<Float>,
                          columns: Int, lo: SIMD8<Float>, hi: SIMD8<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
                          residual: UnsafePointer<Float>?, ldr: Int) {
        @inline(__always)
        func store(_ row: Int, _ v: TileRow) {
            storeRow(v.0, v.1, bias: bias, columns: columns, lo: lo, hi: hi, out: c + row * ldc,
                     residual: residual.map { $0 + row * ldr })
        }
        store(0, t.0)
        if rowCount > 1 { store(1, t.1) }
        if rowCount > 2 { store(2, t.2) }
        if rowCount > 3 { store(3, t.3) }
        if rowCount > 4 { store(4, t.4) }
        if rowCount > 5 { store(5, t.5) }
    }

    /// Stores one tile row: `activation(v + bias)` (+ the residual row), 16 columns or the last `columns`.
    /// Bias beyond `columns` is never stored, so reading 16 is only safe with a padded bias: callers pass
    /// biases padded to a multiple of 16.
    @inline(__always)
    static func storeRow(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, bias: UnsafePointer<Float>, columns: Int,
                         lo: SIMD8<Float>, hi: SIMD8<Float>, out: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?) {
        var r0 = (v0 + load8(bias)).clampedByMasks(lo, hi)
        var r1 = (v1 + load8(bias + 8)).clampedByMasks(lo, hi)
        if columns == 16 {
            if let residual { r0 += load8(residual); r1 += load8(residual + 8) }
            UnsafeMutableRawPointer(out).storeBytes(of: r0, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out + 8).storeBytes(of: r1, as: SIMD8<Float>.self)
        } else {
            for j in 0..<columns { out[j] = (j < 8 ? r0[j] : r1[j - 8]) + (residual?[j] ?? 0) }
        }
    }

    /// One tile of up to 4 rows × 16 columns reading fp16 panels directly: 8 accumulators, so the two
    /// widened B vectors and the broadcast fit in registers (a 6-row tile would spill with AVX2).
    @inline(__always)
    static func tile4x16(a: UnsafePointer<Float>, lda: Int, rowCount: Int, k: Int, b: UnsafePointer<Float16>,
                         bias: UnsafePointer<Float>, columns: Int, lo: SIMD8<Float>, hi: SIMD8<Float>,
                         c: UnsafeMutablePointer<Float>, ldc: Int, residual: UnsafePointer<Float>?, ldr: Int) {
        let a0 = a, a1 = a + min(1, rowCount - 1) * lda, a2 = a + min(2, rowCount - 1) * lda, a3 = a + min(3, rowCount - 1) * lda
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var bp = b
        for kk in 0..<k {
            let b0 = Float16.load8(bp), b1 = Float16.load8(bp + 8)
            bp += 16
            var x = SIMD8<Float>(repeating: a0[kk])
            c00.addProduct(x, b0); c01.addProduct(x, b1)
            x = SIMD8<Float>(repeating: a1[kk])
            c10.addProduct(x, b0); c11.addProduct(x, b1)
            x = SIMD8<Float>(repeating: a2[kk])
            c20.addProduct(x, b0); c21.addProduct(x, b1)
            x = SIMD8<Float>(repeating: a3[kk])
            c30.addProduct(x, b0); c31.addProduct(x, b1)
        }
        let unused = (SIMD8<Float>(), SIMD8<Float>())
        storeTile(((c00, c01), (c10, c11), (c20, c21), (c30, c31), unused, unused), rowCount: rowCount, bias: bias,
                  columns: columns, lo: lo, hi: hi, c: c, ldc: ldc, residual: residual, ldr: ldr)
    }
}

extension SIMD8 where Scalar == Float {
    /// `min(max(self, lo), hi)`. The standard library's `clamped` calls `pointwiseMin/Max` out of line
    /// (a call per vector, most of a small tile's time); comparison masks inline to two blends.
    @inline(__always)
    func clampedByMasks(_ lo: SIMD8<Float>, _ hi: SIMD8<Float>) -> SIMD8<Float> {
        let raised = replacing(with: lo, where: self .< lo)
        return raised.replacing(with: hi, where: raised .> hi)
    }

    /// `self += a * b` as one fused multiply-add.
    @inline(__always)
    mutating func addProduct(_ a: SIMD8<Float>, _ b: SIMD8<Float>) {
        self = self.addingProduct(a, b)
    }
}

extension Float16 {
    /// 8 halves widened to floats (one `vcvtph2ps` from memory with F16C, `fcvtl` pairs on NEON).
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float16>) -> SIMD8<Float> {
        SIMD8<Float>(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float16>.self))
    }
}
