import Foundation
import Layers
import Tensor

/// One convolution (HWIO kernel `[k, k, Cin, Cout]`, valid padding, stride 1) followed by a
/// per-channel PReLU, as every MTCNN trunk layer is. The kernels compute 16 output channels at a
/// time, so weights, bias and alpha are stored with the output channels padded with zeros to a
/// multiple of 16 (P-Net's 10 → 16, R-Net's 28 → 32); activations keep the real channel count.
///
/// Dispatch: 3×3 layers with ≥ 8 input channels (all but the first of each network) run
/// `WinogradConv3x3` (F(4×4) or F(2×2) by map size: 4× or 2.25× fewer multiplications), P-Net's
/// linear 1×1 head `Conv1x1Out8`, the rest `DirectConvPReLU`.
struct ConvPReLU {
    let kernel: Int, inChannels: Int, outChannels: Int
    let weights: [Float]   // [k, k, Cin, P], P = DirectConvPReLU.paddedChannels(Cout)
    let bias: [Float]      // [P]
    let alpha: [Float]?    // [P], nil: linear
    /// `weights` transformed for `WinogradConv3x3`'s two variants when that kernel applies.
    let winograd: (f2: [Float], f4: [Float])?

    init(file: WeightFile, _ prefix: String, kernel: Int, inChannels: Int, outChannels: Int, prelu: String) throws {
        try self.init(kernel: kernel, inChannels: inChannels, outChannels: outChannels,
                      weights: file.tensor("\(prefix).weight", shape: [kernel, kernel, inChannels, outChannels]).scalars,
                      bias: file.tensor("\(prefix).bias", shape: [outChannels]).scalars,
                      alpha: file.tensor("\(prelu).alpha", shape: [outChannels]).scalars)
    }

    /// weights `[k, k, Cin, Cout]`, bias `[Cout]`, alpha `[Cout]` or nil (no PReLU: a linear layer).
    init(kernel: Int, inChannels: Int, outChannels: Int, weights w: [Float], bias: [Float], alpha: [Float]?) {
        let stored = DirectConvPReLU.paddedChannels(outChannels)
        self.kernel = kernel; self.inChannels = inChannels; self.outChannels = outChannels
        var padded = [Float](repeating: 0, count: kernel * kernel * inChannels * stored)
        for row in 0..<(kernel * kernel * inChannels) {
            for o in 0..<outChannels { padded[row * stored + o] = w[row * outChannels + o] }
        }
        let zeros = [Float](repeating: 0, count: stored - outChannels)
        weights = padded
        self.bias = bias + zeros
        self.alpha = alpha.map { $0 + zeros }
        winograd = kernel == 3 && inChannels >= 8
            ? (WinogradConv3x3.transformWeights(padded, inChannels: inChannels, outChannels: stored, variant: .f2),
               WinogradConv3x3.transformWeights(padded, inChannels: inChannels, outChannels: stored, variant: .f4))
            : nil
    }

    func geometry(batch: Int, height: Int, width: Int) -> ConvGeometry {
        ConvGeometry(batch: batch, inHeight: height, inWidth: width, inChannels: inChannels, outChannels: outChannels,
                     kernelHeight: kernel, kernelWidth: kernel)
    }

    /// input `[1, H, W, Cin]` → this convolution followed by a 2×2 stride-2 ceil-mode max pool,
    /// fused (`DirectConvPReLU.runPool2x2`).
    func pooled(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        precondition(alpha != nil, "ConvPReLU.pooled: the fused pool needs the PReLU")
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                alpha!.withUnsafeBufferPointer { a in
                    DirectConvPReLU.runPool2x2(input: input, weights: w.baseAddress!, bias: b.baseAddress!,
                                               alpha: a.baseAddress!, output: output, geometry: g)
                }
            }
        }
    }

    /// input `[N, H, W, Cin]` → output `[N, H−k+1, W−k+1, Cout]`; `scratch` is the Winograd kernel's.
    func callAsFunction(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ g: ConvGeometry,
                        scratch: FloatBuffer) {
        bias.withUnsafeBufferPointer { b in
            withOptionalPointer(alpha) { a in
                if a == nil, Conv1x1Out8.applies(g) {
                    weights.withUnsafeBufferPointer { w in
                        Conv1x1Out8.run(input: input, weights: w.baseAddress!, weightStride: bias.count, bias: b.baseAddress!,
                                        output: output, geometry: g)
                    }
                } else if let winograd, WinogradConv3x3.applies(g) {
                    let s = scratch.reserve(WinogradConv3x3.scratchCount(inChannels: inChannels))
                    let variant = WinogradConv3x3.variant(g)
                    (variant == .f2 ? winograd.f2 : winograd.f4).withUnsafeBufferPointer { u in
                        WinogradConv3x3.run(input: input, weights: u.baseAddress!, bias: b.baseAddress!, alpha: a,
                                            output: output, geometry: g, variant: variant, scratch: s)
                    }
                } else {
                    weights.withUnsafeBufferPointer { w in
                        DirectConvPReLU.run(input: input, weights: w.baseAddress!, bias: b.baseAddress!, alpha: a,
                                            output: output, geometry: g)
                    }
                }
            }
        }
    }
}

/// `body` with the array's storage, or with nil.
@inline(__always)
func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// A dense layer `[In, Out]` with an optional PReLU.
struct DensePReLU {
    let inFeatures: Int, outFeatures: Int
    let weights: [Float]   // [In, Out]
    let bias: [Float]      // [Out]
    let alpha: [Float]?    // [Out]

    init(weights: [Float], bias: [Float], alpha: [Float]?, inFeatures: Int, outFeatures: Int) {
        self.weights = weights; self.bias = bias; self.alpha = alpha
        self.inFeatures = inFeatures; self.outFeatures = outFeatures
    }

    init(file: WeightFile, _ prefix: String, inFeatures: Int, outFeatures: Int, prelu: String?) throws {
        self.init(weights: try file.tensor("\(prefix).weight", shape: [inFeatures, outFeatures]).scalars,
                  bias: try file.tensor("\(prefix).bias", shape: [outFeatures]).scalars,
                  alpha: try prelu.map { try file.tensor("\($0).alpha", shape: [outFeatures]).scalars },
                  inFeatures: inFeatures, outFeatures: outFeatures)
    }

    /// Output heads side by side: `[In, ΣOut]`.
    init(heads: [DensePReLU]) {
        let inFeatures = heads[0].inFeatures
        let out = heads.reduce(0) { $0 + $1.outFeatures }
        var w = [Float](repeating: 0, count: inFeatures * out)
        var offset = 0
        for head in heads {
            for i in 0..<inFeatures {
                for o in 0..<head.outFeatures { w[i * out + offset + o] = head.weights[i * head.outFeatures + o] }
            }
            offset += head.outFeatures
        }
        self.init(weights: w, bias: heads.flatMap(\.bias), alpha: nil, inFeatures: inFeatures, outFeatures: out)
    }

    /// input `[N, In]` → output `[N, Out]`.
    func callAsFunction(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int) {
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Ops.dense(input: input, weights: w.baseAddress!, bias: b.baseAddress!, output: output,
                          batch: batch, inFeatures: inFeatures, outFeatures: outFeatures)
            }
        }
        if let alpha {
            alpha.withUnsafeBufferPointer { a in
                Ops.prelu(output, count: batch * outFeatures, channels: outFeatures, alpha: a.baseAddress!)
            }
        }
    }
}

/// Max pooling without padding, caffe/PyTorch ceil mode (the last window may overhang).
func poolGeometry(batch: Int, height: Int, width: Int, channels: Int, kernel: Int, stride: Int) -> ConvGeometry {
    ConvGeometry(batch: batch, inHeight: height, inWidth: width, inChannels: channels, outChannels: channels,
                 kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride, ceilMode: true)
}

/// Max pooling by shape: the 3×3 stride-2 pools (R-Net, O-Net) through `MaxPool3x3Stride2`, the
/// others through `Ops.maxPool2d`.
func maxPool(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
    if MaxPool3x3Stride2.applies(g) {
        MaxPool3x3Stride2.run(input: input, output: output, geometry: g)
    } else {
        Ops.maxPool2d(input: input, output: output, geometry: g)
    }
}

/// Face probability from two logits: softmax's second entry.
@inline(__always)
func faceProbability(_ background: Float, _ face: Float) -> Float {
    1 / (1 + Foundation.exp(background - face))
}

/// Ping-pong activation buffers shared by the three networks, and the convolutions' scratch.
final class NetworkBuffers {
    let a = FloatBuffer(), b = FloatBuffer(), scratch = FloatBuffer()
}

/// Runs the convolutional trunk of R-Net or O-Net on `[batch, size, size, 3]`: each stage a
/// convolution with PReLU, then (if `pool` is set) a `pool × pool` stride-2 ceil-mode max pool.
/// Returns the final map (in one of the ping-pong buffers) and the other buffer, free for the
/// dense layers; both hold at least the largest stage output.
func runTrunk(_ stages: [(conv: ConvPReLU, pool: Int?)], input: UnsafePointer<Float>, batch: Int, size: Int,
              buffers: NetworkBuffers) -> (features: UnsafeMutablePointer<Float>, free: UnsafeMutablePointer<Float>) {
    var convs = [ConvGeometry](), pools = [ConvGeometry?]()
    var h = size, w = size
    for stage in stages {
        let c = stage.conv.geometry(batch: batch, height: h, width: w)
        convs.append(c)
        (h, w) = (c.outHeight, c.outWidth)
        let p = stage.pool.map { poolGeometry(batch: batch, height: h, width: w, channels: c.outChannels, kernel: $0, stride: 2) }
        pools.append(p)
        if let p { (h, w) = (p.outHeight, p.outWidth) }
    }
    let count = max(convs.map(\.outputCount).max()!, 256 * batch)
    var current = buffers.a.reserve(count), other = buffers.b.reserve(count)
    var source = input
    for (k, stage) in stages.enumerated() {
        stage.conv(source, current, convs[k], scratch: buffers.scratch)
        if let p = pools[k] {
            maxPool(current, other, p)
            swap(&current, &other)
        }
        source = UnsafePointer(current)
        swap(&current, &other)
    }
    return (other, current)
}

/// P-Net: fully convolutional proposal network. input `[1, H, W, 3]` (normalised RGB),
/// output `[outH, outW, 6]`: face logits (background, face) and box regression (dx1, dy1, dx2, dy2),
/// one cell per 12×12 window at stride 2.
struct PNet {
    let conv1: ConvPReLU, conv2: ConvPReLU, conv3: ConvPReLU
    /// The two 1×1 heads (conv4_1, conv4_2) as one linear 1×1 convolution with 6 outputs.
    let head: ConvPReLU

    init(file: WeightFile) throws {
        conv1 = try ConvPReLU(file: file, "pnet.conv1", kernel: 3, inChannels: 3, outChannels: 10, prelu: "pnet.prelu1")
        conv2 = try ConvPReLU(file: file, "pnet.conv2", kernel: 3, inChannels: 10, outChannels: 16, prelu: "pnet.prelu2")
        conv3 = try ConvPReLU(file: file, "pnet.conv3", kernel: 3, inChannels: 16, outChannels: 32, prelu: "pnet.prelu3")
        let probability = try file.tensor("pnet.conv4_1.weight", shape: [1, 1, 32, 2]).scalars
        let regression = try file.tensor("pnet.conv4_2.weight", shape: [1, 1, 32, 4]).scalars
        let heads = DensePReLU(heads: [
            DensePReLU(weights: probability, bias: try file.tensor("pnet.conv4_1.bias", shape: [2]).scalars, alpha: nil,
                       inFeatures: 32, outFeatures: 2),
            DensePReLU(weights: regression, bias: try file.tensor("pnet.conv4_2.bias", shape: [4]).scalars, alpha: nil,
                       inFeatures: 32, outFeatures: 4),
        ])
        head = ConvPReLU(kernel: 1, inChannels: 32, outChannels: 6, weights: heads.weights, bias: heads.bias, alpha: nil)
    }

    struct Plan {
        let c1: ConvGeometry, pool: ConvGeometry, c2: ConvGeometry, c3: ConvGeometry, head: ConvGeometry
        var outHeight: Int { c3.outHeight }
        var outWidth: Int { c3.outWidth }
        var bufferCount: Int { max(c1.outputCount, pool.outputCount, c2.outputCount, c3.outputCount, outHeight * outWidth * 6) }
    }

    /// Layer geometries for an input of `height × width` (both ≥ 12).
    func plan(height: Int, width: Int) -> Plan {
        let c1 = conv1.geometry(batch: 1, height: height, width: width)
        let pool = poolGeometry(batch: 1, height: c1.outHeight, width: c1.outWidth, channels: c1.outChannels, kernel: 2, stride: 2)
        let c2 = conv2.geometry(batch: 1, height: pool.outHeight, width: pool.outWidth)
        let c3 = conv3.geometry(batch: 1, height: c2.outHeight, width: c2.outWidth)
        return Plan(c1: c1, pool: pool, c2: c2, c3: c3, head: head.geometry(batch: 1, height: c3.outHeight, width: c3.outWidth))
    }

    /// Runs on `input` `[1, H, W, 3]`; the result `[outH, outW, 6]` is in `buffers.a`.
    func callAsFunction(_ input: UnsafePointer<Float>, plan: Plan, buffers: NetworkBuffers) {
        let a = buffers.a.reserve(plan.bufferCount), b = buffers.b.reserve(plan.bufferCount)
        conv1.pooled(input, b, plan.c1)
        conv2(b, a, plan.c2, scratch: buffers.scratch)
        conv3(a, b, plan.c3, scratch: buffers.scratch)
        head(b, a, plan.head, scratch: buffers.scratch)
    }
}

/// R-Net: refines 24×24 crops. input `[N, 24, 24, 3]`, output `[N, 6]`: face logits, box regression.
struct RNet {
    static let size = 24
    let conv1: ConvPReLU, conv2: ConvPReLU, conv3: ConvPReLU, dense4: DensePReLU, head: DensePReLU

    init(file: WeightFile) throws {
        conv1 = try ConvPReLU(file: file, "rnet.conv1", kernel: 3, inChannels: 3, outChannels: 28, prelu: "rnet.prelu1")
        conv2 = try ConvPReLU(file: file, "rnet.conv2", kernel: 3, inChannels: 28, outChannels: 48, prelu: "rnet.prelu2")
        conv3 = try ConvPReLU(file: file, "rnet.conv3", kernel: 2, inChannels: 48, outChannels: 64, prelu: "rnet.prelu3")
        dense4 = try DensePReLU(file: file, "rnet.dense4", inFeatures: 576, outFeatures: 128, prelu: "rnet.prelu4")
        head = DensePReLU(heads: [
            try DensePReLU(file: file, "rnet.dense5_1", inFeatures: 128, outFeatures: 2, prelu: nil),
            try DensePReLU(file: file, "rnet.dense5_2", inFeatures: 128, outFeatures: 4, prelu: nil),
        ])
    }

    /// Runs on `input` `[batch, 24, 24, 3]`; returns the `[batch, 6]` result (inside `buffers`).
    /// Trunk: [N, 22, 22, 28] → pool [N, 11, 11, 28] → [N, 9, 9, 48] → pool [N, 4, 4, 48] → [N, 3, 3, 64].
    func callAsFunction(_ input: UnsafePointer<Float>, batch: Int, buffers: NetworkBuffers) -> UnsafeMutablePointer<Float> {
        let (features, free) = runTrunk([(conv1, 3), (conv2, 3), (conv3, nil)], input: input, batch: batch,
                                        size: RNet.size, buffers: buffers)
        dense4(features, free, batch: batch)                                                                     // [N, 128]
        head(free, features, batch: batch)                                                                      // [N, 6]
        return features
    }
}

/// O-Net: final 48×48 stage. input `[N, 48, 48, 3]`, output `[N, 16]`: face logits (2),
/// box regression (4), landmarks (10: x1…x5 then y1…y5, as fractions of the box).
struct ONet {
    static let size = 48
    let conv1: ConvPReLU, conv2: ConvPReLU, conv3: ConvPReLU, conv4: ConvPReLU, dense5: DensePReLU, head: DensePReLU

    init(file: WeightFile) throws {
        conv1 = try ConvPReLU(file: file, "onet.conv1", kernel: 3, inChannels: 3, outChannels: 32, prelu: "onet.prelu1")
        conv2 = try ConvPReLU(file: file, "onet.conv2", kernel: 3, inChannels: 32, outChannels: 64, prelu: "onet.prelu2")
        conv3 = try ConvPReLU(file: file, "onet.conv3", kernel: 3, inChannels: 64, outChannels: 64, prelu: "onet.prelu3")
        conv4 = try ConvPReLU(file: file, "onet.conv4", kernel: 2, inChannels: 64, outChannels: 128, prelu: "onet.prelu4")
        dense5 = try DensePReLU(file: file, "onet.dense5", inFeatures: 1152, outFeatures: 256, prelu: "onet.prelu5")
        head = DensePReLU(heads: [
            try DensePReLU(file: file, "onet.dense6_1", inFeatures: 256, outFeatures: 2, prelu: nil),
            try DensePReLU(file: file, "onet.dense6_2", inFeatures: 256, outFeatures: 4, prelu: nil),
            try DensePReLU(file: file, "onet.dense6_3", inFeatures: 256, outFeatures: 10, prelu: nil),
        ])
    }

    /// Runs on `input` `[batch, 48, 48, 3]`; returns the `[batch, 16]` result (inside `buffers`).
    /// Trunk: [N, 46, 46, 32] → pool [N, 23, 23, 32] → [N, 21, 21, 64] → pool [N, 10, 10, 64] →
    /// [N, 8, 8, 64] → pool 2×2 [N, 4, 4, 64] → [N, 3, 3, 128].
    func callAsFunction(_ input: UnsafePointer<Float>, batch: Int, buffers: NetworkBuffers) -> UnsafeMutablePointer<Float> {
        let (features, free) = runTrunk([(conv1, 3), (conv2, 3), (conv3, 2), (conv4, nil)], input: input, batch: batch,
                                        size: ONet.size, buffers: buffers)
        dense5(features, free, batch: batch)                                                                     // [N, 128]
        head(free, features, batch: batch)                                                                      // [N, 16]
        return features
    }
}
