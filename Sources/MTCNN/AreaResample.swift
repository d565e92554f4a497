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
/// difference, read as Int32 as long as one window holds less than 2³¹ / 255 pixels). One pixel's
/// three sums and the next value go through as one 4-lane vector.
public struct IntegralImage {
    public let width: Int, height: Int
    /// `[(height + 1), (width + 1), 3]` prefix sums; row 0 and column 0 are zero. One more zero at
    /// the end, so that the last pixel's sums can be read as a 4-lane vector.
    private(set) var sums: [UInt32]

    public init() { width = 0; height = 0; sums = [] }

    /// Builds the prefix sums of `image` (`width × height` RGB), reusing `storage`'s capacity.
    public init(pixels: UnsafePointer<UInt8>, width: Int, height: Int, reusing storage: [UInt32] = []) {
        self.width = width; self.height = height
        var s = storage
        let count = (height + 1) * (width + 1) * 3 + 1
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
                    let offset = SIMD4<Float>(repeating: 0.99609375)
                    for oy in 0..<outHeight {
                        let ya = y0 + oy * regionHeight / outHeight
                        let yb = y0 + ((oy + 1) * regionHeight + outHeight - 1) / outHeight
                        let top = UnsafeRawPointer(base + ya * stride), bottom = UnsafeRawPointer(base + yb * stride)
                        let inverseRows = 1 / Float(yb - ya)
                        // The 4-lane store writes one float past the pixel (the next pixel's red, written
                        // after it): not for the very last pixel of the output.
                        let vectorColumns = oy == outHeight - 1 ? outWidth - 1 : outWidth
                        @inline(__always) func pixel(_ ox: Int) -> SIMD4<Float> {
                            let xa = columns[2 * ox] * 4, xb = columns[2 * ox + 1] * 4
                            @inline(__always) func load(_ row: UnsafeRawPointer, _ at: Int) -> SIMD4<UInt32> {
                                row.loadUnaligned(fromByteOffset: at, as: SIMD4<UInt32>.self)
                            }
                            let sum = load(bottom, xb) &- load(bottom, xa) &- load(top, xb) &+ load(top, xa)
                            // (sum / count − 127.5) · 0.0078125 with the 0.0078125 folded into the scale.
                            let scale = SIMD4(repeating: inverseWidth[ox] * inverseRows)
                            return SIMD4<Float>(SIMD4<Int32>(truncatingIfNeeded: sum)) * scale - offset
                        }
                        for ox in 0..<vectorColumns {
                            UnsafeMutableRawPointer(out).storeBytes(of: pixel(ox), as: SIMD4<Float>.self)
                            out += 3
                        }
                        if vectorColumns < outWidth {
                            let v = pixel(outWidth - 1)
                            out[0] = v[0]; out[1] = v[1]; out[2] = v[2]
                            out += 3
                        }
                    }
                }
            }
        }
    }
}
