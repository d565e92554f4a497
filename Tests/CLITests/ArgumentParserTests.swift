import XCTest
import facecli
import ImageIO
import Support

/// The parser on its own: every accepted form and every error, without starting a process.
final class ArgumentParserTests: XCTestCase {
    let parser = ArgumentParser(
        command: "demo",
        options: [.flag("json", help: ""), .value("out", "path", help: ""),
                  .repeatable("tag", "t", help: ""), CommonOptions.threads,
                  .value("scale", "x", help: "")],
        positionals: [PositionalSpec("input", help: ""), PositionalSpec("more", help: "", optional: true, variadic: true)])

    func parsed(_ arguments: [String]) throws -> ParsedArguments {
        guard case let .arguments(p) = try parser.parse(arguments) else {
            XCTFail("\(arguments) parsed as a help request")
            throw CLIError.failure("help", .usage)
        }
        return p
    }

    func usageMessage(_ arguments: [String]) -> String? {
        do { _ = try parser.parse(arguments); return nil } catch let e as CLIError {
            guard case let .usage(message, command) = e, command == "demo" else { return "wrong error \(e)" }
            return message
        } catch { return "wrong error \(error)" }
    }

    func testAllOptionForms() throws {
        let p = try parsed(["a", "--out", "o.png", "--tag=x", "--json", "b", "--tag", "y", "--scale", "-2.5", "--", "--c"])
        XCTAssertEqual(p.positionals, ["a", "b", "--c"])
        XCTAssertEqual(p.value("out"), "o.png")
        XCTAssertEqual(p.allValues("tag"), ["x", "y"])
        XCTAssertTrue(p.flag("json"))
        XCTAssertFalse(p.has("threads"))
        XCTAssertEqual(try p.double("scale", default: 1), -2.5)
        XCTAssertEqual(try p.int("missing", default: 7), 7)
        XCTAssertEqual(try parsed(["--out=", "a"]).value("out"), "", "--x= gives an empty value")
        XCTAssertEqual(try parsed(["-3"]).positionals, ["-3"], "a negative number is a positional")
    }

    func testHelpRequest() throws {
        XCTAssertEqual(try parser.parse(["a", "--help"]), .help)
        XCTAssertEqual(try parser.parse(["-h"]), .help)
        XCTAssertEqual(try parser.parse(["--", "-h"]), .arguments(ParsedArguments(command: "demo", values: [:], flags: [], positionals: ["-h"])))
    }

    func testErrors() {
        XCTAssertEqual(usageMessage(["a", "--nope"]), "unknown option --nope for 'demo'")
        XCTAssertEqual(usageMessage(["a", "--jsn"]), "unknown option --jsn for 'demo' (did you mean --json?)")
        XCTAssertEqual(usageMessage(["a", "-x"]), "unknown option -x for 'demo' (options are spelled --name)")
        XCTAssertEqual(usageMessage(["a", "--out"]), "option --out of 'demo' needs a value <path>")
        XCTAssertEqual(usageMessage(["a", "--out", "--json"]), "option --out of 'demo' needs a value <path>")
        XCTAssertEqual(usageMessage(["a", "--json=1"]), "option --json of 'demo' takes no value")
        XCTAssertEqual(usageMessage(["a", "--out", "x", "--out=y"]), "option --out of 'demo' given more than once")
        XCTAssertEqual(usageMessage([]), "'demo' needs <input>")
        XCTAssertNil(usageMessage(["a"]))
    }

    func testTooManyPositionals() {
        let one = ArgumentParser(command: "one", options: [], positionals: [PositionalSpec("x", help: "")])
        XCTAssertThrowsError(try one.parse(["a", "b"])) {
            XCTAssertEqual(($0 as? CLIError)?.description, "'one' takes at most 1 positional argument, got 2; see 'facecli one --help'")
        }
    }

    func testThreadsValidation() throws {
        XCTAssertEqual(try parsed(["a", "--threads", "3"]).threads(), 3)
        XCTAssertGreaterThanOrEqual(try parsed(["a"]).threads(), 1)
        for bad in ["0", "-1", "two", "1.5", "", "65"] {
            XCTAssertThrowsError(try parsed(["a", "--threads=\(bad)"]).threads(), bad) {
                XCTAssertEqual(($0 as? CLIError)?.description,
                               "--threads must be an integer in 1…64, got '\(bad)'; see 'facecli demo --help'")
                XCTAssertEqual(($0 as? CLIError)?.exitCode, .usage)
            }
        }
    }

    func testIntegerListValidation() throws {
        XCTAssertEqual(try parsed(["a", "--scale", "128, 192"]).ints("scale", default: [1], in: 32...512), [128, 192])
        XCTAssertEqual(try parsed(["a"]).ints("scale", default: [7], in: 32...512), [7])
        for bad in ["", "128,", "12", "128,x", "1.5"] {
            XCTAssertThrowsError(try parsed(["a", "--scale=\(bad)"]).ints("scale", default: [], in: 32...512), bad) {
                XCTAssertEqual(($0 as? CLIError)?.description,
                               "--scale must be a comma-separated list of integers in 32…512, got '\(bad)'; see 'facecli demo --help'")
            }
        }
    }

    func testErrorsMapToSysexits() {
        XCTAssertEqual(ErrorReporting.exitCode(for: CLIError.notBuilt(command: "x")), .unavailable)
        XCTAssertEqual(ErrorReporting.exitCode(for: CLIError.usage("x", command: nil)), .usage)
        XCTAssertEqual(ErrorReporting.exitCode(for: FileError(.missing, path: "a", "no such file")), .noInput)
        XCTAssertEqual(ErrorReporting.exitCode(for: FileError(.isDirectory, path: "a", "dir")), .noInput)
        XCTAssertEqual(ErrorReporting.exitCode(for: FileError(.cannotCreate, path: "a", "x")), .cannotCreate)
        XCTAssertEqual(ErrorReporting.exitCode(for: FileError(.io, path: "a", "x")), .ioError)
        XCTAssertEqual(ErrorReporting.exitCode(for: FileError(.badData, path: "a", "x")), .dataError)
        XCTAssertEqual(ErrorReporting.exitCode(for: ImageError(.truncated, path: "a.jpg", "cut")), .dataError)
        XCTAssertEqual(ErrorReporting.message(for: ImageError(.truncated, path: "a.jpg", "cut")), "a.jpg: cut")
    }

    func testEditDistance() {
        XCTAssertEqual(editDistance("threads", "thread"), 1)
        XCTAssertEqual(editDistance("", "abc"), 3)
        XCTAssertEqual(editDistance("kitten", "sitting"), 3)
    }
}
