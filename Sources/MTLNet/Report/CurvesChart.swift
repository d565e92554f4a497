import ImageIO

extension ReportCharts {
    /// Training curves: for every task its loss and its accuracy per epoch (train and
    /// validation), then the learning rate; a dashed line marks `bestEpoch` (the restored one).
    public static func curves(_ history: [EpochRecord], tasks: [String], bestEpoch: Int?) -> RGBImage {
        precondition(history.allSatisfy { r in [r.trainLoss, r.trainAccuracy, r.validationLoss, r.validationAccuracy].allSatisfy { $0.count >= tasks.count } },
                     "ReportCharts.curves: every epoch needs a value per task (\(tasks.count))")
        let font = ChartStyle.font, m = ChartStyle.margin
        let panelWidth = 440, panelHeight = 240, gap = 12
        let title = "Training curves"
        let subtitle = "\(history.count) epochs" + (bestEpoch.map { "; best epoch \($0) (dashed) restored" } ?? "")
        let legendTop = m + font.height * ChartStyle.titleScale + 6 + font.height + 8
        let top = legendTop + font.height + 12
        let rows = tasks.count + 1
        let width = 2 * m + 2 * panelWidth + gap
        let height = top + rows * (panelHeight + gap) - gap + m
        var image = ChartStyle.canvas(width: width, height: height)
        image.drawText(title, x: m, y: m, color: ChartStyle.text, scale: ChartStyle.titleScale)
        image.drawText(subtitle, x: m, y: m + font.height * ChartStyle.titleScale + 6, color: ChartStyle.muted)
        var x = m
        for (name, color) in [("train", ChartStyle.train), ("validation", ChartStyle.validation)] {
            image.fill(x0: x, y0: legendTop + 5, x1: x + 18, y1: legendTop + 8, color)
            image.drawText(name, x: x + 24, y: legendTop, color: ChartStyle.text)
            x += 24 + font.width(of: name) + 20
        }

        let epochs = history.map { Double($0.epoch) }
        func panel(row: Int, column: Int, title: String, series: [([Double], RGBColor)], percent: Bool = false) {
            let left = m + column * (panelWidth + gap), ptop = top + row * (panelHeight + gap)
            let values = series.flatMap(\.0).filter(\.isFinite)
            var lo = percent ? 0 : min(0, values.min() ?? 0), hi = percent ? 1 : (values.max() ?? 1)
            if hi <= lo { hi = lo + 1 }
            let (yTicks, yStep) = niceTicks(lo, hi, count: 5)
            if let last = yTicks.last, last < hi - yStep * 1e-6 { hi = last + yStep }
            lo = min(lo, yTicks.first ?? lo)
            let yLabel: (Double) -> String = percent ? { "\(Int(($0 * 100).rounded()))%" } : { tickLabel($0, step: yStep) }
            let labelWidth = yTicks.map { font.width(of: yLabel($0)) }.max() ?? 0
            let xr = (epochs.first ?? 1)...max(epochs.last ?? 1, (epochs.first ?? 1) + 1)
            let area = PlotArea(left: left + labelWidth + 10, top: ptop + font.height + 8,
                                width: panelWidth - labelWidth - 18, height: panelHeight - 2 * font.height - 22, x: xr, y: lo...hi)
            image.drawText(title, x: area.left, y: ptop, color: ChartStyle.text)
            let (xTicks, xStep) = niceTicks(xr.lowerBound, xr.upperBound, count: 6)
            area.drawAxes(on: &image, xTicks: xTicks.filter { $0 == $0.rounded() }, yTicks: yTicks,
                          xLabel: { tickLabel($0, step: max(1, xStep)) }, yLabel: yLabel)
            let epochLabel = "epoch"
            image.drawText(epochLabel, x: area.left + area.width - font.width(of: epochLabel), y: area.top + area.height + 4 + font.height,
                           color: ChartStyle.muted)
            if let bestEpoch {
                drawDashedVertical(on: &image, x: Int(area.px(Double(bestEpoch)).rounded()), top: area.top, bottom: area.top + area.height,
                                   color: ChartStyle.muted)
            }
            for (values, color) in series { area.drawSeries(Array(zip(epochs, values)), color: color, on: &image) }
        }
        for (k, name) in tasks.enumerated() {
            panel(row: k, column: 0, title: "\(name): loss", series: [
                (history.map { Double($0.trainLoss[k]) }, ChartStyle.train),
                (history.map { Double($0.validationLoss[k]) }, ChartStyle.validation)])
            panel(row: k, column: 1, title: "\(name): accuracy", series: [
                (history.map { Double($0.trainAccuracy[k]) }, ChartStyle.train),
                (history.map { Double($0.validationAccuracy[k]) }, ChartStyle.validation)], percent: true)
        }
        panel(row: tasks.count, column: 0, title: "learning rate", series: [(history.map { Double($0.learningRate) }, ChartStyle.text)])
        return image
    }
}
