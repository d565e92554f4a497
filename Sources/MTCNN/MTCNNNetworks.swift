import Foundation
import Layers
import Tensor

/// One convolution (HWIO kernel `[k, k, Cin, Cout]`, valid padding, stride 1) followed by a
/// per-channel PReLU, as every MTCNN trunk layer is.
///
/// k×k layers run `DirectConvPReLU`, which computes 16 output channels at a time: their weights,
/// bias and alpha are stored with the output channels padded with zeros to a multiple of 16
/// (P-Net's 10 → 16, R-Net's 28 → 32); activations keep the real channel count.
struct ConvPReLU {
    let kernel: Int, inChannels: Int, outChannels: Int
    let weights: [Float]   // [k, k, Cin, P], P = padded Cout for k > 1, else Cout
    let bias: [Float]      // [P]
    let alpha: [Float]?    // [P], nil for a linear output head

    init(file: WeightFile, _ prefix: String, kernel: Int, inChannels: Int, outChannels: Int, prelu: String?) throws {
        let stored = kernel > 1 ? DirectConvPReLU.paddedChannels(outChannels) : outChannels
        self.kernel = kernel; self.inChannels = inChannels; self.outChannels = outChannels
        let w = try file.tensor("\(prefix).weight", shape: [kernel, kernel, inChannels, outChannels]).scalars
        var padded = [Float](repeating: 0, count: kernel * kernel * inChannels * stored)
        for row in 0..<(kernel * kernel * inChannels) {
            for o in 0..<outChannels { padded[row * stored + o] = w[row * outChannels + o] }
        }
        let zeros = [Float](repeating: 0, count: stored - outChannels)
        weights = padded
        bias = try file.tensor("\(prefix).bias", shape: [outChannels]).scalars + zeros
        alpha = try prelu.map { try file.tensor("\($0).alpha", shape: [outChannels]).scalars + zeros }
    }

    /// Several 1×1 heads concatenated along the output channels (one sgemm instead of several).
    init(heads: [(weights: [Float], bias: [Float], outChannels: Int)], inChannels: Int) {
        kernel = 1; self.inChannels = inChannels
        outChannels = heads.reduce(0) { $0 + $1.outChannels }
        var w = [Float](repeating: 0, count: inChannels * outChannels)
        var offset = 0
        for head in heads {
            for i in 0..<inChannels {
                for o in 0..<head.outChannels { w[i * outChannels + offset + o] = head.weights[i * head.outChannels + o] }
            }
            offset += head.outChannels
        }
        weights = w
        bias = heads.flatMap(\.bias)
        alpha = nil
    }

    func geometry(batch: Int, height: Int, width: Int) -> ConvGeometry {
        ConvGeometry(batch: batch, inHeight: height, inWidth: width, inChannels: inChannels, outChannels: outChannels,
                     kernelHeight: kernel, kernelWidth: kernel)
    }

    /// input `[N, H, W, Cin]` → output `[N, H−k+1, W−k+1, Cout]`; scratch ≥ `Ops.conv2dScratchCount`.
    func callAsFunction(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                        _ g: ConvGeometry, scratch: UnsafeMutablePointer<Float>) {
        if kernel > 1 && DirectConvPReLU.applies(g) {
            weights.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    withOptional(alpha) { a in
                        DirectConvPReLU.run(input: input, weights: w.baseAddress!, bias: b.baseAddress!, alpha: a,
                                            output: output, geometry: g)
                    }
                }
            }
            return
        }
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Ops.conv2d(input: input, weights: w.baseAddress!, bias: b.baseAddress!, output: output,
                           geometry: g, scratch: scratch)
            }
        }
        if let alpha {
            alpha.withUnsafeBufferPointer { a in
                Ops.prelu(output, count: g.outputCount, channels: outChannels, alpha: a.baseAddress!)
            }
        }
    }
}

@inline(__always)
private func withOptional<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
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

/// Face probability from two logits: softmax's second entry.
@inline(__always)
func faceProbability(_ background: Float, _ face: Float) -> Float {
    1 / (1 + Foundation.exp(background - face))
}

/// Ping-pong activation buffers and convolution scratch shared by the three networks.
final class NetworkBuffers {
    let a = FloatBuffer(), b = FloatBuffer(), scratch = FloatBuffer()
}

/// P-Net: fully convolutional proposal network. input `[1, H, W, 3]` (normalised RGB),
/// output `[outH, outW, 6]`: face logits (background, face) and box regression (dx1, dy1, dx2, dy2),
/// one cell per 12×12 window at stride 2.
struct PNet {
    let conv1: ConvPReLU, conv2: ConvPReLU, conv3: ConvPReLU, head: ConvPReLU

    init(file: WeightFile) throws {
        conv1 = try ConvPReLU(file: file, "pnet.conv1", kernel: 3, inChannels: 3, outChannels: 10, prelu: "pnet.prelu1")
        conv2 = try ConvPReLU(file: file, "pnet.conv2", kernel: 3, inChannels: 10, outChannels: 16, prelu: "pnet.prelu2")
        conv3 = try ConvPReLU(file: file, "pnet.conv3", kernel: 3, inChannels: 16, outChannels: 32, prelu: "pnet.prelu3")
        let p = try ConvPReLU(file: file, "pnet.conv4_1", kernel: 1, inChannels: 32, outChannels: 2, prelu: nil)
        let r = try ConvPReLU(file: file, "pnet.conv4_2", kernel: 1, inChannels: 32, outChannels: 4, prelu: nil)
        head = ConvPReLU(heads: [(p.weights, p.bias, 2), (r.weights, r.bias, 4)], inChannels: 32)
    }

    struct Plan {
        let c1: ConvGeometry, pool: ConvGeometry, c2: ConvGeometry, c3: ConvGeometry, head: ConvGeometry
        var outHeight: Int { head.outHeight }
        var outWidth: Int { head.outWidth }
        var bufferCount: Int { max(c1.outputCount, pool.outputCount, c2.outputCount, c3.outputCount, head.outputCount) }
        var scratchCount: Int { max(Ops.conv2dScratchCount(c1), Ops.conv2dScratchCount(c2), Ops.conv2dScratchCount(c3)) }
    }

    /// Layer geometries for an input of `height × width` (both ≥ 12).
    func plan(height: Int, width: Int) -> Plan {
        let c1 = conv1.geometry(batch: 1, height: height, width: width)
        let pool = poolGeometry(batch: 1, height: c1.outHeight, width: c1.outWidth, channels: c1.outChannels, kernel: 2, stride: 2)
        let c2 = conv2.geometry(batch: 1, height: pool.outHeight, width: pool.outWidth)
        let c3 = conv3.geometry(batch: 1, height: c2.outHeight, width: c2.outWidth)
        let head = head.geometry(batch: 1, height: c3.outHeight, width: c3.outWidth)
        return Plan(c1: c1, pool: pool, c2: c2, c3: c3, head: head)
    }

    /// Runs on `input` `[1, H, W, 3]`; the result `[outH, outW, 6]` is in `buffers.a`.
    func callAsFunction(_ input: UnsafePointer<Float>, plan: Plan, buffers: NetworkBuffers) {
        let a = buffers.a.reserve(plan.bufferCount), b = buffers.b.reserve(plan.bufferCount)
        let s = buffers.scratch.reserve(plan.scratchCount)
        conv1(input, a, plan.c1, scratch: s)
        Ops.maxPool2d(input: a, output: b, geometry: plan.pool)
        conv2(b, a, plan.c2, scratch: s)
        conv3(a, b, plan.c3, scratch: s)
        head(b, a, plan.head, scratch: s)
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
    func callAsFunction(_ input: UnsafePointer<Float>, batch: Int, buffers: NetworkBuffers) -> UnsafeMutablePointer<Float> {
        let c1 = conv1.geometry(batch: batch, height: 24, width: 24)                                          // [N, 22, 22, 28]
        let p1 = poolGeometry(batch: batch, height: 22, width: 22, channels: c1.outChannels, kernel: 3, stride: 2) // [N, 11, 11, 28]
        let c2 = conv2.geometry(batch: batch, height: p1.outHeight, width: p1.outWidth)                        // [N, 9, 9, 48]
        let p2 = poolGeometry(batch: batch, height: c2.outHeight, width: c2.outWidth, channels: 48, kernel: 3, stride: 2) // [N, 4, 4, 48]
        let c3 = conv3.geometry(batch: batch, height: p2.outHeight, width: p2.outWidth)                        // [N, 3, 3, 64]
        let count = max(c1.outputCount, p1.outputCount, c2.outputCount)
        let a = buffers.a.reserve(count), b = buffers.b.reserve(count)
        let s = buffers.scratch.reserve(max(Ops.conv2dScratchCount(c1), Ops.conv2dScratchCount(c2), Ops.conv2dScratchCount(c3)))
        conv1(input, a, c1, scratch: s)
        Ops.maxPool2d(input: a, output: b, geometry: p1)
        conv2(b, a, c2, scratch: s)
        Ops.maxPool2d(input: a, output: b, geometry: p2)
        conv3(b, a, c3, scratch: s)
        dense4(a, b, batch: batch)                                                                               // [N, 128]
        head(b, a, batch: batch)                                                                                 // [N, 6]
        return a
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
    func callAsFunction(_ input: UnsafePointer<Float>, batch: Int, buffers: NetworkBuffers) -> UnsafeMutablePointer<Float> {
        let c1 = conv1.geometry(batch: batch, height: 48, width: 48)                                           // [N, 46, 46, 32]
        let p1 = poolGeometry(batch: batch, height: 46, width: 46, channels: 32, kernel: 3, stride: 2)          // [N, 23, 23, 32]
        let c2 = conv2.geometry(batch: batch, height: p1.outHeight, width: p1.outWidth)                         // [N, 21, 21, 64]
        let p2 = poolGeometry(batch: batch, height: c2.outHeight, width: c2.outWidth, channels: 64, kernel: 3, stride: 2) // [N, 10, 10, 64]
        let c3 = conv3.geometry(batch: batch, height: p2.outHeight, width: p2.outWidth)                         // [N, 8, 8, 64]
        let p3 = poolGeometry(batch: batch, height: c3.outHeight, width: c3.outWidth, channels: 64, kernel: 2, stride: 2) // [N, 4, 4, 64]
        let c4 = conv4.geometry(batch: batch, height: p3.outHeight, width: p3.outWidth)                         // [N, 3, 3, 128]
        let count = max(c1.outputCount, p1.outputCount, c2.outputCount)
        let a = buffers.a.reserve(count), b = buffers.b.reserve(count)
        let s = buffers.scratch.reserve([c1, c2, c3, c4].map(Ops.conv2dScratchCount).max()!)
        conv1(input, a, c1, scratch: s)
        Ops.maxPool2d(input: a, output: b, geometry: p1)
        conv2(b, a, c2, scratch: s)
        Ops.maxPool2d(input: a, output: b, geometry: p2)
        conv3(b, a, c3, scratch: s)
        Ops.maxPool2d(input: a, output: b, geometry: p3)
        conv4(b, a, c4, scratch: s)
        dense5(a, b, batch: batch)                                                                               // [N, 256]
        head(b, a, batch: batch)                                                                                 // [N, 16]
        return a
    }
}
