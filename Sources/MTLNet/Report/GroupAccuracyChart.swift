import ImageIO

extension ReportCharts {
    /// Horizontal bars: the accuracy of `group.task` for each true label of `group.by`, with the
    /// counts, and a dashed line at the accuracy over all of them.
    public static func groupAccuracy(_ group: GroupAccuracy) -> RGBImage {
        let font = ChartStyle.font, m = ChartStyle.margin
        let rowHeight = 26, barHeight = 18, barsWidth = 400
        let title = "\(group.task) accuracy by \(group.by)"
        let subtitle = "overall \(ChartStyle.percent(group.overall)) on \(group.groups.reduce(0) { $0 + $1.images }) images (dashed line)"
        let values = group.groups.map { "\(ChartStyle.percent($0.accuracy))  \($0.correct)/\($0.images)" }
        let labelWidth = group.groups.map { font.width(of: $0.label) }.max() ?? 0
        let valueWidth = values.map { font.width(of: $0) }.max() ?? 0
        let left = m + labelWidth + 8
        let top = m + font.height * ChartStyle.titleScale + 6 + font.height + 14
        let area = PlotArea(left: left, top: top, width: barsWidth, height: max(1, group.groups.count) * rowHeight, x: 0...1, y: 0...1)
        let width = max(left + barsWidth + 12 + valueWidth + m, 2 * m + max(font.width(of: title, scale: ChartStyle.titleScale), font.width(of: subtitle)))
        let height = top + area.height + 4 + font.height + 4 + font.height + m
        var image = ChartStyle.canvas(width: width, height: height)
        image.drawText(title, x: m, y: m, color: ChartStyle.text, scale: ChartStyle.titleScale)
        image.drawText(subtitle, x: m, y: m + font.height * ChartStyle.titleScale + 6, color: ChartStyle.muted)
        area.drawAxes(on: &image, xTicks: stride(from: 0.0, through: 1.0, by: 0.2).map { $0 }, yTicks: [],
                      xLabel: { "\(Int(($0 * 100).rounded()))%" }, yLabel: { _ in "" })
        drawCentred("accuracy", on: &image, left: left, width: barsWidth, y: top + area.height + 4 + font.height + 2, color: ChartStyle.muted)
        for (k, g) in group.groups.enumerated() {
            let y = top + k * rowHeight + (rowHeight - barHeight) / 2
            let end = Int(area.px(g.accuracy).rounded())
            image.fill(x0: left + 1, y0: y, x1: end + 1, y1: y + barHeight, ChartStyle.bar)
            image.drawText(g.label, x: left - 8 - font.width(of: g.label), y: y + (barHeight - font.height) / 2 + 1, color: ChartStyle.text)
            image.drawText(values[k], x: left + barsWidth + 12, y: y + (barHeight - font.height) / 2 + 1, color: ChartStyle.text)
        }
        drawDashedVertical(on: &image, x: Int(area.px(group.overall).rounded()), top: top, bottom: top + area.height, color: ChartStyle.validation)
        return image
    }
}
