/// Area resampling of 8-bit RGB straight into MTCNN's normalised float input.
///
/// PyTorch's `interpolate(mode: "area")` (adaptive average pooling), which facenet-pytorch uses for
/// the pyramid and the crops: output pixel (i, j) is the mean of input rows
/// `floor(i·H/outH) ..< ceil((i+1)·H/outH)` and the same for columns. It works for up- and
/// down-sampling. The mean over a rectangle is separable, so we sum along rows first and then along
/// columns: O(H·outW + outH·outW) windows instead of O(outH·outW) rectangles. `Naive.resizeArea`
/// is the oracle (it differs only in float summation order).
enum AreaResample {
    /// Floats `resampleScratchCount` needs: one row-summed copy of the source rows.
    static func scratchCount(sourceHeight: Int, outWidth: Int) -> Int { sourceHeight * outWidth * 3 }

    /// Resamples the `height × width` RGB region starting at `source` (rows `rowStride` bytes apart)
    /// to `[outHeight, outWidth, 3]` floats `(mean − 127.5) · 0.0078125`.
    static func resample(source: UnsafePointer<UInt8>, rowStride: Int, height: Int, width: Int,
                         output: UnsafeMutablePointer<Float>, outHeight: Int, outWidth: Int,
                         scratch: UnsafeMutablePointer<Float>) {
        // scratch [height, outWidth, 3]: per-row sums over each output column's window.
        for y in 0..<height {
            let row = source + y * rowStride
            let dst = scratch + y * outWidth * 3
            for ox in 0..<outWidth {
                let xa = ox * width / outWidth, xb = ((ox + 1) * width + outWidth - 1) / outWidth
                var r: Float = 0, g: Float = 0, b: Float = 0
                var p = row + xa * 3
                for _ in xa..<xb {
                    r += Float(p[0]); g += Float(p[1]); b += Float(p[2])
                    p += 3
                }
                dst[ox * 3] = r; dst[ox * 3 + 1] = g; dst[ox * 3 + 2] = b
            }
        }
        let rowFloats = outWidth * 3
        for oy in 0..<outHeight {
            let ya = oy * height / outHeight, yb = ((oy + 1) * height + outHeight - 1) / outHeight
            let out = output + oy * rowFloats
            for i in 0..<rowFloats { out[i] = 0 }
            for y in ya..<yb {
                let src = scratch + y * rowFloats
                for i in 0..<rowFloats { out[i] += src[i] }
            }
            // Columns differ in window width, so the divisor is per output column.
            for ox in 0..<outWidth {
                let xa = ox * width / outWidth, xb = ((ox + 1) * width + outWidth - 1) / outWidth
                let inv = 1 / Float((yb - ya) * (xb - xa))
                for c in 0..<3 {
                    out[ox * 3 + c] = (out[ox * 3 + c] * inv - 127.5) * 0.0078125
                }
            }
        }
    }
}
