extension Naive {
    /// Max pooling. input `[N, H, W, C]`, output `[N, outH, outW, C]`. Padded positions are
    /// ignored (never selected), as in TF, PyTorch and caffe.
    public static func maxPool2d(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                 geometry g: ConvGeometry) {
        let c = g.inChannels
        for n in 0..<g.batch {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    for ch in 0..<c {
                        var m = -Float.infinity
                        for ky in 0..<g.kernelHeight {
                            let iy = oy * g.strideHeight - g.padTop + ky
                            if iy < 0 || iy >= g.inHeight { continue }
                            for kx in 0..<g.kernelWidth {
                                let ix = ox * g.strideWidth - g.padLeft + kx
                                if ix < 0 || ix >= g.inWidth { continue }
                                m = max(m, input[((n * g.inHeight + iy) * g.inWidth + ix) * c + ch])
                            }
                        }
                        output[((n * g.outHeight + oy) * g.outWidth + ox) * c + ch] = m
                    }
                }
            }
        }
    }

    /// Average pooling. input `[N, H, W, C]`, output `[N, outH, outW, C]`.
    /// - Parameter countPadding: divide by the full window (PyTorch `count_include_pad=True`)
    ///   rather than by the positions inside the input (TF/Keras `same`).
    ///   Window positions beyond the explicit padding (ceil mode) never count.
    public static func avgPool2d(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                 geometry g: ConvGeometry, countPadding: Bool) {
        let c = g.inChannels
        for n in 0..<g.batch {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    let y0 = oy * g.strideHeight - g.padTop, x0 = ox * g.strideWidth - g.padLeft
                    let padded = (min(y0 + g.kernelHeight, g.inHeight + g.padBottom) - y0)
                        * (min(x0 + g.kernelWidth, g.inWidth + g.padRight) - x0)
                    for ch in 0..<c {
                        var sum: Float = 0, inside = 0
                        for iy in max(y0, 0)..<min(y0 + g.kernelHeight, g.inHeight) {
                            for ix in max(x0, 0)..<min(x0 + g.kernelWidth, g.inWidth) {
                                sum += input[((n * g.inHeight + iy) * g.inWidth + ix) * c + ch]
                                inside += 1
                            }
                        }
                        output[((n * g.outHeight + oy) * g.outWidth + ox) * c + ch] =
                            sum / Float(countPadding ? padded : max(inside, 1))
                    }
                }
            }
        }
    }

    /// Global average pooling. input `[N, H, W, C]`, output `[N, C]`.
    public static func globalAvgPool(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                     batch: Int, height: Int, width: Int, channels: Int) {
        for n in 0..<batch {
            for ch in 0..<channels {
                var sum: Float = 0
                for p in 0..<(height * width) { sum += input[(n * height * width + p) * channels + ch] }
                output[n * channels + ch] = sum / Float(height * width)
            }
        }
    }
}
