/// Area resampling of 8-bit RGB straight into MTCNN's normalised float input.
///
/// PyTorch's `interpolate(mode: "area")` (adaptive average pooling), which facenet-pytorch uses for
/// the pyramid and the crops: output pixel (i, j) is the mean of input rows
/// `floor(i·H/outH) ..< ceil((i+1)·H/outH)` and the same for columns; it works for up- and
/// down-sampling. `Naive.resizeArea` is the oracle.
///
/// Every pyramid level and every R-/O-Net crop is an area resample of the same image, so we build
/// one integral image (per-channel prefix sums) per detection and read each window sum with four
/// lookups. The sums are integers, so they are exact (UInt32 wrap-around cancels in the four-term
/// difference as long as one window holds less than 2³² / 255 pixels).
public struct IntegralImage {
    public let width: Int, height: Int
    /// `[(height + 1), (width + 1), 3]` prefix sums; row 0 and column 0 are zero.
    private(set) var sums: [UInt32]

    public init() { width = 0; height = 0; sums = [] }

    /// Builds the prefix sums of `image` (`width × height` RGB), reusing `storage`'s capacity.
    public init(pixels: UnsafePointer<UInt8>, width: Int, height: Int, reusing storage: [UInt32] = []) {
        self.width = width; self.height = height
        var s = storage
        let count = (height + 1) * (width + 1) * 3
        if s.count != count { s = [UInt32](repeating: 0, count: count) }
        let stride = (width + 1) * 3
        s.withUnsafeMutableBufferPointer { p in
            let base = p.baseAddress!
            for i in 0..<stride { base[i] = 0 }
            for y in 0..<height {
                let above = base + y * stride, row = base + (y + 1) * stride
                let src = pixels + y * width * 3
                var r: UInt32 = 0, g: UInt32 = 0, b: UInt32 = 0
                row[0] = 0; row[1] = 0; row[2] = 0
                for x in 0..<width {
                    r &+= UInt32(src[x * 3]); g &+= UInt32(src[x * 3 + 1]); b &+= UInt32(src[x * 3 + 2])
                    let o = (x + 1) * 3
                    row[o] = above[o] &+ r; row[o + 1] = above[o + 1] &+ g; row[o + 2] = above[o + 2] &+ b
                }
            }
        }
        sums = s
    }

    /// Releases the sums for reuse by the next `init(pixels:…reusing:)`.
    public mutating func takeStorage() -> [UInt32] {
        defer { sums = [] }
        return sums
    }

    /// Area-resamples the region `x0 ..< x0 + regionWidth`, `y0 ..< y0 + regionHeight` to
    /// `[outHeight, outWidth, 3]` floats `(mean − 127.5) · 0.0078125`.
    public func resample(x0: Int, y0: Int, regionWidth: Int, regionHeight: Int,
                         output: UnsafeMutablePointer<Float>, outHeight: Int, outWidth: Int) {
        precondition(x0 >= 0 && y0 >= 0 && regionWidth > 0 && regionHeight > 0
                     && x0 + regionWidth <= width && y0 + regionHeight <= height,
                     "IntegralImage.resample: region outside the \(width)×\(height) image")
        let stride = (width + 1) * 3
        sums.withUnsafeBufferPointer { p in
            let base = p.baseAddress!
            // Column windows (offsets into a sums row) and their reciprocal widths are the same for
            // every output row.
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * outWidth) { columns in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: outWidth) { inverseWidth in
                    for ox in 0..<outWidth {
                        let xa = x0 + ox * regionWidth / outWidth, xb = x0 + ((ox + 1) * regionWidth + outWidth - 1) / outWidth
                        columns[2 * ox] = xa * 3
                        columns[2 * ox + 1] = xb * 3
                        inverseWidth[ox] = 0.0078125 / Float(xb - xa)
                    }
                    var out = output
                    for oy in 0..<outHeight {
                        let ya = y0 + oy * regionHeight / outHeight
                        let yb = y0 + ((oy + 1) * regionHeight + outHeight - 1) / outHeight
                        let top = base + ya * stride, bottom = base + yb * stride
                        let inverseRows = 1 / Float(yb - ya)
                        for ox in 0..<outWidth {
                            let xa = columns[2 * ox], xb = columns[2 * ox + 1]
                            // (sum / count − 127.5) · 0.0078125 with the 0.0078125 folded into the scale.
                            let scale = inverseWidth[ox] * inverseRows
                            for c in 0..<3 {
                                let sum = bottom[xb + c] &- bottom[xa + c] &- top[xb + c] &+ top[xa + c]
                                out[c] = Float(sum) * scale - 0.99609375
                            }
                            out += 3
                        }
                    }
                }
            }
        }
    }
}
