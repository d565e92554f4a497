import ImageIO

/// Packed YUYV 4:2:2 (`Y0 U Y1 V` per pixel pair), as USB cameras send it, to 8-bit RGB.
public enum YUYV {
    /// BT.601 limited range (Y 16…235, Cb/Cr 16…240), the UVC default, in 16.16 fixed point.
    public static func toRGB(_ bytes: [UInt8], width: Int, height: Int) -> RGBImage {
        precondition(width % 2 == 0 && bytes.count >= width * height * 2, "YUYV.toRGB: \(bytes.count) bytes for \(width)×\(height) (width must be even)")
        var out = [UInt8](repeating: 0, count: width * height * 3)
        bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for pair in 0..<(width * height / 2) {
                    let s = pair * 4, d = pair * 6
                    let u = Int32(src[s + 1]) - 128, v = Int32(src[s + 3]) - 128
                    let r = 104_597 * v, g = -25_674 * u - 53_278 * v, b = 132_201 * u
                    for k in 0..<2 {
                        let y = (Int32(src[s + 2 * k]) - 16) * 76_309 + 32_768
                        dst[d + 3 * k] = clamp(y + r)
                        dst[d + 3 * k + 1] = clamp(y + g)
                        dst[d + 3 * k + 2] = clamp(y + b)
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    @inline(__always) private static func clamp(_ v: Int32) -> UInt8 { UInt8(min(max(v >> 16, 0), 255)) }
}
