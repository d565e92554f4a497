/// How a convolution or pooling window is padded.
public enum Padding: Equatable, Sendable {
    /// No padding; the window stays inside the input.
    case valid
    /// TensorFlow/Keras `same`: output = ceil(input / stride); total padding
    /// `max((out - 1) * stride + kernel - input, 0)`, the smaller half on top/left
    /// (so stride 2 pads asymmetrically, bottom/right only for even inputs).
    case same
    /// Explicit padding per side (torchvision and caffe pad symmetrically).
    case explicit(top: Int, left: Int, bottom: Int, right: Int)

    /// Symmetric padding `p` on every side, as torchvision's `padding=p`.
    public static func symmetric(_ p: Int) -> Padding { .explicit(top: p, left: p, bottom: p, right: p) }
}

/// Every size a 2-D window operation (convolution, depthwise convolution, pooling) needs.
/// Input is `[batch, inHeight, inWidth, inChannels]`, output `[batch, outHeight, outWidth, outChannels]`.
public struct ConvGeometry: Equatable, Sendable, CustomStringConvertible {
    public let batch: Int
    public let inHeight: Int, inWidth: Int, inChannels: Int
    public let outHeight: Int, outWidth: Int, outChannels: Int
    public let kernelHeight: Int, kernelWidth: Int
    public let strideHeight: Int, strideWidth: Int
    public let padTop: Int, padLeft: Int, padBottom: Int, padRight: Int

    /// - Parameter ceilMode: pooling only: round the output size up as caffe and PyTorch's
    ///   `ceil_mode=True` do (a last window may hang over the bottom/right edge, never start in the padding).
    public init(batch: Int, inHeight: Int, inWidth: Int, inChannels: Int, outChannels: Int,
                kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1,
                padding: Padding = .valid, ceilMode: Bool = false) {
        precondition(batch > 0 && inHeight > 0 && inWidth > 0 && inChannels > 0 && outChannels > 0,
                     "ConvGeometry: sizes must be positive (batch \(batch), \(inHeight)×\(inWidth)×\(inChannels) → \(outChannels))")
        precondition(kernelHeight > 0 && kernelWidth > 0 && strideHeight > 0 && strideWidth > 0,
                     "ConvGeometry: kernel and stride must be positive")
        self.batch = batch
        self.inHeight = inHeight; self.inWidth = inWidth; self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        func sizes(_ n: Int, _ k: Int, _ s: Int) -> (out: Int, before: Int, after: Int) {
            switch padding {
            case .valid:
                return (ceilMode ? ceilDiv(n - k, s) + 1 : (n - k) / s + 1, 0, 0)
            case .same:
                let out = ceilDiv(n, s)
                let total = max((out - 1) * s + k - n, 0)
                return (out, total / 2, total - total / 2)
            case .explicit:
                fatalError("unreachable")
            }
        }
        switch padding {
        case .valid, .same:
            let h = sizes(inHeight, kernelHeight, strideHeight), w = sizes(inWidth, kernelWidth, strideWidth)
            outHeight = h.out; outWidth = w.out
            padTop = h.before; padBottom = h.after; padLeft = w.before; padRight = w.after
        case let .explicit(top, left, bottom, right):
            padTop = top; padLeft = left; padBottom = bottom; padRight = right
            func out(_ n: Int, _ k: Int, _ s: Int, _ before: Int, _ after: Int) -> Int {
                let span = n + before + after - k
                guard ceilMode else { return span / s + 1 }
                var o = ceilDiv(span, s) + 1
                // caffe/PyTorch: the last window must start inside the input or its left padding.
                if (o - 1) * s >= n + before { o -= 1 }
                return o
            }
            outHeight = out(inHeight, kernelHeight, strideHeight, top, bottom)
            outWidth = out(inWidth, kernelWidth, strideWidth, left, right)
        }
        precondition(outHeight > 0 && outWidth > 0,
                     "ConvGeometry: \(kernelHeight)×\(kernelWidth) window does not fit a \(inHeight)×\(inWidth) input")
    }

    public var inputCount: Int { batch * inHeight * inWidth * inChannels }
    public var outputCount: Int { batch * outHeight * outWidth * outChannels }
    public var inputShape: [Int] { [batch, inHeight, inWidth, inChannels] }
    public var outputShape: [Int] { [batch, outHeight, outWidth, outChannels] }

    public var description: String {
        "\(batch)×\(inHeight)×\(inWidth)×\(inChannels) k\(kernelHeight)×\(kernelWidth) s\(strideHeight)×\(strideWidth) pad(\(padTop),\(padLeft),\(padBottom),\(padRight)) → \(outHeight)×\(outWidth)×\(outChannels)"
    }
}

@inline(__always) func ceilDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -((-a) / b) }

/// Activation fused into the epilogue of a convolution or dense kernel.
public enum Activation: Equatable, Sendable {
    case linear, relu, relu6
}
