/// The eight EXIF orientations as pixel transforms. `RGBImage.oriented(exif:)` turns the stored
/// pixels into the image as it is meant to be seen.
extension RGBImage {
    /// Applies EXIF orientation `exif` (1 = as stored, 2 = mirrored, 3 = rotated 180°, 4 = flipped,
    /// 5 = transposed, 6 = rotate 90° clockwise to view, 7 = transverse, 8 = rotate 90°
    /// anticlockwise to view). Orientations 5–8 swap width and height. Other values: unchanged.
    public func oriented(exif orientation: Int) -> RGBImage {
        guard (2...8).contains(orientation) else { return self }
        let w = width, h = height
        let swaps = orientation >= 5
        let outW = swaps ? h : w, outH = swaps ? w : h
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        // Source pixel of output (ox, oy), from the EXIF definitions of row 0 / column 0.
                        let sx: Int, sy: Int
                        switch orientation {
                        case 2: (sx, sy) = (w - 1 - ox, oy)
                        case 3: (sx, sy) = (w - 1 - ox, h - 1 - oy)
                        case 4: (sx, sy) = (ox, h - 1 - oy)
                        case 5: (sx, sy) = (oy, ox)
                        case 6: (sx, sy) = (oy, h - 1 - ox)
                        case 7: (sx, sy) = (w - 1 - oy, h - 1 - ox)
                        default: (sx, sy) = (w - 1 - oy, ox)    // 8
                        }
                        let s = (sy * w + sx) * 3, d = (oy * outW + ox) * 3
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: outW, height: outH, pixels: out)
    }
}
