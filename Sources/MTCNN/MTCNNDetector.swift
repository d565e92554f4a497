import Dispatch
import Foundation
import ImageIO
import Layers
import Support
import Tensor

/// MTCNN face detector (Zhang et al. 2016): P-Net over an image pyramid, R-Net on 24×24 crops,
/// O-Net on 48×48 crops with 5 landmarks, NMS and box regression after each stage.
///
/// The pipeline follows facenet-pytorch 2.6.0 step by step (the tests compare each stage with its
/// outputs). Buffers are allocated for the first image of a size and reused, so a detector on a
/// video stream allocates nothing per frame but the result. It uses `options.threads` threads
/// inside `detect`.
///
/// Thread safety: every public method may be called from any thread; calls on one detector run
/// one at a time (a lock), because they share those reused buffers (pyramid plans, crops, the
/// integral image, per-worker scratch) — per-call buffers would allocate megabytes per frame. For
/// parallel detection use one detector per thread. Set `options` before sharing the detector.
/// The lock is an `NSRecursiveLock` (`refine` calls `stageOutput`) rather than a
/// `Synchronization.Mutex`, which ThreadSanitizer on Linux does not understand.
public final class MTCNNDetector {
    public var options: MTCNNOptions
    let pnet: PNet, rnet: RNet, onet: ONet
    /// Metadata of the weight file (source package, sha256, licence).
    public let weightsMetadata: [String: Any]
    public let weightsPath: String

    private var workers: [Worker] = []
    private var pyramid: Pyramid?
    /// Crops of one R-/O-Net stage, `[N, size, size, 3]`.
    private let crops = FloatBuffer()
    /// Prefix sums of the image being detected: every pyramid level and crop is read from it.
    private var integral = IntegralImage()
    /// Serialises the public methods (see the type's comment).
    private let lock = NSRecursiveLock()

    /// Runs `body` holding the detector's lock.
    func exclusively<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// Reads the three networks from a facecli weight file (see `tools/convert_mtcnn.py`).
    public init(weightsPath: String, options: MTCNNOptions = MTCNNOptions()) throws {
        let file = try WeightFile(path: weightsPath)
        pnet = try PNet(file: file)
        rnet = try RNet(file: file)
        onet = try ONet(file: file)
        weightsMetadata = file.metadata
        self.weightsPath = weightsPath
        self.options = options
    }

    /// Loads `Weights/mtcnn.fcw` from the default places (see `defaultWeightsPath`).
    public convenience init(options: MTCNNOptions = MTCNNOptions()) throws {
        guard let path = MTCNNDetector.defaultWeightsPath() else {
            throw FileError(.missing, path: "Weights/mtcnn.fcw",
                            "MTCNN weights not found (looked beside the executable, in the current folder, in the source tree and in $FACECLI_WEIGHTS)")
        }
        try self.init(weightsPath: path, options: options)
    }

    /// The first existing `mtcnn.fcw` in: `$FACECLI_WEIGHTS/`, `<executable dir>/Weights/`,
    /// `<executable dir>/../../Weights/` (a SwiftPM build folder inside the repo),
    /// `<executable dir>/../share/facecli/Weights/`, `./Weights/`, and the source tree's `Weights/`.
    public static func defaultWeightsPath(name: String = "mtcnn.fcw") -> String? {
        var folders = [String]()
        if let env = ProcessInfo.processInfo.environment["FACECLI_WEIGHTS"] { folders.append(env) }
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        let exeDir = (try? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()) ?? exe
        for base in [exeDir, exe] {
            folders.append(base.appendingPathComponent("Weights").path)
            folders.append(base.appendingPathComponent("../../Weights").standardized.path)
            folders.append(base.appendingPathComponent("../../../Weights").standardized.path)
            folders.append(base.appendingPathComponent("../share/facecli/Weights").standardized.path)
        }
        folders.append(FileManager.default.currentDirectoryPath + "/Weights")
        folders.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Weights").standardized.path)
        for folder in folders {
            let path = folder + "/" + name
            if FileManager.default.isReadableFile(atPath: path) { return path }
        }
        return nil
    }

    // MARK: - Detection

    /// All faces in `image`, highest confidence first. Any image size; no face gives `[]`.
    public func detect(_ image: RGBImage) -> [FaceDetection] {
        exclusively { detectFaces(image) }
    }

    private func detectFaces(_ image: RGBImage) -> [FaceDetection] {
        prepareIntegral(image)
        let t = options.thresholds
        var boxes = proposals(image)
        if boxes.isEmpty { return [] }

        // R-Net on 24×24 crops.
        var (kept, out) = runStage(image, boxes, size: RNet.size, outputs: 6)
        var refined = [Candidate]()
        for (k, i) in kept.enumerated() {
            let o = out + k * 6
            let score = faceProbability(o[0], o[1])
            if score > t.rnet {
                refined.append(Candidate(x1: boxes[i].x1, y1: boxes[i].y1, x2: boxes[i].x2, y2: boxes[i].y2,
                                         score: score, reg: SIMD4(o[2], o[3], o[4], o[5])))
            }
        }
        boxes = BoxOps.nms(refined, threshold: 0.7, mode: .union).map { BoxOps.square(BoxOps.regress(refined[$0])) }
        if boxes.isEmpty { return [] }

        // O-Net on 48×48 crops.
        (kept, out) = runStage(image, boxes, size: ONet.size, outputs: 16)
        var finals = [Candidate](), points = [[SIMD2<Float>]]()
        for (k, i) in kept.enumerated() {
            let o = out + k * 16
            let score = faceProbability(o[0], o[1])
            guard score > t.onet else { continue }
            let b = boxes[i]
            let w = b.x2 - b.x1 + 1, h = b.y2 - b.y1 + 1
            points.append((0..<5).map { SIMD2(w * o[6 + $0] + b.x1 - 1, h * o[11 + $0] + b.y1 - 1) })
            finals.append(BoxOps.regress(Candidate(x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2, score: score,
                                                   reg: SIMD4(o[2], o[3], o[4], o[5]))))
        }
        return BoxOps.nms(finals, threshold: 0.7, mode: .minimum).map { i in
            let b = finals[i]
            return FaceDetection(box: FaceBox(x: b.x1, y: b.y1, width: b.x2 - b.x1, height: b.y2 - b.y1),
                                 confidence: b.score, landmarks: FaceLandmarks(points: points[i]))
        }
    }

    /// Stage 1: P-Net candidates over the pyramid, NMS 0.5 per scale then 0.7 overall,
    /// regressed and squared (the boxes R-Net sees).
    func proposals(_ image: RGBImage) -> [Candidate] {
        let pyramid = preparePyramid(width: image.width, height: image.height)
        let levels = pyramid.levels
        // One slot per level, written by whichever worker runs it; merged in level order so the
        // result does not depend on the thread count. Levels go largest first.
        let perLevel = UnsafeMutableBufferPointer<[Candidate]>.allocate(capacity: levels.count)
        perLevel.initialize(repeating: [])
        defer { perLevel.deinitialize(); perLevel.deallocate() }
        forEachParallel(count: levels.count) { i, worker in
            perLevel[i] = self.runPNet(image, level: levels[i], worker: worker)
        }
        var all = [Candidate]()
        for level in perLevel { all += level }
        return BoxOps.nms(all, threshold: 0.7, mode: .union).map { BoxOps.square(BoxOps.regressPNet(all[$0])) }
    }

    /// P-Net on one pyramid level: candidates with score ≥ threshold after the per-scale NMS.
    private func runPNet(_ image: RGBImage, level: Pyramid.Level, worker: Worker) -> [Candidate] {
        let maps = pnetMaps(image, level: level, worker: worker)
        let threshold = options.thresholds.pnet
        let scale = Float(level.scale)
        var found = [Candidate]()
        // Row-major scan as torch's nonzero, so that ties keep facenet-pytorch's order.
        for y in 0..<level.plan.outHeight {
            for x in 0..<level.plan.outWidth {
                let o = maps + (y * level.plan.outWidth + x) * 6
                let score = faceProbability(o[0], o[1])
                guard score >= threshold else { continue }
                let fx = Float(2 * x), fy = Float(2 * y)
                found.append(Candidate(x1: ((fx + 1) / scale).rounded(.down), y1: ((fy + 1) / scale).rounded(.down),
                                       x2: ((fx + 12) / scale).rounded(.down), y2: ((fy + 12) / scale).rounded(.down),
                                       score: score, reg: SIMD4(o[2], o[3], o[4], o[5])))
            }
        }
        return BoxOps.nms(found, threshold: 0.5, mode: .union).map { found[$0] }
    }

    /// Resamples `image` to the level and runs P-Net; the `[outH, outW, 6]` maps stay in the worker's buffers.
    private func pnetMaps(_ image: RGBImage, level: Pyramid.Level, worker: Worker) -> UnsafeMutablePointer<Float> {
        let input = worker.input.reserve(level.height * level.width * 3)
        integral.resample(x0: 0, y0: 0, regionWidth: image.width, regionHeight: image.height,
                          output: input, outHeight: level.height, outWidth: level.width)
        pnet(input, plan: level.plan, buffers: worker.buffers)
        return worker.buffers.a.pointer
    }

    /// Crops every box (dropping those wholly outside), resamples to `size`, runs R-Net (24) or
    /// O-Net (48) in chunks. Returns the indices of the boxes that were run and a pointer to their
    /// `[kept, outputs]` results (valid until the next stage).
    private func runStage(_ image: RGBImage, _ boxes: [Candidate], size: Int, outputs: Int)
        -> (kept: [Int], out: UnsafeMutablePointer<Float>) {
        var rects = [(x0: Int, y0: Int, x1: Int, y1: Int)]()
        var kept = [Int]()
        for (i, b) in boxes.enumerated() {
            if let r = BoxOps.crop(b, width: image.width, height: image.height) { rects.append(r); kept.append(i) }
        }
        let out = runNetwork(image, rects: rects, size: size, outputs: outputs)
        return (kept, out)
    }

    /// R-Net or O-Net on crops `rects` of `image`; the `[rects.count, outputs]` results.
    private func runNetwork(_ image: RGBImage, rects: [(x0: Int, y0: Int, x1: Int, y1: Int)], size: Int, outputs: Int)
        -> UnsafeMutablePointer<Float> {
        let n = rects.count
        let plane = size * size * 3
        let results = crops.reserve(n * plane + n * outputs)
        let out = results + n * plane
        let chunk = size == RNet.size ? 16 : 4
        let chunks = (n + chunk - 1) / chunk
        forEachParallel(count: chunks) { c, worker in
            let lo = c * chunk, hi = min(n, lo + chunk)
            for k in lo..<hi {
                let r = rects[k]
                self.integral.resample(x0: r.x0, y0: r.y0, regionWidth: r.x1 - r.x0, regionHeight: r.y1 - r.y0,
                                       output: results + k * plane, outHeight: size, outWidth: size)
            }
            let result = size == RNet.size
                ? self.rnet(results + lo * plane, batch: hi - lo, buffers: worker.buffers)
                : self.onet(results + lo * plane, batch: hi - lo, buffers: worker.buffers)
            (out + lo * outputs).update(from: result, count: (hi - lo) * outputs)
        }
        return out
    }

    // MARK: - Stage access for tests and tools

    /// The pyramid scales (12 / minFaceSize · factor^i while the shorter side stays ≥ 12 px) and the
    /// resampled sizes for an image of `width × height`.
    public func pyramidLevels(width: Int, height: Int) -> [(scale: Double, height: Int, width: Int)] {
        exclusively { preparePyramid(width: width, height: height).levels.map { ($0.scale, $0.height, $0.width) } }
    }

    /// Raw P-Net output at pyramid level `level`: `[outH, outW, 6]` (background and face logits,
    /// 4 regressions) as a tensor.
    public func pnetOutput(_ image: RGBImage, level: Int) -> Tensor {
        exclusively {
            prepareIntegral(image)
            let l = preparePyramid(width: image.width, height: image.height).levels[level]
            let maps = pnetMaps(image, level: l, worker: worker(0))
            let count = l.plan.outHeight * l.plan.outWidth * 6
            return Tensor(shape: [l.plan.outHeight, l.plan.outWidth, 6], scalars: Array(UnsafeBufferPointer(start: maps, count: count)))
        }
    }

    /// R-Net (`size` 24, outputs `[N, 6]`) or O-Net (48, `[N, 16]`) on crops of `image` given as
    /// 0-based end-exclusive rectangles (x0, y0, x1, y1), as the cascade would crop them.
    public func stageOutput(_ image: RGBImage, rects: [(x0: Int, y0: Int, x1: Int, y1: Int)], size: Int) -> Tensor {
        precondition(size == RNet.size || size == ONet.size, "stageOutput: size is 24 (R-Net) or 48 (O-Net)")
        let outputs = size == RNet.size ? 6 : 16
        return exclusively {
            prepareIntegral(image)
            let out = runNetwork(image, rects: rects, size: size, outputs: outputs)
            return Tensor(shape: [rects.count, outputs], scalars: Array(UnsafeBufferPointer(start: out, count: rects.count * outputs)))
        }
    }

    /// The crops (0-based, end-exclusive x0, y0, x1, y1) that P-Net's proposals give R-Net, in order.
    public func proposalCrops(_ image: RGBImage) -> [(x0: Int, y0: Int, x1: Int, y1: Int)] {
        exclusively {
            prepareIntegral(image)
            return proposals(image).compactMap { BoxOps.crop($0, width: image.width, height: image.height) }
        }
    }

    // MARK: - Workspace

    struct Pyramid {
        struct Level { let scale: Double; let height: Int; let width: Int; let plan: PNet.Plan }
        let width: Int, height: Int, options: MTCNNOptions
        let levels: [Level]
    }

    private func prepareIntegral(_ image: RGBImage) {
        let storage = integral.takeStorage()
        integral = image.pixels.withUnsafeBufferPointer {
            IntegralImage(pixels: $0.baseAddress!, width: image.width, height: image.height, reusing: storage)
        }
    }

    private func preparePyramid(width: Int, height: Int) -> Pyramid {
        if let p = pyramid, p.width == width, p.height == height, p.options.minFaceSize == options.minFaceSize,
           p.options.scaleFactor == options.scaleFactor { return p }
        let m = 12.0 / options.minFaceSize
        var minl = Double(min(width, height)) * m
        var scale = m
        var levels = [Pyramid.Level]()
        while minl >= 12 {
            let h = Int(Double(height) * scale + 1), w = Int(Double(width) * scale + 1)
            levels.append(.init(scale: scale, height: h, width: w, plan: pnet.plan(height: h, width: w)))
            scale *= options.scaleFactor
            minl *= options.scaleFactor
        }
        let p = Pyramid(width: width, height: height, options: options, levels: levels)
        pyramid = p
        return p
    }

    /// Per-thread buffers.
    final class Worker {
        let buffers = NetworkBuffers()
        let input = FloatBuffer()
    }

    private func worker(_ i: Int) -> Worker {
        while workers.count <= i { workers.append(Worker()) }
        return workers[i]
    }

    /// Runs `body(item, worker)` for items `0 ..< count` on up to `options.threads` threads, each
    /// with its own worker buffers; items are taken in order, so put the big ones first.
    private func forEachParallel(count: Int, _ body: (Int, Worker) -> Void) {
        let threads = min(max(options.threads, 1), count)
        if threads <= 1 {
            let w = worker(0)
            for i in 0..<count { body(i, w) }
            return
        }
        let pool = (0..<threads).map(worker)
        let next = ItemCounter()
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                while let i = next.take(below: count) { body(i, pool[t]) }
            }
        }
    }
}

/// A shared "next item" counter for the worker threads.
private final class ItemCounter: @unchecked Sendable {
    private var next = 0
    private let lock = NSLock()

    func take(below count: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }
}
