/// Geometry on 8-bit images: crop and bilinear resize (for thumbnails and annotation; the network
/// inputs use the float kernels in `Tensor`).
extension RGBImage {
    /// The pixels with x in `x..<x+width`, y in `y..<y+height`; the rectangle must lie inside the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> RGBImage {
        precondition(w > 0 && h > 0 && x >= 0 && y >= 0 && x + w <= width && y + h <= height,
                     "RGBImage.cropped: \(w)×\(h) at (\(x), \(y)) is not inside \(width)×\(height)")
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for row in 0..<h {
            let src = ((y + row) * width + x) * 3
            out[(row * w * 3)..<((row + 1) * w * 3)] = pixels[src..<(src + w * 3)]
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// Bilinear resize with half-pixel centres (OpenCV `INTER_LINEAR`, PyTorch `align_corners=False`):
    /// output pixel i samples the input at (i + 0.5) · in/out − 0.5, clamped to the edge.
    public func resized(width w: Int, height h: Int) -> RGBImage {
        precondition(w > 0 && h > 0, "RGBImage.resized: size must be positive, got \(w)×\(h)")
        if w == width && h == height { return self }
        // Per output column: left source index and weight; computed once, not per row.
        func taps(_ outSize: Int, _ inSize: Int) -> (index: [Int], weight: [Float]) {
            let scale = Float(inSize) / Float(outSize)
            var index = [Int](repeating: 0, count: outSize), weight = [Float](repeating: 0, count: outSize)
            for i in 0..<outSize {
                let s = min(max((Float(i) + 0.5) * scale - 0.5, 0), Float(inSize - 1))
                let i0 = min(Int(s), inSize - 1)
                index[i] = i0; weight[i] = s - Float(i0)
            }
            return (index, weight)
        }
        let xs = taps(w, width), ys = taps(h, height)
        var out = [UInt8](repeating: 0, count: w * h * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<h {
                    let y0 = ys.index[oy], y1 = min(y0 + 1, height - 1), fy = ys.weight[oy]
                    for ox in 0..<w {
                        let x0 = xs.index[ox], x1 = min(x0 + 1, width - 1), fx = xs.weight[ox]
                        for c in 0..<3 {
                            let a = Float(src[(y0 * width + x0) * 3 + c]), b = Float(src[(y0 * width + x1) * 3 + c])
                            let p = Float(src[(y1 * width + x0) * 3 + c]), q = Float(src[(y1 * width + x1) * 3 + c])
                            let top = a + (b - a) * fx, bottom = p + (q - p) * fx
                            dst[(oy * w + ox) * 3 + c] = UInt8(min(255, max(0, (top + (bottom - top) * fy).rounded())))
                        }
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}
