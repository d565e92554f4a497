import Foundation
import ImageIO

/// Colours, font and small helpers shared by the report charts.
enum ChartStyle {
    static let font = BitmapFont.fixed6x13
    static let background = RGBColor.white
    static let text = RGBColor(33, 37, 41)
    static let muted = RGBColor(108, 117, 125)
    static let grid = RGBColor(230, 233, 237)
    static let axis = RGBColor(150, 156, 162)
    /// Train and validation (matplotlib's first two "tab10" colours).
    static let train = RGBColor(31, 119, 180)
    static let validation = RGBColor(255, 127, 14)
    static let bar = RGBColor(76, 114, 176)
    /// Light end of the heat-map ramp (count 0) and its dark end (the largest count):
    /// matplotlib's "Blues". Every channel falls from one to the other, so darkness grows with the count.
    static let heatLow = RGBColor(247, 251, 255)
    static let heatHigh = RGBColor(8, 48, 107)
    static let margin = 16
    static let titleScale = 2

    /// The heat-map colour of `t` in [0, 1].
    static func heat(_ t: Double) -> RGBColor {
        let t = max(0, min(1, t.isFinite ? t : 0))
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded()) }
        return RGBColor(mix(heatLow.r, heatHigh.r), mix(heatLow.g, heatHigh.g), mix(heatLow.b, heatHigh.b))
    }

    /// Text readable on `color`: white on dark, dark on light.
    static func textColor(on color: RGBColor) -> RGBColor {
        0.299 * Double(color.r) + 0.587 * Double(color.g) + 0.114 * Double(color.b) < 140 ? .white : text
    }

    static func percent(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }

    /// A white canvas.
    static func canvas(width: Int, height: Int) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        image.fill(x0: 0, y0: 0, x1: width, y1: height, background)
        return image
    }
}

/// A rectangle of the canvas onto which data coordinates are mapped (y grows upwards).
struct PlotArea {
    var left: Int, top: Int, width: Int, height: Int
    var x: ClosedRange<Double>, y: ClosedRange<Double>

    func px(_ v: Double) -> Float {
        let span = x.upperBound - x.lowerBound
        return Float(left) + Float(span > 0 ? (v - x.lowerBound) / span : 0.5) * Float(width - 1)
    }

    func py(_ v: Double) -> Float {
        let span = y.upperBound - y.lowerBound
        return Float(top + height - 1) - Float(span > 0 ? (v - y.lowerBound) / span : 0.5) * Float(height - 1)
    }

    /// Grid lines with tick labels at `xTicks` (below) and `yTicks` (left), and the axis lines.
    func drawAxes(on image: inout RGBImage, xTicks: [Double], yTicks: [Double], xLabel: (Double) -> String, yLabel: (Double) -> String) {
        let font = ChartStyle.font
        for t in yTicks {
            let y = Int(py(t).rounded())
            image.fill(x0: left, y0: y, x1: left + width, y1: y + 1, ChartStyle.grid)
            let s = yLabel(t)
            image.drawText(s, x: left - 6 - font.width(of: s), y: y - font.height / 2, color: ChartStyle.muted)
        }
        for t in xTicks {
            let x = Int(px(t).rounded())
            image.fill(x0: x, y0: top, x1: x + 1, y1: top + height, ChartStyle.grid)
            let s = xLabel(t)
            image.drawText(s, x: x - font.width(of: s) / 2, y: top + height + 4, color: ChartStyle.muted)
        }
        image.fill(x0: left, y0: top + height - 1, x1: left + width, y1: top + height, ChartStyle.axis)
        image.fill(x0: left, y0: top, x1: left + 1, y1: top + height, ChartStyle.axis)
    }

    /// A polyline through the points, with a dot on each when they are few enough to tell apart.
    func drawSeries(_ points: [(Double, Double)], color: RGBColor, on image: inout RGBImage) {
        for (a, b) in zip(points, points.dropFirst()) {
            image.drawLine(x0: px(a.0), y0: py(a.1), x1: px(b.0), y1: py(b.1), color: color, thickness: 2)
        }
        if points.count <= 1 || Float(width) / Float(points.count) >= 8 {
            for p in points { image.fillCircle(x: px(p.0), y: py(p.1), radius: 2.5, color: color) }
        }
    }
}

/// About `count` round tick values (steps of 1, 2 or 5 × 10^k) covering `lo…hi`, and the step
/// (with slack for values that were Floats: 1e-3 as a Float is a little over 1e-3).
func niceTicks(_ lo: Double, _ hi: Double, count: Int) -> (ticks: [Double], step: Double) {
    guard lo.isFinite, hi.isFinite, hi > lo, count > 0 else { return ([lo.isFinite ? lo : 0], 1) }
    let raw = (hi - lo) / Double(count)
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-6) } ?? 10 * magnitude
    var ticks: [Double] = []
    var t = (lo / step).rounded(.up) * step
    while t <= hi + step * 1e-9 { ticks.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
    return (ticks, step)
}

/// A tick label with as many decimals as `step` needs (scientific below 0.001).
func tickLabel(_ v: Double, step: Double) -> String {
    if v == 0 { return "0" }
    if step < 0.001 { return String(format: "%.1e", v) }
    let decimals = max(0, Int((-log10(step)).rounded(.up)))
    return String(format: "%.\(decimals)f", v)
}

/// Draws `text` with scale `scale` centred horizontally in `left..<left+width` at `y`.
func drawCentred(_ text: String, on image: inout RGBImage, left: Int, width: Int, y: Int, scale: Int = 1, color: RGBColor = ChartStyle.text) {
    image.drawText(text, x: left + (width - ChartStyle.font.width(of: text, scale: scale)) / 2, y: y, color: color, scale: scale)
}

/// A vertical dashed line (3 on, 3 off) at `x` from `top` to `bottom`.
func drawDashedVertical(on image: inout RGBImage, x: Int, top: Int, bottom: Int, color: RGBColor) {
    for y in stride(from: top, to: bottom, by: 6) { image.fill(x0: x, y0: y, x1: x + 1, y1: min(y + 3, bottom), color) }
}
