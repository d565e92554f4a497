/// Candidate boxes and the box arithmetic of the MTCNN cascade, written to give the same numbers
/// as facenet-pytorch 2.6.0's `detect_face.py` (float32 throughout, the same +1 conventions).
public struct Candidate: Sendable, Equatable {
    public var x1: Float, y1: Float, x2: Float, y2: Float
    public var score: Float
    /// Box regression of the stage that produced the candidate (dx1, dy1, dx2, dy2).
    public var reg: SIMD4<Float>

    public init(x1: Float, y1: Float, x2: Float, y2: Float, score: Float, reg: SIMD4<Float> = .zero) {
        self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2; self.score = score; self.reg = reg
    }
}

public enum NMSMode: Sendable { case union, minimum }

public enum BoxOps {
    /// torchvision `nms` (union, areas without +1, suppress IoU > threshold) or facenet's numpy
    /// `nms` in 'Min' mode (areas with +1, suppress overlap > threshold). Returns kept indices,
    /// highest score first.
    public static func nms(_ boxes: [Candidate], threshold: Float, mode: NMSMode) -> [Int] {
        if boxes.isEmpty { return [] }
        // Stable descending sort, as torchvision's CPU kernel.
        let order = boxes.indices.sorted { boxes[$0].score > boxes[$1].score || (boxes[$0].score == boxes[$1].score && $0 < $1) }
        let plus: Float = mode == .union ? 0 : 1
        var suppressed = [Bool](repeating: false, count: boxes.count)
        var keep = [Int]()
        for (rank, i) in order.enumerated() where !suppressed[i] {
            keep.append(i)
            let a = boxes[i]
            let areaA = (a.x2 - a.x1 + plus) * (a.y2 - a.y1 + plus)
            for j in order[(rank + 1)...] where !suppressed[j] {
                let b = boxes[j]
                let w = max(0, min(a.x2, b.x2) - max(a.x1, b.x1) + plus)
                let h = max(0, min(a.y2, b.y2) - max(a.y1, b.y1) + plus)
                let inter = w * h
                let areaB = (b.x2 - b.x1 + plus) * (b.y2 - b.y1 + plus)
                let overlap = mode == .union ? inter / (areaA + areaB - inter) : inter / min(areaA, areaB)
                if overlap > threshold { suppressed[j] = true }
            }
        }
        return keep
    }

    /// P-Net's regression: offsets scaled by the box size without +1.
    public static func regressPNet(_ c: Candidate) -> Candidate {
        let w = c.x2 - c.x1, h = c.y2 - c.y1
        return Candidate(x1: c.x1 + c.reg[0] * w, y1: c.y1 + c.reg[1] * h,
                         x2: c.x2 + c.reg[2] * w, y2: c.y2 + c.reg[3] * h, score: c.score)
    }

    /// `bbreg` of R-Net and O-Net: offsets scaled by the box size with +1.
    public static func regress(_ c: Candidate) -> Candidate {
        let w = c.x2 - c.x1 + 1, h = c.y2 - c.y1 + 1
        return Candidate(x1: c.x1 + c.reg[0] * w, y1: c.y1 + c.reg[1] * h,
                         x2: c.x2 + c.reg[2] * w, y2: c.y2 + c.reg[3] * h, score: c.score)
    }

    /// `rerec`: the square of the longer side around the same centre.
    public static func square(_ c: Candidate) -> Candidate {
        var c = c
        let h = c.y2 - c.y1, w = c.x2 - c.x1
        let l = max(w, h)
        c.x1 = c.x1 + w * 0.5 - l * 0.5
        c.y1 = c.y1 + h * 0.5 - l * 0.5
        c.x2 = c.x1 + l
        c.y2 = c.y1 + l
        return c
    }

    /// `pad`: the integer crop of a box, clipped to the image: columns `x0 ..< x1`, rows `y0 ..< y1`
    /// (0-based), or nil when nothing of it is inside.
    public static func crop(_ c: Candidate, width: Int, height: Int) -> (x0: Int, y0: Int, x1: Int, y1: Int)? {
        guard c.x1.isFinite, c.y1.isFinite, c.x2.isFinite, c.y2.isFinite else { return nil }
        // trunc toward zero, then 1-based clipping as in facenet-pytorch.
        let x = max(truncated(c.x1), 1), y = max(truncated(c.y1), 1)
        let ex = min(truncated(c.x2), width), ey = min(truncated(c.y2), height)
        guard ey > y - 1, ex > x - 1 else { return nil }
        return (x - 1, y - 1, ex, ey)
    }
}

/// Float → Int toward zero, saturating (a diverged regression must not trap).
@inline(__always)
func truncated(_ v: Float) -> Int {
    guard v.isFinite else { return v > 0 ? Int(Int32.max) : Int(Int32.min) }
    return Int(max(min(v, 1e9), -1e9))
}
