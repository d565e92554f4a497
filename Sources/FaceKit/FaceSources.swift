import ImageIO
import MTCNN
import MTLNet

/// The ways an image file becomes the face crop the backbone sees.
public enum FaceSources {
    /// `--aligned`: the file already is a face crop; its central square is resized to `size`.
    public static func aligned(size: Int, decoder: ImageDecoder = ImageDecoder()) -> FaceSource {
        FaceSource(key: "aligned-center-square-v1", cacheable: false) { path in
            try decoder.decode(path: path).centerSquare(size: size)
        }
    }
}

extension FaceSources {
    /// Raw photos: MTCNN finds the faces, the largest one (by box area) is aligned to `aligner.size`.
    /// Crops are cached (detection is the expensive part); the key carries every detector and
    /// alignment setting so that changing one never returns a stale crop.
    public static func detected(detector: MTCNNDetector, aligner: FaceAligner, decoder: ImageDecoder = ImageDecoder()) -> FaceSource {
        let o = detector.options
        let key = "mtcnn-v1:\(o.minFaceSize),\(o.scaleFactor),\(o.thresholds.pnet),\(o.thresholds.rnet),\(o.thresholds.onet):"
            + "\(aligner.method.rawValue)-\(aligner.size)"
        return FaceSource(key: key, cacheable: true) { path in
            let image = try decoder.decode(path: path)
            guard let face = detector.detect(image).max(by: { $0.box.width * $0.box.height < $1.box.width * $1.box.height }) else {
                return nil
            }
            return aligner.align(image, landmarks: face.landmarks)
        }
    }
}
