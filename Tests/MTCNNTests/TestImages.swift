import Foundation
import ImageIO
import TestData
import XCTest

/// Decodes an image of the shared data folder with the project's decoder.
func loadSharedImage(_ relative: String) throws -> RGBImage {
    try RGBImage(contentsOf: try SharedData.path(relative))
}
