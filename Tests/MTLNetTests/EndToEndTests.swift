import Foundation
import ImageIO
import Layers
import MTLNet
import Tensor
import XCTest

final class EndToEndTests: XCTestCase {
    /// Generated identity folders (4 people × 30 images, age group per person in attributes.csv,
    /// one person without an age group) → cached features of a pooling extractor with 2 views →
    /// split → train → evaluate the held-out test part, then the same again from the cache.
    func testTinyTrainingReachesKnownAccuracy() throws {
        let folder = try TemporaryFolder()
        var rng = SeededRandom(seed: 11)
        let people = ["p0", "p1", "p2", "p3"]
        for (p, name) in people.enumerated() {
            for i in 0..<30 { try folder.write("data/\(name)/\(i).png", SyntheticFaces.encode(SyntheticFaces.image(person: p, size: 20, rng: &rng))) }
        }
        try folder.write("data/attributes.csv", "identity,age_group\np0,young\np1,old\np2,young\n")
        let dataset = try Dataset(roots: [folder.path + "/data"])
        XCTAssertEqual(dataset.tasks.map(\.name), ["person", "age_group"])

        var settings = TrainingSettings.standard
        settings.augmentViews = 2
        settings.hidden = 32
        settings.epochs = 60
        let split = DataSplit(dataset: dataset, testFraction: settings.testFraction, validationFraction: settings.validationFraction, seed: settings.seed)
        let extractor = PoolingExtractor()
        let cache = try FeatureCache(directory: folder.path + "/cache")
        var pipeline = FeaturePipeline(extractor: extractor, cache: cache, preprocessingKey: "test-resize", seed: settings.seed) { path in
            try SyntheticFaces.decode(path).centerSquare(size: 16)
        }
        pipeline.cacheFaces = false
        let train = try pipeline.features(samples: split.train.map { dataset.samples[$0] }, tasks: 2, views: settings.augmentViews)
        XCTAssertEqual(train.set.count, split.train.count * 2)
        XCTAssertEqual(extractor.imagesSeen, split.train.count * 2)
        let validation = try pipeline.features(samples: split.validation.map { dataset.samples[$0] }, tasks: 2, views: 1)
        let test = try pipeline.features(samples: split.test.map { dataset.samples[$0] }, tasks: 2, views: 1)

        let head = MultiTaskHead(featureCount: extractor.featureCount, hidden: settings.hidden,
                                 classCounts: dataset.tasks.map(\.labels.count), dropout: settings.dropout, seed: settings.seed)
        var lines: [String] = []
        let result = Trainer.fit(head: head, train: train.set, validation: validation.set, settings: settings) {
            lines.append(Trainer.progressLine($0, tasks: dataset.tasks.map(\.name), maxEpochs: settings.epochs))
        }
        XCTAssertEqual(lines.count, result.history.count)
        XCTAssertTrue(lines[0].hasPrefix("epoch 1/60  person loss "), lines[0])
        XCTAssertTrue(lines[0].contains("age_group loss") && lines[0].contains("ETA"), lines[0])
        let (_, accuracy) = Trainer.evaluate(head: head, on: test.set)
        XCTAssertGreaterThanOrEqual(accuracy[0], 0.95, "person accuracy on the test split")
        XCTAssertGreaterThanOrEqual(accuracy[1], 0.95, "age group accuracy on the labelled test images")
        XCTAssertLessThan(result.history.last!.trainLoss[0], result.history.first!.trainLoss[0])

        // Second run: every feature comes from the cache, none from the extractor.
        let seen = extractor.imagesSeen
        let again = try pipeline.features(samples: split.train.map { dataset.samples[$0] }, tasks: 2, views: settings.augmentViews)
        XCTAssertEqual(extractor.imagesSeen, seen)
        XCTAssertEqual(again.set.features, train.set.features)
        XCTAssertEqual(again.hashes, train.hashes)
    }

    func testAugmentationKeepsSizeAndIsReproducible() {
        var rng = SeededRandom(seed: 4)
        let image = SyntheticFaces.image(person: 1, size: 24, rng: &rng)
        let aug = Augmentation()
        var a = SeededRandom(seed: 9), b = SeededRandom(seed: 9)
        let x = aug.view(2, of: image, using: &a), y = aug.view(2, of: image, using: &b)
        XCTAssertEqual(x, y)
        XCTAssertNotEqual(x, image)
        XCTAssertEqual(aug.view(0, of: image, using: &a), image)
        // View 1 is the exact mirror image.
        let m = aug.view(1, of: image, using: &a)
        for yy in 0..<24 { for xx in 0..<24 { for c in 0..<3 {
            XCTAssertEqual(m.pixels[(yy * 24 + xx) * 3 + c], image.pixels[(yy * 24 + 23 - xx) * 3 + c])
        } } }
        XCTAssertEqual(Augmentation.transform(image), image, "the identity transform changes nothing")
    }
}
