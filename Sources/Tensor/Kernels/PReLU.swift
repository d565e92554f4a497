extension Ops {
    /// PReLU in place with one slope per channel (MTCNN). data `[positions, C]`, alpha `[C]`.
    /// Channel-inner loop without the `i % C` of `Naive.prelu`, so it vectorises; same results.
    public static func prelu(_ data: UnsafeMutablePointer<Float>, count: Int, channels: Int, alpha: UnsafePointer<Float>) {
        precondition(channels > 0 && count % channels == 0, "Ops.prelu: \(count) values are not whole rows of \(channels) channels")
        var row = data
        for _ in 0..<(count / channels) {
            for c in 0..<channels {
                let v = row[c]
                row[c] = v < 0 ? v * alpha[c] : v
            }
            row += channels
        }
    }
}
