import ImageIO
import Tensor

extension RGBImage {
    /// The central square of the image resized to `size × size`: area averaging when shrinking
    /// (no aliasing), bilinear when enlarging. How `--aligned` face crops reach the backbone's size.
    public func centerSquare(size: Int) -> RGBImage {
        precondition(size > 0, "centerSquare: size must be positive")
        let side = Swift.min(width, height)
        let x0 = (width - side) / 2, y0 = (height - side) / 2
        if side == size && width == height { return self }
        var square = [Float](repeating: 0, count: side * side * 3)   // [side, side, 3]
        for y in 0..<side {
            for i in 0..<(side * 3) { square[y * side * 3 + i] = Float(pixels[((y0 + y) * width + x0) * 3 + i]) }
        }
        var out = [Float](repeating: 0, count: size * size * 3)      // [size, size, 3]
        square.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                if size < side {
                    Naive.resizeArea(input: s.baseAddress!, batch: 1, height: side, width: side, channels: 3,
                                     output: o.baseAddress!, outHeight: size, outWidth: size)
                } else {
                    Naive.resizeBilinear(input: s.baseAddress!, batch: 1, height: side, width: side, channels: 3,
                                         output: o.baseAddress!, outHeight: size, outWidth: size)
                }
            }
        }
        return RGBImage(width: size, height: size, pixels: out.map { UInt8(Swift.max(0, Swift.min(255, $0.rounded()))) })
    }
}
