/// Pooling kernels vectorised across channels (NHWC: each window tap is a contiguous run of channels).
/// Results match `Naive.maxPool2d`, `Naive.avgPool2d` and `Naive.globalAvgPool` exactly in layout and
/// padding rules (ceil mode comes from `ConvGeometry(ceilMode:)`).
extension Ops {
    /// Max pooling. input `[N, H, W, C]`, output `[N, outH, outW, C]`; padded positions never win.
    public static func maxPool2d(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry) {
        poolWindows(g, output: output) { window, out in
            var ch = 0
            while ch + 8 <= g.inChannels { maxWindow(SIMD8<Float>.self, g, input, window, out, ch); ch += 8 }
            while ch + 4 <= g.inChannels { maxWindow(SIMD4<Float>.self, g, input, window, out, ch); ch += 4 }
            while ch < g.inChannels { maxWindow(Float.self, g, input, window, out, ch); ch += 1 }
        }
    }

    /// Average pooling. input `[N, H, W, C]`, output `[N, outH, outW, C]`.
    /// - Parameter countPadding: divide by the window size including explicit padding (PyTorch
    ///   `count_include_pad=True`, caffe) rather than by the positions inside the input (TF/Keras).
    public static func avgPool2d(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, geometry g: ConvGeometry,
                                 countPadding: Bool) {
        poolWindows(g, output: output) { window, out in
            let divisor = countPadding ? window.paddedCount : max(window.rows.count * window.columns.count, 1)
            let scale = 1 / Float(divisor)
            var ch = 0
            while ch + 8 <= g.inChannels { sumWindow(SIMD8<Float>.self, g, input, window, out, ch, scale); ch += 8 }
            while ch < g.inChannels { sumWindow(Float.self, g, input, window, out, ch, scale); ch += 1 }
        }
    }

    /// Global average pooling. input `[N, H, W, C]`, output `[N, C]`.
    public static func globalAvgPool(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                     batch: Int, height: Int, width: Int, channels: Int) {
        let g = ConvGeometry(batch: batch, inHeight: height, inWidth: width, inChannels: channels, outChannels: channels,
                             kernelHeight: height, kernelWidth: width)
        avgPool2d(input: input, output: output, geometry: g, countPadding: false)
    }

    /// The input rows and columns one output position covers, clipped to the input, and the window
    /// size clipped only to the explicit padding (the `count_include_pad` divisor).
    struct PoolWindow {
        var image: Int
        var rows: Range<Int>
        var columns: Range<Int>
        var paddedCount: Int
    }

    /// Calls `body` for every output position with its window and output pointer.
    @inline(__always)
    static func poolWindows(_ g: ConvGeometry, output: UnsafeMutablePointer<Float>, _ body: (PoolWindow, UnsafeMutablePointer<Float>) -> Void) {
        for n in 0..<g.batch {
            for oy in 0..<g.outHeight {
                let y0 = oy * g.strideHeight - g.padTop
                let rows = max(y0, 0)..<max(min(y0 + g.kernelHeight, g.inHeight), max(y0, 0))
                let paddedRows = min(y0 + g.kernelHeight, g.inHeight + g.padBottom) - y0
                for ox in 0..<g.outWidth {
                    let x0 = ox * g.strideWidth - g.padLeft
                    let columns = max(x0, 0)..<max(min(x0 + g.kernelWidth, g.inWidth), max(x0, 0))
                    let paddedColumns = min(x0 + g.kernelWidth, g.inWidth + g.padRight) - x0
                    let window = PoolWindow(image: n, rows: rows, columns: columns, paddedCount: paddedRows * paddedColumns)
                    body(window, output + ((n * g.outHeight + oy) * g.outWidth + ox) * g.inChannels)
                }
            }
        }
    }

    @inline(__always)
    private static func maxWindow<L: FloatLane>(_: L.Type, _ g: ConvGeometry, _ input: UnsafePointer<Float>,
                                                _ window: PoolWindow, _ out: UnsafeMutablePointer<Float>, _ ch: Int) {
        var m = L(repeating: -.infinity)
        for iy in window.rows {
            let row = input + ((window.image * g.inHeight + iy) * g.inWidth) * g.inChannels + ch
            for ix in window.columns { m = m.maximum(L(loading: row + ix * g.inChannels)) }
        }
        m.store(to: out + ch)
    }

    @inline(__always)
    private static func sumWindow<L: FloatLane>(_: L.Type, _ g: ConvGeometry, _ input: UnsafePointer<Float>,
                                                _ window: PoolWindow, _ out: UnsafeMutablePointer<Float>, _ ch: Int,
                                                _ scale: Float) {
        var sum = L(repeating: 0)
        for iy in window.rows {
            let row = input + ((window.image * g.inHeight + iy) * g.inWidth) * g.inChannels + ch
            for ix in window.columns { sum = sum + L(loading: row + ix * g.inChannels) }
        }
        (sum * L(repeating: scale)).store(to: out + ch)
    }
}
