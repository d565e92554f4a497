import facecli
import XCTest

/// The command line as a user meets it: the built binary, its stdout, stderr and exit status.
final class CLIBinaryTests: XCTestCase {
    let commands = ["train", "predict", "detect", "eval", "bench"]

    func testTopLevelHelpListsEveryCommandOnStdout() throws {
        for arguments in [["--help"], ["-h"], ["help"]] {
            let r = try FacecliBinary.run(arguments)
            XCTAssertEqual(r.status, 0, "\(arguments)")
            XCTAssertEqual(r.stderr, "", "\(arguments)")
            for command in commands {
                XCTAssertTrue(r.stdout.contains("\n  \(command) "), "\(arguments): \(command) missing from\n\(r.stdout)")
            }
            XCTAssertTrue(r.stdout.contains("64 usage error"))
        }
    }

    func testNoArgumentsPrintsHelpToStderrAndExits64() throws {
        let r = try FacecliBinary.run([])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.contains("USAGE: facecli <command>"))
    }

    func testVersion() throws {
        let r = try FacecliBinary.run(["--version"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.hasPrefix("facecli "), r.stdout)
        XCTAssertTrue(r.stdout.split(separator: " ").last!.contains("."), r.stdout)
    }

    func testEverySubcommandHasItsOwnHelp() throws {
        for command in commands {
            let viaFlag = try FacecliBinary.run([command, "--help"])
            XCTAssertEqual(viaFlag.status, 0, command)
            XCTAssertTrue(viaFlag.stdout.hasPrefix("USAGE: facecli \(command)"), viaFlag.stdout)
            XCTAssertTrue(viaFlag.stdout.contains("-h, --help"), viaFlag.stdout)
            let viaHelp = try FacecliBinary.run(["help", command])
            XCTAssertEqual(viaHelp.stdout, viaFlag.stdout, command)
        }
    }

    func testUnknownCommandIsUsageErrorWithSuggestion() throws {
        let r = try FacecliBinary.run(["detcet", "x.jpg"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, "facecli: unknown command 'detcet' (did you mean 'detect'?); see 'facecli --help'\n")
        XCTAssertEqual(try FacecliBinary.run(["help", "nope"]).status, 64)
    }

    func testUnknownOptionNamesTheCommandAndItsHelp() throws {
        let r = try FacecliBinary.run(["detect", "--foo", "x.jpg"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, "facecli: unknown option --foo for 'detect'; see 'facecli detect --help'\n")
        let typo = try FacecliBinary.run(["predict", "--thread", "2", "x.jpg"])
        XCTAssertEqual(typo.status, 64)
        XCTAssertTrue(typo.stderr.contains("did you mean --threads?"), typo.stderr)
    }

    func testMissingValueAndMissingPositionalAreUsageErrors() throws {
        let noValue = try FacecliBinary.run(["detect", "x.jpg", "--min-face"])
        XCTAssertEqual(noValue.status, 64)
        XCTAssertTrue(noValue.stderr.contains("--min-face of 'detect' needs a value"), noValue.stderr)
        let noImage = try FacecliBinary.run(["detect"])
        XCTAssertEqual(noImage.status, 64)
        XCTAssertTrue(noImage.stderr.contains("'detect' needs <image>"), noImage.stderr)
    }

    func testBenchNeedsExactlyOneMode() throws {
        let none = try FacecliBinary.run(["bench"])
        XCTAssertEqual(none.status, 64)
        XCTAssertTrue(none.stderr.contains("needs a mode"), none.stderr)
        let two = try FacecliBinary.run(["bench", "--ops", "--backbone", "mobilenet"])
        XCTAssertEqual(two.status, 64)
        XCTAssertTrue(two.stderr.contains("one mode at a time"), two.stderr)
    }
}

/// Checks against the registry itself, so they stay true as commands get built.
final class CLIRegistryTests: XCTestCase {
    func testCommandsNotBuiltYetSaySoAndExit69() throws {
        for command in allCommands where !command.isBuilt {
            let arguments = [command.name] + command.positionals.filter { !$0.optional }.map { _ in "placeholder" }
            let r = try FacecliBinary.run(arguments)
            XCTAssertEqual(r.status, 69, command.name)
            XCTAssertEqual(r.stdout, "", command.name)
            XCTAssertEqual(r.stderr, "facecli \(command.name): not built yet\n")
        }
    }

    func testBenchModesNotBuiltYetExit69() throws {
        for mode in benchModes where !mode.isBuilt {
            let selector = mode.selector
            let arguments = ["bench", "--\(selector.name)"] + (selector.kind == .flag ? [] : ["placeholder"])
            let r = try FacecliBinary.run(arguments)
            XCTAssertEqual(r.status, 69, "\(arguments)")
            XCTAssertEqual(r.stderr, "facecli bench --\(selector.name): not built yet\n")
        }
    }

    func testNamesAreUniqueAndHelpDeclaresEveryOption() {
        XCTAssertEqual(Set(allCommands.map { $0.name }).count, allCommands.count)
        for command in allCommands {
            let names = command.options.map { $0.name }
            XCTAssertEqual(Set(names).count, names.count, "\(command.name) declares an option twice")
            let help = Help.command(command)
            for name in names { XCTAssertTrue(help.contains("--\(name)"), "\(command.name) help lacks --\(name)") }
        }
    }
}
