import MTLNet
import Support
import TestData
import XCTest

final class DatasetTests: XCTestCase {
    func makeIdentityRoot(_ folder: TemporaryFolder, attributes: String?) throws -> String {
        for (person, count) in [("bob", 2), ("ann", 3)] {
            for i in 0..<count { try folder.write("ids/\(person)/\(i).jpg", "x") }
        }
        try folder.write("ids/ann/notes.txt", "not an image")
        try folder.write("ids/empty/readme.md", "no images: not an identity")
        if let attributes { try folder.write("ids/attributes.csv", attributes) }
        return folder.path + "/ids"
    }

    func testIdentityFoldersWithAttributes() throws {
        let folder = try TemporaryFolder()
        let root = try makeIdentityRoot(folder, attributes: "identity,age_group,ethnicity\nbob,adult,\nann,young,Asian\n")
        let data = try Dataset(roots: [root])
        XCTAssertEqual(data.tasks, [TaskInfo(name: "person", labels: ["ann", "bob"]),
                                    TaskInfo(name: "age_group", labels: ["adult", "young"]),
                                    TaskInfo(name: "ethnicity", labels: ["Asian"])])
        XCTAssertEqual(data.samples.map(\.relativePath), ["ann/0.jpg", "ann/1.jpg", "ann/2.jpg", "bob/0.jpg", "bob/1.jpg"])
        XCTAssertEqual(data.samples[0].labels, [0, 1, 0])
        XCTAssertEqual(data.samples[3].labels, [1, 0, Dataset.missing], "empty cell = missing label")
        XCTAssertEqual(data.samples[3].path, root + "/bob/0.jpg")
    }

    func testLabelFileAndCombinationOfRoots() throws {
        let folder = try TemporaryFolder()
        let ids = try makeIdentityRoot(folder, attributes: "identity,age_group\nbob,adult\nann,young\n")
        try folder.write("utk/a.png", "x"); try folder.write("utk/sub/b.png", "x")
        try folder.write("utk/labels.csv", "path,ethnicity,age_group\na.png,White,elderly\n\"sub/b.png\",,young\n")
        let data = try Dataset(roots: [ids, folder.path + "/utk"])
        XCTAssertEqual(data.tasks.map(\.name), ["person", "age_group", "ethnicity"])
        XCTAssertEqual(data.tasks[1].labels, ["adult", "elderly", "young"])
        XCTAssertEqual(data.samples.count, 7)
        let a = data.samples[5], b = data.samples[6]
        XCTAssertEqual(a.relativePath, "a.png")
        XCTAssertEqual(a.labels, [Dataset.missing, 1, 0], "no person label in a label file without that column")
        XCTAssertEqual(b.labels, [Dataset.missing, 2, Dataset.missing])
        XCTAssertEqual(data.samples[0].labels, [0, 2, Dataset.missing], "identity roots have no ethnicity here")

        let selected = try Dataset(roots: [ids, folder.path + "/utk"], only: ["ethnicity"])
        XCTAssertEqual(selected.tasks.map(\.name), ["ethnicity"])
        XCTAssertEqual(selected.samples.map(\.relativePath), ["a.png"], "images without any selected label are dropped")
        XCTAssertThrowsError(try Dataset(roots: [ids], only: ["gender"])) {
            XCTAssertTrue("\($0)".contains("unknown task 'gender' (the data has: person, age_group)"), "\($0)")
        }
    }

    func testBadFilesAreRefusedNamingFileAndLine() throws {
        func expect(_ files: [String: String], _ fragment: String, line: UInt = #line) throws {
            let folder = try TemporaryFolder()
            for (name, text) in files { try folder.write(name, text) }
            XCTAssertThrowsError(try Dataset(roots: [folder.path]), line: line) { error in
                XCTAssertTrue("\(error)".contains(fragment), "'\(fragment)' in: \(error)", line: line)
            }
        }
        try expect(["p/a.jpg": "x", "attributes.csv": "identity,age\np,1\nq,2\n"], "attributes.csv: line 3: unknown identity 'q'")
        try expect(["p/a.jpg": "x", "attributes.csv": "identity,age\np,1\np,2\n"], "attributes.csv: line 3: identity 'p' is listed twice (first on line 2)")
        try expect(["p/a.jpg": "x", "attributes.csv": "name,age\np,1\n"], "attributes.csv: has no 'identity' column")
        try expect(["a.jpg": "x", "labels.csv": "path,age\na.jpg,1\na.jpg,2\n"], "labels.csv: line 3: 'a.jpg' is listed twice")
        try expect(["a.jpg": "x", "labels.csv": "file,age\na.jpg,1\n"], "labels.csv: has no 'path' column")
        try expect(["a.jpg": "x", "labels.csv": "path,age\na.jpg,1\nb.jpg,2\n"], "labels.csv: line 3: image 'b.jpg' not found")
        try expect(["a.jpg": "x", "labels.csv": "path,age\na.jpg,1,3\n"], "labels.csv: line 2: 3 fields, the header has 2")
        try expect(["readme.txt": "x"], "no labels.csv and no identity folders")
        XCTAssertThrowsError(try Dataset(roots: ["/nonexistent/x"])) { XCTAssertTrue("\($0)".contains("no such folder")) }
    }

    func testRealStandInData() throws {
        let faces9 = try SharedData.path("faces9"), utk = try SharedData.path("utkface2000")
        let a = try Dataset(roots: [faces9])
        XCTAssertEqual(a.samples.count, 1350)
        XCTAssertEqual(a.tasks.map(\.name), ["person", "age_group", "ethnicity"])
        XCTAssertEqual(a.tasks[0].labels.count, 9)
        XCTAssertEqual(a.tasks[1].labels, ["adult", "elderly", "young"])
        XCTAssertEqual(a.tasks[2].labels, ["Black", "Latino", "White"])
        let both = try Dataset(roots: [faces9, utk], only: ["person", "age_group", "ethnicity"])
        XCTAssertEqual(both.samples.count, 3350)
        XCTAssertEqual(both.tasks[2].labels, ["Asian", "Black", "Indian", "Latino", "Other", "White"])
        XCTAssertEqual(both.samples.filter { $0.labels[0] == Dataset.missing }.count, 2000)
    }
}
