/// An 8-bit RGB colour.
public struct RGBColor: Sendable, Equatable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }

    public static let black = RGBColor(0, 0, 0)
    public static let white = RGBColor(255, 255, 255)
    public static let red = RGBColor(230, 25, 25)
    public static let green = RGBColor(25, 200, 25)
    public static let blue = RGBColor(30, 90, 230)
    public static let yellow = RGBColor(250, 210, 0)
}

/// Annotation drawing (detection boxes, landmarks). Coordinates are pixels, x right, y down, and
/// may lie partly or wholly outside the image: everything is clipped, nothing traps.
extension RGBImage {
    /// Sets one pixel; ignored outside the image.
    public mutating func set(x: Int, y: Int, _ color: RGBColor) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = color.r; pixels[i + 1] = color.g; pixels[i + 2] = color.b
    }

    public func pixel(x: Int, y: Int) -> RGBColor {
        precondition(x >= 0 && y >= 0 && x < width && y < height, "RGBImage.pixel: (\(x), \(y)) outside \(width)×\(height)")
        let i = (y * width + x) * 3
        return RGBColor(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Fills the pixels with x in `x0..<x1`, y in `y0..<y1` (clipped).
    public mutating func fill(x0: Int, y0: Int, x1: Int, y1: Int, _ color: RGBColor) {
        let xa = max(0, x0), xb = min(width, x1), ya = max(0, y0), yb = min(height, y1)
        guard xa < xb, ya < yb else { return }
        for y in ya..<yb {
            for x in xa..<xb {
                let i = (y * width + x) * 3
                pixels[i] = color.r; pixels[i + 1] = color.g; pixels[i + 2] = color.b
            }
        }
    }

    /// Outline of the box with corners (x0, y0) and (x1, y1) (rounded to pixels), `thickness`
    /// pixels wide, drawn inside the box.
    public mutating func drawRectangle(x0: Float, y0: Float, x1: Float, y1: Float, color: RGBColor, thickness: Int = 2) {
        guard x0.isFinite, y0.isFinite, x1.isFinite, y1.isFinite, thickness > 0 else { return }
        let l = clampToInt(min(x0, x1)), r = clampToInt(max(x0, x1)), t = clampToInt(min(y0, y1)), b = clampToInt(max(y0, y1))
        let k = thickness
        fill(x0: l, y0: t, x1: r + 1, y1: t + k, color)          // top
        fill(x0: l, y0: b + 1 - k, x1: r + 1, y1: b + 1, color)  // bottom
        fill(x0: l, y0: t, x1: l + k, y1: b + 1, color)          // left
        fill(x0: r + 1 - k, y0: t, x1: r + 1, y1: b + 1, color)  // right
    }

    /// A filled disc of `radius` pixels centred on (x, y).
    public mutating func fillCircle(x: Float, y: Float, radius: Float, color: RGBColor) {
        guard x.isFinite, y.isFinite, radius.isFinite, radius >= 0 else { return }
        let r2 = radius * radius
        let xa = max(0, clampToInt(x - radius)), xb = min(width - 1, clampToInt(x + radius))
        let ya = max(0, clampToInt(y - radius)), yb = min(height - 1, clampToInt(y + radius))
        guard xa <= xb, ya <= yb else { return }
        for py in ya...yb {
            for px in xa...xb {
                let dx = Float(px) - x, dy = Float(py) - y
                if dx * dx + dy * dy <= r2 { set(x: px, y: py, color) }
            }
        }
    }

    /// A straight line from (x0, y0) to (x1, y1), `thickness` pixels wide (discs along the line).
    public mutating func drawLine(x0: Float, y0: Float, x1: Float, y1: Float, color: RGBColor, thickness: Int = 1) {
        guard thickness > 0 else { return }
        let margin = Float(thickness)
        // Clip to the image (plus the pen's reach) first, so that a line with far-away ends
        // costs no more than one across the image.
        guard let (ax, ay, bx, by) = clipSegment(x0, y0, x1, y1, minX: -margin, minY: -margin,
                                                 maxX: Float(width - 1) + margin, maxY: Float(height - 1) + margin) else { return }
        let steps = Int(max(abs(bx - ax), abs(by - ay)).rounded(.up)) + 1
        // A disc of radius (t − 1)/2 misses every pixel of a 2-wide pen whose centre lies half-way
        // between two rows: the quarter pixel more keeps such lines unbroken.
        let radius = Float(thickness) / 2 - 0.25
        for i in 0...steps {
            let t = Float(i) / Float(steps)
            let x = ax + (bx - ax) * t, y = ay + (by - ay) * t
            if thickness == 1 { set(x: clampToInt(x), y: clampToInt(y), color) }
            else { fillCircle(x: x, y: y, radius: radius, color: color) }
        }
    }
}

/// Liang–Barsky: the part of the segment inside the rectangle, or nil when none is (or when a
/// coordinate is not finite). In Double: with far-away ends, Float would misplace the clipped
/// points by many pixels.
func clipSegment(_ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float,
                 minX: Float, minY: Float, maxX: Float, maxY: Float) -> (Float, Float, Float, Float)? {
    guard x0.isFinite, y0.isFinite, x1.isFinite, y1.isFinite else { return nil }
    let (ax, ay, bx, by) = (Double(x0), Double(y0), Double(x1), Double(y1))
    let dx = bx - ax, dy = by - ay
    var t0 = 0.0, t1 = 1.0
    for (p, q) in [(-dx, ax - Double(minX)), (dx, Double(maxX) - ax), (-dy, ay - Double(minY)), (dy, Double(maxY) - ay)] {
        if p == 0 {
            if q < 0 { return nil }           // parallel to this edge and outside it
        } else {
            let r = q / p
            if p < 0 { if r > t1 { return nil }; t0 = max(t0, r) }
            else { if r < t0 { return nil }; t1 = min(t1, r) }
        }
    }
    return (Float(ax + t0 * dx), Float(ay + t0 * dy), Float(ax + t1 * dx), Float(ay + t1 * dy))
}

/// Rounds to the nearest integer, clamping far-out values so that conversion cannot trap.
@inline(__always)
func clampToInt(_ v: Float) -> Int {
    Int(max(-1_000_000_000, min(1_000_000_000, v.rounded())))
}
