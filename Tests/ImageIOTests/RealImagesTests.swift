import Foundation
import TestData
import XCTest
import ImageIO

/// Every photo of the stand-in datasets decodes, at the size the datasets are documented to have.
final class RealImagesTests: XCTestCase {
    func images(in folder: URL) -> [String] {
        let extensions: Set<String> = ["jpg", "jpeg", "png"]
        let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)!
        return walker.compactMap { ($0 as? URL).flatMap { extensions.contains($0.pathExtension.lowercased()) ? $0.path : nil } }.sorted()
    }

    func testEveryDatasetImageDecodes() throws {
        let data = URL(fileURLWithPath: try SharedData.folder())
        let expectedSizes = ["faces9": (112, 112), "utkface2000": (200, 200), "lfw10": (250, 250)]
        var decoded = 0
        for (folder, size) in expectedSizes.sorted(by: { $0.key < $1.key }) {
            let paths = images(in: data.appendingPathComponent(folder))
            XCTAssertGreaterThanOrEqual(paths.count, 100, folder)
            for path in paths {
                do {
                    let image = try RGBImage(contentsOf: path)
                    XCTAssertEqual(image.width, size.0, path)
                    XCTAssertEqual(image.height, size.1, path)
                    decoded += 1
                } catch {
                    XCTFail("\(error)")
                }
            }
        }
        XCTAssertEqual(decoded, 1350 + 2000 + 100)
    }

    func testDetectionPhotosDecode() throws {
        let detection = URL(fileURLWithPath: try SharedData.path("detection"))
        let paths = images(in: detection)
        XCTAssertGreaterThan(paths.count, 60)
        for path in paths {
            XCTAssertNoThrow(try RGBImage(contentsOf: path), path)
        }
        let astronaut = try RGBImage(contentsOf: detection.appendingPathComponent("astronaut.png").path)
        XCTAssertEqual(astronaut.width, 512)
        XCTAssertEqual(astronaut.height, 512)
    }
}
