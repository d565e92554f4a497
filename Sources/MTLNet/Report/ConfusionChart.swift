import ImageIO

/// The PNG charts of `facecli eval --report`.
public enum ReportCharts {}

extension ReportCharts {
    /// Where `confusion(_:task:)` puts the matrix: cell (`row`, `column`) covers
    /// `left + column·cell ..< left + (column+1)·cell` by `top + row·cell ..< top + (row+1)·cell`,
    /// its first row and column of pixels being a white separator.
    public struct ConfusionLayout: Equatable, Sendable {
        public var left: Int, top: Int, cell: Int, classes: Int
        public var width: Int, height: Int
        var labelWidth: Int

        public init(_ metrics: TaskMetrics, task: String) {
            let font = ChartStyle.font, m = ChartStyle.margin
            let largest = metrics.confusion.joined().max() ?? 0
            classes = metrics.labels.count
            cell = max(34, font.width(of: "\(largest)") + 12)
            labelWidth = metrics.labels.map { font.width(of: $0) }.max() ?? 0
            left = m + font.height + 8 + labelWidth + 6
            top = m + font.height * ChartStyle.titleScale + 6 + font.height + 12
            let side = classes * cell
            let barRight = left + side + 16 + 14 + 6 + font.width(of: "\(largest)")
            width = max(barRight + m, 2 * m + max(font.width(of: ConfusionLayout.title(metrics, task: task), scale: ChartStyle.titleScale),
                                                  font.width(of: ConfusionLayout.subtitle(metrics))))
            height = top + side + 6 + labelWidth + 8 + font.height + m
        }

        static func title(_ metrics: TaskMetrics, task: String) -> String { "\(task): accuracy \(ChartStyle.percent(metrics.accuracy))" }
        static func subtitle(_ metrics: TaskMetrics) -> String { "\(metrics.count) images; rows: true class, columns: predicted" }
    }

    /// A heat map of `metrics.confusion` (rows: true class, columns: predicted), the count in
    /// every cell, class labels on both axes, a colour bar, and the task and accuracy as title.
    /// Darker cells hold larger counts.
    public static func confusion(_ metrics: TaskMetrics, task: String) -> RGBImage {
        let font = ChartStyle.font, m = ChartStyle.margin
        let layout = ConfusionLayout(metrics, task: task)
        let (left, top, cell, n, labelWidth) = (layout.left, layout.top, layout.cell, layout.classes, layout.labelWidth)
        let largest = metrics.confusion.joined().max() ?? 0
        let side = n * cell
        let barLeft = left + side + 16, barWidth = 14
        var image = ChartStyle.canvas(width: layout.width, height: layout.height)

        image.drawText(ConfusionLayout.title(metrics, task: task), x: m, y: m, color: ChartStyle.text, scale: ChartStyle.titleScale)
        image.drawText(ConfusionLayout.subtitle(metrics), x: m, y: m + font.height * ChartStyle.titleScale + 6, color: ChartStyle.muted)
        for (t, row) in metrics.confusion.enumerated() {
            for (p, count) in row.enumerated() {
                let x = left + p * cell, y = top + t * cell
                let color = ChartStyle.heat(largest == 0 ? 0 : Double(count) / Double(largest))
                image.fill(x0: x, y0: y, x1: x + cell, y1: y + cell, color)
                let s = "\(count)"
                image.drawText(s, x: x + (cell - font.width(of: s)) / 2, y: y + (cell - font.height) / 2,
                               color: count == 0 ? ChartStyle.axis : ChartStyle.textColor(on: color))
            }
        }
        // Thin white separators keep neighbouring cells of similar colour apart.
        for k in 0...n {
            image.fill(x0: left + k * cell, y0: top, x1: left + k * cell + 1, y1: top + side, .white)
            image.fill(x0: left, y0: top + k * cell, x1: left + side, y1: top + k * cell + 1, .white)
        }
        for (k, label) in metrics.labels.enumerated() {
            image.drawText(label, x: left - 6 - font.width(of: label), y: top + k * cell + (cell - font.height) / 2, color: ChartStyle.text)
            image.drawText(label, x: left + k * cell + (cell - font.height) / 2, y: top + side + 6, color: ChartStyle.text, direction: .up)
        }
        drawCentred("predicted", on: &image, left: left, width: side, y: top + side + 6 + labelWidth + 8, color: ChartStyle.muted)
        let axisTitle = "true"
        image.drawText(axisTitle, x: m, y: top + (side - font.width(of: axisTitle)) / 2, color: ChartStyle.muted, direction: .up)

        for y in 0..<side {
            image.fill(x0: barLeft, y0: top + y, x1: barLeft + barWidth, y1: top + y + 1, ChartStyle.heat(1 - Double(y) / Double(max(side - 1, 1))))
        }
        image.drawText("\(largest)", x: barLeft + barWidth + 6, y: top, color: ChartStyle.muted)
        image.drawText("0", x: barLeft + barWidth + 6, y: top + side - font.height, color: ChartStyle.muted)
        return image
    }
}
