import MTLNet
import Support
import XCTest

final class CSVTests: XCTestCase {
    func testQuotesCRLFAndByteOrderMark() throws {
        let text = "\u{FEFF}path,name , note\r\n a.jpg ,\"Smith, John\",\"said \"\"hi\"\"\"\r\n\r\nb.jpg,,\"two\nlines\"\n"
        let t = try CSVTable(text: text, path: "x.csv")
        XCTAssertEqual(t.header, ["path", "name", "note"])
        XCTAssertEqual(t.rows, [["a.jpg", "Smith, John", "said \"hi\""], ["b.jpg", "", "two\nlines"]])
        XCTAssertEqual(t.lines, [2, 4])
        XCTAssertEqual(try t.column("note"), 2)
    }

    func testLastLineWithoutNewlineAndTrailingEmptyField() throws {
        let t = try CSVTable(text: "a,b\n1,", path: "x.csv")
        XCTAssertEqual(t.rows, [["1", ""]])
    }

    func testMalformedFilesNameFileAndLine() {
        func expect(_ text: String, _ fragment: String, line: UInt = #line) {
            XCTAssertThrowsError(try CSVTable(text: text, path: "/d/labels.csv"), line: line) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("/d/labels.csv: "), message, line: line)
                XCTAssertTrue(message.contains(fragment), "'\(fragment)' in: \(message)", line: line)
            }
        }
        expect("a,b\n1,2\n3\n", "line 3: 1 fields, the header has 2")
        expect("a,b\n1,\"2\n", "line 2: unterminated")
        expect("a,b\n1,x\"y\"\n", "line 2: a quote in the middle")
        expect("a,b\n1,\"x\"y\n", "line 2: text after a closing quote")
        expect("a,a\n", "line 1: column 'a' appears twice")
        expect("a,,b\n", "empty column name")
        expect("", "empty file")
        XCTAssertThrowsError(try CSVTable(text: "a\n1\n", path: "/d/labels.csv").column("path")) {
            XCTAssertTrue("\($0)".contains("has no 'path' column (columns: a)"))
        }
    }
}
