/// Winograd F(4×4, 3×3) tile transforms (Lavin & Gray 2016, interpolation points 0, ±1, ±2, ∞):
/// 6×6 input patches, 36 products, 4×4 outputs; run by `WinogradConv3x3`.
enum WinogradConv3x3F4: WinogradTiles {
    static var outputTile: Int { 4 }
    static let g: [[Double]] = [[1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                                [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1]]

    typealias Six<V> = (V, V, V, V, V, V)

    /// Bᵀ = [[4, 0, −5, 0, 1, 0], [0, −4, −4, 1, 1, 0], [0, 4, −4, −1, 1, 0], [0, −2, −1, 2, 1, 0],
    /// [0, 2, −1, −2, 1, 0], [0, 4, 0, −5, 0, 1]] applied to six values.
    @inline(__always)
    static func b(_ d: Six<SIMD8<Float>>) -> Six<SIMD8<Float>> {
        let four = SIMD8<Float>(repeating: 4), five = SIMD8<Float>(repeating: 5), two = SIMD8<Float>(repeating: 2)
        let a = d.4 - four * d.2, b = d.3 - four * d.1      // rows 1, 2
        let c = d.4 - d.2, e = two * (d.3 - d.1)           // rows 3, 4
        return (four * d.0 - five * d.2 + d.4, a + b, a - b, c + e, c - e, four * d.1 - five * d.3 + d.5)
    }

    @inline(__always)
    static func transformInput(_ load: (Int, Int) -> SIMD8<Float>, _ store: (Int, SIMD8<Float>) -> Void) {
        @inline(__always) func column(_ c: Int) -> Six<SIMD8<Float>> {
            b((load(0, c), load(1, c), load(2, c), load(3, c), load(4, c), load(5, c)))
        }
        // Bᵀ d, column by column: t[i] is row i of Bᵀ d.
        let t0 = column(0), t1 = column(1), t2 = column(2), t3 = column(3), t4 = column(4), t5 = column(5)
        @inline(__always) func row(_ i: Int, _ r: Six<SIMD8<Float>>) {
            let v = b(r)
            store(6 * i, v.0); store(6 * i + 1, v.1); store(6 * i + 2, v.2)
            store(6 * i + 3, v.3); store(6 * i + 4, v.4); store(6 * i + 5, v.5)
        }
        row(0, (t0.0, t1.0, t2.0, t3.0, t4.0, t5.0)); row(1, (t0.1, t1.1, t2.1, t3.1, t4.1, t5.1))
        row(2, (t0.2, t1.2, t2.2, t3.2, t4.2, t5.2)); row(3, (t0.3, t1.3, t2.3, t3.3, t4.3, t5.3))
        row(4, (t0.4, t1.4, t2.4, t3.4, t4.4, t5.4)); row(5, (t0.5, t1.5, t2.5, t3.5, t4.5, t5.5))
    }

    /// Aᵀ = [[1, 1, 1, 1, 1, 0], [0, 1, −1, 2, −2, 0], [0, 1, 1, 4, 4, 0], [0, 1, −1, 8, −8, 1]]
    /// applied to six values.
    @inline(__always)
    static func a(_ m: Six<SIMD16<Float>>) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        let s12 = m.1 + m.2, d12 = m.1 - m.2, s34 = m.3 + m.4, d34 = m.3 - m.4
        return (m.0 + s12 + s34, d12 + 2 * d34, s12 + 4 * s34, d12 + 8 * d34 + m.5)
    }

    @inline(__always)
    static func transformOutput(_ at: (Int) -> SIMD16<Float>, _ store: (Int, Int, SIMD16<Float>) -> Void) {
        @inline(__always) func column(_ j: Int) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
            a((at(j), at(6 + j), at(12 + j), at(18 + j), at(24 + j), at(30 + j)))
        }
        // Aᵀ M column by column (s[j] = column j), then A on each of the 4 rows.
        let s0 = column(0), s1 = column(1), s2 = column(2), s3 = column(3), s4 = column(4), s5 = column(5)
        @inline(__always) func row(_ r: Int, _ v: Six<SIMD16<Float>>) {
            let y = a(v)
            store(r, 0, y.0); store(r, 1, y.1); store(r, 2, y.2); store(r, 3, y.3)
        }
        row(0, (s0.0, s1.0, s2.0, s3.0, s4.0, s5.0)); row(1, (s0.1, s1.1, s2.1, s3.1, s4.1, s5.1))
        row(2, (s0.2, s1.2, s2.2, s3.2, s4.2, s5.2)); row(3, (s0.3, s1.3, s2.3, s3.3, s4.3, s5.3))
    }
}
