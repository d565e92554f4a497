import Tensor

/// InceptionV3 as `keras.applications.InceptionV3(include_top=False)` defines it, up to `mixed10`
/// (2048 channels). Every convolution is Keras's `conv2d_bn` (no bias, batch-norm without scale,
/// ReLU). Layers are named as torchvision names them (`Conv2d_1a_3x3`, `Mixed_5b.branch1x1`, …);
/// concatenations as Keras names them (`mixed0` … `mixed10`).
/// Minimum input 75 × 75.
enum InceptionV3 {
    static func build(_ b: inout GraphBuilder, configuration c: BackboneConfiguration) -> GraphBuilder.Value {
        func conv(_ x: Int, _ name: String, _ out: Int, _ kh: Int, _ kw: Int, stride: Int = 1,
                  valid: Bool = false) -> Int {
            b.conv(x, name, out: out, kernel: (kh, kw), stride: stride, padding: valid ? .valid : .same, activation: .relu)
        }
        var x = conv(b.input, "Conv2d_1a_3x3", 32, 3, 3, stride: 2, valid: true)
        x = conv(x, "Conv2d_2a_3x3", 32, 3, 3, valid: true)
        x = conv(x, "Conv2d_2b_3x3", 64, 3, 3)
        x = b.maxPool(x, "maxpool1", size: 3, stride: 2, padding: .valid)
        x = conv(x, "Conv2d_3b_1x1", 80, 1, 1, valid: true)
        x = conv(x, "Conv2d_4a_3x3", 192, 3, 3, valid: true)
        x = b.maxPool(x, "maxpool2", size: 3, stride: 2, padding: .valid)

        // mixed0–2 (torchvision InceptionA)
        for (i, poolFeatures) in [32, 64, 64].enumerated() {
            let m = "Mixed_5\(["b", "c", "d"][i])."
            let b1 = conv(x, m + "branch1x1", 64, 1, 1)
            var b5 = conv(x, m + "branch5x5_1", 48, 1, 1)
            b5 = conv(b5, m + "branch5x5_2", 64, 5, 5)
            var b3 = conv(x, m + "branch3x3dbl_1", 64, 1, 1)
            b3 = conv(b3, m + "branch3x3dbl_2", 96, 3, 3)
            b3 = conv(b3, m + "branch3x3dbl_3", 96, 3, 3)
            var bp = b.avgPool(x, m + "avgpool", size: 3, stride: 1, padding: .same)
            bp = conv(bp, m + "branch_pool", poolFeatures, 1, 1)
            x = b.concat([b1, b5, b3, bp], "mixed\(i)")
        }
        // mixed3 (InceptionB)
        do {
            let m = "Mixed_6a."
            let b3 = conv(x, m + "branch3x3", 384, 3, 3, stride: 2, valid: true)
            var bd = conv(x, m + "branch3x3dbl_1", 64, 1, 1)
            bd = conv(bd, m + "branch3x3dbl_2", 96, 3, 3)
            bd = conv(bd, m + "branch3x3dbl_3", 96, 3, 3, stride: 2, valid: true)
            let bp = b.maxPool(x, m + "maxpool", size: 3, stride: 2, padding: .valid)
            x = b.concat([b3, bd, bp], "mixed3")
        }
        // mixed4–7 (InceptionC)
        for (i, c7) in [128, 160, 160, 192].enumerated() {
            let m = "Mixed_6\(["b", "c", "d", "e"][i])."
            let b1 = conv(x, m + "branch1x1", 192, 1, 1)
            var b7 = conv(x, m + "branch7x7_1", c7, 1, 1)
            b7 = conv(b7, m + "branch7x7_2", c7, 1, 7)
            b7 = conv(b7, m + "branch7x7_3", 192, 7, 1)
            var bd = conv(x, m + "branch7x7dbl_1", c7, 1, 1)
            bd = conv(bd, m + "branch7x7dbl_2", c7, 7, 1)
            bd = conv(bd, m + "branch7x7dbl_3", c7, 1, 7)
            bd = conv(bd, m + "branch7x7dbl_4", c7, 7, 1)
            bd = conv(bd, m + "branch7x7dbl_5", 192, 1, 7)
            var bp = b.avgPool(x, m + "avgpool", size: 3, stride: 1, padding: .same)
            bp = conv(bp, m + "branch_pool", 192, 1, 1)
            x = b.concat([b1, b7, bd, bp], "mixed\(4 + i)")
        }
        // mixed8 (InceptionD)
        do {
            let m = "Mixed_7a."
            var b3 = conv(x, m + "branch3x3_1", 192, 1, 1)
            b3 = conv(b3, m + "branch3x3_2", 320, 3, 3, stride: 2, valid: true)
            var b7 = conv(x, m + "branch7x7x3_1", 192, 1, 1)
            b7 = conv(b7, m + "branch7x7x3_2", 192, 1, 7)
            b7 = conv(b7, m + "branch7x7x3_3", 192, 7, 1)
            b7 = conv(b7, m + "branch7x7x3_4", 192, 3, 3, stride: 2, valid: true)
            let bp = b.maxPool(x, m + "maxpool", size: 3, stride: 2, padding: .valid)
            x = b.concat([b3, b7, bp], "mixed8")
        }
        // mixed9–10 (InceptionE)
        for i in 0..<2 {
            let m = "Mixed_7\(["b", "c"][i])."
            let b1 = conv(x, m + "branch1x1", 320, 1, 1)
            let b3 = conv(x, m + "branch3x3_1", 384, 1, 1)
            let b3a = conv(b3, m + "branch3x3_2a", 384, 1, 3)
            let b3b = conv(b3, m + "branch3x3_2b", 384, 3, 1)
            let b3cat = b.concat([b3a, b3b], "mixed9_\(i)")
            var bd = conv(x, m + "branch3x3dbl_1", 448, 1, 1)
            bd = conv(bd, m + "branch3x3dbl_2", 384, 3, 3)
            let bda = conv(bd, m + "branch3x3dbl_3a", 384, 1, 3)
            let bdb = conv(bd, m + "branch3x3dbl_3b", 384, 3, 1)
            let bdcat = b.concat([bda, bdb], m + "branch3x3dbl")
            let last = i == 1 && c.lastBlockMaxPool
            var bp = last ? b.maxPool(x, m + "maxpool", size: 3, stride: 1, padding: .same)
                          : b.avgPool(x, m + "avgpool", size: 3, stride: 1, padding: .same)
            bp = conv(bp, m + "branch_pool", 192, 1, 1)
            x = b.concat([b1, b3cat, bdcat, bp], "mixed\(9 + i)")
        }
        return x
    }
}
