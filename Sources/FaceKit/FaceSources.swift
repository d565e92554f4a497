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
        let key = detectorKey(detector) + ":\(aligner.method.rawValue)-\(aligner.size)"
        return FaceSource(key: key, cacheable: true) { path in
            let image = try decoder.decode(path: path)
            return largest(detector.detect(image)).map { aligner.align(image, landmarks: $0.landmarks) }
        }
    }

    /// Every detector setting that changes which face is found, for cache keys.
    public static func detectorKey(_ detector: MTCNNDetector) -> String {
        let o = detector.options
        return "mtcnn-v1:\(o.minFaceSize),\(o.scaleFactor),\(o.thresholds.pnet),\(o.thresholds.rnet),\(o.thresholds.onet)"
    }

    /// The face with the largest box: the subject of a photo, rather than someone behind them.
    public static func largest(_ faces: [FaceDetection]) -> FaceDetection? {
        faces.max { $0.box.width * $0.box.height < $1.box.width * $1.box.height }
    }
}
