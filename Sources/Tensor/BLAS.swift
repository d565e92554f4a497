import CBLAS

/// Single-precision matrix multiply through OpenBLAS, row-major:
/// `C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C`.
/// OpenBLAS is kept at one thread (its own threads slow the small MobileNet shapes down);
/// parallelism comes from `ThreadPool` splitting work items.
public enum BLAS {
    /// Call once before any sgemm; idempotent.
    public static let configured: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    @inline(__always)
    public static func sgemm(transposeA: Bool = false, transposeB: Bool = false,
                             m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        _ = configured
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
