/// Winograd F(2×2, 3×3) tile transforms (Lavin & Gray 2016, interpolation points 0, ±1, ∞): 4×4
/// input patches, 16 products, 2×2 outputs. Additions only; run by `WinogradConv3x3`.
enum WinogradConv3x3F2: WinogradTiles {
    static var outputTile: Int { 2 }
    static let g: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]

    /// Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]], on the rows then the columns.
    @inline(__always)
    static func transformInput(_ load: (Int, Int) -> SIMD8<Float>, _ store: (Int, SIMD8<Float>) -> Void) {
        @inline(__always) func row(_ r: Int) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
            (load(r, 0), load(r, 1), load(r, 2), load(r, 3))
        }
        let d0 = row(0), d1 = row(1), d2 = row(2), d3 = row(3)
        let r0 = (d0.0 - d2.0, d0.1 - d2.1, d0.2 - d2.2, d0.3 - d2.3)
        let r1 = (d1.0 + d2.0, d1.1 + d2.1, d1.2 + d2.2, d1.3 + d2.3)
        let r2 = (d2.0 - d1.0, d2.1 - d1.1, d2.2 - d1.2, d2.3 - d1.3)
        let r3 = (d1.0 - d3.0, d1.1 - d3.1, d1.2 - d3.2, d1.3 - d3.3)
        @inline(__always) func columns(_ r: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>), _ i: Int) {
            store(4 * i, r.0 - r.2); store(4 * i + 1, r.1 + r.2); store(4 * i + 2, r.2 - r.1); store(4 * i + 3, r.1 - r.3)
        }
        columns(r0, 0); columns(r1, 1); columns(r2, 2); columns(r3, 3)
    }

    /// Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]], on the rows then the columns.
    @inline(__always)
    static func transformOutput(_ at: (Int) -> SIMD16<Float>, _ store: (Int, Int, SIMD16<Float>) -> Void) {
        @inline(__always) func column(_ j: Int) -> (SIMD16<Float>, SIMD16<Float>) {
            let m0 = at(j), m1 = at(4 + j), m2 = at(8 + j), m3 = at(12 + j)
            return (m0 + m1 + m2, m1 - m2 - m3)
        }
        let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3)
        store(0, 0, c0.0 + c1.0 + c2.0); store(0, 1, c1.0 - c2.0 - c3.0)
        store(1, 0, c0.1 + c1.1 + c2.1); store(1, 1, c1.1 - c2.1 - c3.1)
    }
}
