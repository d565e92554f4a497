/// Which way a line of text runs.
public enum TextDirection: Sendable {
    /// Left to right.
    case horizontal
    /// Bottom to top (turned a quarter counter-clockwise), for vertical axis labels.
    case up
}

/// Text drawing with a `BitmapFont`; clipped like the rest of the drawing, nothing traps.
extension RGBImage {
    /// Draws one line of `text` whose bounding box has its top-left corner at (`x`, `y`); each
    /// font pixel becomes a `scale` × `scale` square. The box is `font.width(of:scale:)` wide and
    /// `font.height · scale` tall (the other way round for `.up`).
    public mutating func drawText(_ text: String, x: Int, y: Int, color: RGBColor, scale: Int = 1,
                                  direction: TextDirection = .horizontal, font: BitmapFont = .fixed6x13) {
        guard scale > 0 else { return }
        let length = font.width(of: text)
        for (i, scalar) in text.unicodeScalars.enumerated() {
            for gy in 0..<font.height {
                for gx in 0..<font.width where font.isSet(scalar, x: gx, y: gy) {
                    let u = i * font.width + gx   // along the line
                    let (px, py) = direction == .horizontal ? (x + u * scale, y + gy * scale)
                                                            : (x + gy * scale, y + (length - 1 - u) * scale)
                    fill(x0: px, y0: py, x1: px + scale, y1: py + scale, color)
                }
            }
        }
    }

    /// Lines of text on a filled rectangle with its top-left corner at (`x`, `y`), `padding`
    /// pixels (times `scale`) around the text; the rectangle is `font.labelSize(…)`.
    public mutating func drawLabel(_ lines: [String], x: Int, y: Int, color: RGBColor, background: RGBColor,
                                   scale: Int = 1, padding: Int = 2, font: BitmapFont = .fixed6x13) {
        let size = font.labelSize(lines, scale: scale, padding: padding)
        fill(x0: x, y0: y, x1: x + size.width, y1: y + size.height, background)
        for (k, line) in lines.enumerated() {
            drawText(line, x: x + padding * scale, y: y + padding * scale + k * font.height * scale, color: color, scale: scale, font: font)
        }
    }

    /// `drawLabel` beside the box with corners (x0, y0) and (x1, y1): on top of it when there is
    /// room above, else below it, else inside its top edge; moved left if needed to stay in the image.
    public mutating func drawLabel(_ lines: [String], nextTo x0: Float, _ y0: Float, _ x1: Float, _ y1: Float, color: RGBColor,
                                   background: RGBColor, scale: Int = 1, padding: Int = 2, font: BitmapFont = .fixed6x13) {
        guard x0.isFinite, y0.isFinite, x1.isFinite, y1.isFinite else { return }
        let size = font.labelSize(lines, scale: scale, padding: padding)
        let left = clampToInt(min(x0, x1)), top = clampToInt(min(y0, y1)), bottom = clampToInt(max(y0, y1))
        var y = top - size.height
        if y < 0 { y = bottom + 1 }
        if y + size.height > height { y = max(0, top) }
        drawLabel(lines, x: max(0, min(left, width - size.width)), y: y, color: color, background: background,
                  scale: scale, padding: padding, font: font)
    }
}

extension BitmapFont {
    /// Size of the rectangle `RGBImage.drawLabel` fills for `lines`.
    public func labelSize(_ lines: [String], scale: Int = 1, padding: Int = 2) -> (width: Int, height: Int) {
        ((lines.map { width(of: $0, scale: scale) }.max() ?? 0) + 2 * padding * scale, lines.count * height * scale + 2 * padding * scale)
    }
}
