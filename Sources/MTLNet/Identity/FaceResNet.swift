import Tensor

/// dlib's face-recognition ResNet (`dlib_face_recognition_resnet_model_v1`, dnn_face_recognition_ex.cpp):
/// a 150 × 150 aligned chip → 256 channels averaged → (a bias-free dense layer, in `FaceEmbedder`) 128.
///
/// dlib's conventions, kept as the weights were trained with them: strided convolutions and pools pad
/// nothing, stride-1 ones pad k/2; a down block adds its strided branch to a 2×2/2 average-pooled
/// shortcut with fewer channels, the smaller map zero-extended (`addZeroExtended`). Sizes for 150:
/// 72 (7×7/2) → 35 (max 3/2) → 35 → 17 → 8 → 4 (the branch is 3×3) → 2 (the branch is 1×1) → pool.
///
/// Weight names (`tools/convert_face_embedding.py`, affine layers folded): `conv1`, then residual
/// blocks `block1` … `block14` in forward order, each `.conv1` (3×3, stride 2 in a down block, ReLU)
/// and `.conv2` (3×3, no activation; then the add, then ReLU).
enum FaceResNet {
    /// (channels, down-sampling first block, blocks) per level, input side first.
    static let levels: [(channels: Int, down: Bool, blocks: Int)] = [
        (32, false, 3), (64, true, 4), (128, true, 3), (256, true, 3), (256, true, 1),
    ]

    static func build(_ b: inout GraphBuilder) -> GraphBuilder.Value {
        // Winograd for the 3×3 layers of ≤ 128 channels, a direct 7×7/2 stem: 6.1–6.3 → 4.1–4.2 ms per
        // chip on one thread, 3.3 → 2.6 ms on two (bench/README.md); the goldens hold with the same
        // tolerances.
        b.fastConvolutions = true
        var x = b.conv(b.input, "conv1", out: 32, kernel: (7, 7), stride: 2, padding: .valid, activation: .relu)
        x = b.maxPool(x, "maxpool", size: 3, stride: 2, padding: .valid)
        var index = 0
        for level in levels {
            for k in 0..<level.blocks {
                index += 1
                let name = "block\(index)", down = level.down && k == 0
                var y = b.conv(x, name + ".conv1", out: level.channels, kernel: (3, 3), stride: down ? 2 : 1,
                               padding: down ? .valid : .same, activation: .relu)
                y = b.conv(y, name + ".conv2", out: level.channels, kernel: (3, 3), padding: .same, activation: .linear)
                let shortcut = down ? b.avgPool(x, name + ".shortcut", size: 2, stride: 2, padding: .valid) : x
                x = b.addZeroExtended(y, shortcut, name, activation: .relu)
            }
        }
        return b.globalAveragePool(x)
    }
}
