import Foundation
import ImageIO
import MTCNN
import XCTest

/// One golden file written by `tools/gen_mtcnn_goldens.py` (facenet-pytorch 2.6.0).
struct Golden: Decodable {
    struct PNetMaps: Decodable {
        let scale_index: Int, scale: Double, in_height: Int, in_width: Int, out_height: Int, out_width: Int
        let prob: [Float]      // [outH·outW] face probability
        let reg: [Float]       // [outH, outW, 4]
    }
    struct Stage: Decodable {
        let count: Int
        let crops: [[Int]]     // x0, y0, x1, y1 (0-based, end-exclusive)
        let prob: [Float]
        let reg: [[Float]]
        let landmarks: [[Float]]?
    }
    struct Face: Decodable {
        let box: [Float]       // x1, y1, x2, y2
        let prob: Float
        let landmarks: [[Float]]
    }
    let image: String, width: Int, height: Int, pixels_sha256: String
    let pnet: PNetMaps?, rnet: Stage?, onet: Stage?
    let faces: [Face]

    static var folder: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens") }

    static func all() throws -> [Golden] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 5, "golden files missing in \(folder.path)")
        return try files.map { try JSONDecoder().decode(Golden.self, from: Data(contentsOf: folder.appendingPathComponent($0))) }
    }
}

/// The weights in the repository and one detector for the whole test run.
enum Fixture {
    static let weightsPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Weights/mtcnn.fcw").standardized.path
    static let detector: MTCNNDetector = try! MTCNNDetector(weightsPath: weightsPath)
}
