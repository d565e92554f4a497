import ImageIO

extension MTCNNDetector {
    /// Re-detects faces near known boxes with O-Net alone, for video: a face seen in the previous
    /// frame has moved little, so the square around its old box (enlarged by `margin` of its side
    /// on every edge) is what R-Net would have handed O-Net. No pyramid, no P-Net, no R-Net.
    ///
    /// Returns one entry per box in `previous` order: the refined face (O-Net's regressed box and
    /// landmarks, as `detect` reports them) or nil when O-Net's face probability is at or below
    /// `options.thresholds.onet` or the crop lies wholly outside the image (the track is lost).
    public func refine(_ image: RGBImage, around previous: [FaceBox], margin: Float = 0.1) -> [FaceDetection?] {
        exclusively { refineFaces(image, around: previous, margin: margin) }
    }

    private func refineFaces(_ image: RGBImage, around previous: [FaceBox], margin: Float) -> [FaceDetection?] {
        var rects = [(x0: Int, y0: Int, x1: Int, y1: Int)]()
        var squares = [Candidate]()
        var index = [Int?](repeating: nil, count: previous.count)
        for (i, b) in previous.enumerated() {
            let side = max(b.width, b.height) * (1 + 2 * margin)
            let cx = b.x + b.width / 2, cy = b.y + b.height / 2
            // Whole pixels, as the cascade's boxes are before cropping.
            let x1 = (cx - side / 2).rounded(.down), y1 = (cy - side / 2).rounded(.down)
            let s = Candidate(x1: x1, y1: y1, x2: x1 + side.rounded(.down), y2: y1 + side.rounded(.down), score: 0)
            guard side >= 1, let r = BoxOps.crop(s, width: image.width, height: image.height) else { continue }
            index[i] = rects.count
            rects.append(r); squares.append(s)
        }
        if rects.isEmpty { return index.map { _ in nil } }
        let out = stageOutput(image, rects: rects, size: ONet.size).scalars   // [rects, 16]
        return index.map { k in
            guard let k else { return nil }
            let o = Array(out[(k * 16)..<(k * 16 + 16)])
            let score = faceProbability(o[0], o[1])
            guard score > options.thresholds.onet else { return nil }
            let b = squares[k]
            let w = b.x2 - b.x1 + 1, h = b.y2 - b.y1 + 1
            let points = (0..<5).map { SIMD2(w * o[6 + $0] + b.x1 - 1, h * o[11 + $0] + b.y1 - 1) }
            let r = BoxOps.regress(Candidate(x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2, score: score, reg: SIMD4(o[2], o[3], o[4], o[5])))
            return FaceDetection(box: FaceBox(x: r.x1, y: r.y1, width: r.x2 - r.x1, height: r.y2 - r.y1),
                                 confidence: score, landmarks: FaceLandmarks(points: points))
        }
    }
}
