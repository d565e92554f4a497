import FaceKit
import Foundation
import MTLNet
import TestData
import XCTest

/// Issue 7's measurement on the real data, for one person: trained without them they are
/// `unknown`; after enrolling 10 of their photos they are recognised; the known people keep their
/// accuracy; strangers (lfw10) are rarely taken for anyone, before or after.
final class LeaveOneOutTests: XCTestCase {
    func testALeftOutPersonIsUnknownThenRecognisedAfterEnrolment() throws {
        let faces9 = try SharedData.path("faces9"), lfw10 = try SharedData.path("lfw10")
        let scratch = NSTemporaryDirectory() + "facecli-loo-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let r = try OpenSetExperiment.run(root: faces9, leaveOut: "Barack_Obama", extractor: WeightsLocation.backbone("mobilenet"),
                                          settings: .standard, space: .identity, falseAcceptRate: GalleryBuilder.defaultFalseAcceptRate, enrolCount: 10,
                                          cacheDirectory: scratch + "/cache", scratch: scratch, strangers: lfw10)
        // Measured: 100 % unknown, 97.1 % recognised, 93.6 → 93.6 % known, strangers 0 → 0 %.
        XCTAssertGreaterThanOrEqual(r.unknownRate, 0.8)
        XCTAssertGreaterThanOrEqual(r.recognisedAfterEnrolment, 0.8)
        XCTAssertGreaterThanOrEqual(r.knownAfter, r.knownBefore - 0.02)
        XCTAssertGreaterThan(r.knownBefore, 0.85)
        XCTAssertLessThanOrEqual(try XCTUnwrap(r.strangersAcceptedBefore), 0.05)
        XCTAssertLessThanOrEqual(try XCTUnwrap(r.strangersAcceptedAfter), 0.05)
    }
}
