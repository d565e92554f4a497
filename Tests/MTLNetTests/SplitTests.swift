import MTLNet
import TestData
import XCTest

final class SplitTests: XCTestCase {
    /// 3 people with 10, 20 and 7 images; a second task partly missing; 5 images without person.
    func makeDataset() -> Dataset {
        var samples: [Sample] = []
        for (p, n) in [10, 20, 7].enumerated() {
            for i in 0..<n { samples.append(Sample(path: "/\(p)/\(i)", relativePath: "\(p)/\(i)", labels: [p, i % 3 == 0 ? Dataset.missing : i % 2])) }
        }
        for i in 0..<5 { samples.append(Sample(path: "/u/\(i)", relativePath: "u/\(i)", labels: [Dataset.missing, 1])) }
        return Dataset(tasks: [TaskInfo(name: "person", labels: ["a", "b", "c"]), TaskInfo(name: "age", labels: ["x", "y"])], samples: samples)
    }

    func testStratifiedDisjointAndReproducible() {
        let data = makeDataset()
        let split = DataSplit(dataset: data, testFraction: 0.3, validationFraction: 0.2, seed: 1)
        let all = split.train + split.validation + split.test
        XCTAssertEqual(all.count, data.samples.count)
        XCTAssertEqual(Set(all).count, data.samples.count, "parts are disjoint and cover the data")
        // Per stratum: round(0.3·n) to test, then round(0.2·rest) to validation.
        let strata = DataSplit.strata(data)
        for (key, n) in [("person=0", 10), ("person=1", 20), ("person=2", 7), ("age=1", 5)] {
            let test = split.test.filter { strata[$0] == key }.count
            let validation = split.validation.filter { strata[$0] == key }.count
            let expectedTest = Int((Double(n) * 0.3).rounded())
            XCTAssertEqual(test, expectedTest, key)
            XCTAssertEqual(validation, Int((Double(n - expectedTest) * 0.2).rounded()), key)
        }
        XCTAssertEqual(DataSplit(dataset: data, testFraction: 0.3, validationFraction: 0.2, seed: 1), split)
        XCTAssertNotEqual(DataSplit(dataset: data, testFraction: 0.3, validationFraction: 0.2, seed: 2).test, split.test)
    }

    func testFaces9SplitIs45TestImagesPerPerson() throws {
        let data = try Dataset(roots: [try SharedData.path("faces9")])
        let split = DataSplit(dataset: data, testFraction: 0.3, validationFraction: 0.15, seed: 1)
        XCTAssertEqual(split.test.count, 405)
        for p in 0..<9 { XCTAssertEqual(split.test.filter { data.samples[$0].labels[0] == p }.count, 45) }
        XCTAssertTrue(Set(split.test).isDisjoint(with: split.train + split.validation))
    }
}
