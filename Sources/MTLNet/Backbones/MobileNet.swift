import Tensor

/// MobileNet v1 as `keras.applications.MobileNet(alpha, include_top=False)` defines it, up to the
/// last ReLU6 (`conv_pw_13_relu`, 1024·α channels); global average pooling is added by `Backbone`.
/// Layer names are Keras's (`conv1`, `conv_dw_1`, `conv_pw_1`, …).
enum MobileNetV1 {
    static func build(_ b: inout GraphBuilder, configuration c: BackboneConfiguration) -> GraphBuilder.Value {
        let alpha = c.alpha
        func filters(_ f: Int) -> Int { Int(Float(f) * alpha) }
        var x = b.conv(b.input, "conv1", out: filters(32), kernel: (3, 3), stride: 2,
                       padding: c.padding == .torch ? .symmetric(1) : .same, activation: .relu6)
        let blocks: [(filters: Int, stride: Int)] = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
                                                      (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
        for (i, block) in blocks.enumerated() {
            let id = i + 1
            let pad: Padding
            switch (block.stride, c.padding) {
            case (1, _): pad = .same
            case (_, .keras): pad = .explicit(top: 0, left: 0, bottom: 1, right: 1)
            case (_, .tfSame): pad = .same
            case (_, .torch): pad = .symmetric(1)
            }
            x = b.depthwise(x, "conv_dw_\(id)", stride: block.stride, padding: pad, activation: .relu6)
            x = b.conv(x, "conv_pw_\(id)", out: filters(block.filters), kernel: (1, 1), padding: .valid, activation: .relu6)
        }
        return x
    }
}

/// MobileNetV2 as `keras.applications.MobileNetV2(alpha, include_top=False)` defines it, up to
/// `out_relu` (1280 channels for α ≤ 1). Keras layer names (`Conv1`, `expanded_conv_depthwise`,
/// `block_1_expand`, …, `Conv_1`); residual adds are named `block_N_add`. With `.torch` padding it is
/// torchvision's `mobilenet_v2` (same layers, symmetric padding).
enum MobileNetV2 {
    /// Keras/torchvision `_make_divisible`.
    static func makeDivisible(_ v: Float, _ divisor: Int = 8) -> Int {
        var n = max(divisor, Int(v + Float(divisor) / 2) / divisor * divisor)
        if Float(n) < 0.9 * v { n += divisor }
        return n
    }

    static func build(_ b: inout GraphBuilder, configuration c: BackboneConfiguration) -> GraphBuilder.Value {
        let alpha = c.alpha
        let strided: Padding = c.padding == .torch ? .symmetric(1) : .same
        var x = b.conv(b.input, "Conv1", out: makeDivisible(32 * alpha), kernel: (3, 3), stride: 2,
                       padding: strided, activation: .relu6)
        let blocks: [(filters: Int, stride: Int, expansion: Int)] = [
            (16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6), (64, 1, 6),
            (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6)]
        for (id, block) in blocks.enumerated() {
            let input = x
            let inChannels = b.channels(of: x)
            let out = makeDivisible(Float(Int(Float(block.filters) * alpha)))
            let prefix = id == 0 ? "expanded_conv_" : "block_\(id)_"
            if id > 0 {
                x = b.conv(x, prefix + "expand", out: block.expansion * inChannels, kernel: (1, 1), padding: .valid,
                           activation: .relu6)
            }
            x = b.depthwise(x, prefix + "depthwise", stride: block.stride, padding: block.stride == 1 ? .same : strided,
                            activation: .relu6)
            x = b.conv(x, prefix + "project", out: out, kernel: (1, 1), padding: .valid, activation: .linear)
            if inChannels == out && block.stride == 1 { x = b.add(input, x, prefix + "add") }
        }
        let last = alpha > 1 ? makeDivisible(1280 * alpha) : 1280
        return b.conv(x, "Conv_1", out: last, kernel: (1, 1), padding: .valid, activation: .relu6)
    }
}
