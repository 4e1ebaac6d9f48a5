import Foundation
import Testing
import TestSupport
@testable import Pipeline

/// The libyaml loader: core-schema typing, located errors, and the bounds that keep any file cheap to answer.
@Suite struct YAMLLoaderTests {
    func load(_ yaml: String) throws -> SpecNode {
        try YAMLLoader.load(text: yaml, file: "p.yaml")
    }

    /// The one error loading `yaml` gives, as `LINE:COL message`.
    func failure(_ yaml: String) -> (at: String, message: String, hint: String?)? {
        do {
            _ = try load(yaml)
            Issue.record("expected an error")
            return nil
        } catch let error as PipelineError {
            return ("\(error.location?.line ?? 0):\(error.location?.column ?? 0)", error.message, error.hint)
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func aliasBombIsRefusedAtTheAlias() {
        var yaml = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for i in 1..<10 { yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let found = failure(yaml)
        // a3 expands to 11 111 values, so a4, on line 5, passes 100 000 at one of its aliases, long before a9's 10^10.
        #expect(found?.at.hasPrefix("5:") == true)
        #expect(found?.message == "with this alias the document expands to more than 100000 values")
        #expect(found?.hint?.contains("aliases") == true)
    }

    @Test func aliasesWithinBoundsAreExpanded() throws {
        let root = try load("base: &b { kind: command, cmd: echo }\ncopy: *b\nlist: [*b, *b]\n")
        #expect(root["copy"]?["cmd"]?.string == "echo")
        #expect(root["list"]?.array?.count == 2)
        #expect(root["copy"]?.location.line == 2)
    }

    @Test func longStringRepeatedByAliasesIsRefused() {
        var yaml = "s: &s \"\(String(repeating: "x", count: 10_000))\"\n"
        yaml += "l1: &l1 [" + Array(repeating: "*s", count: 30).joined(separator: ", ") + "]\n"
        yaml += "l2: &l2 [" + Array(repeating: "*l1", count: 30).joined(separator: ", ") + "]\n"
        #expect(failure(yaml)?.message.contains("MiB of text") == true)
    }

    @Test func recursiveAliasIsNamed() {
        let found = failure("a: &x [1, *x]\n")
        #expect(found?.at == "1:11")
        #expect(found?.message == "alias *x refers to a node that contains it")
    }

    @Test func undefinedAlias() {
        let found = failure("version: 1\nstages: *nothing\n")
        #expect(found?.at == "2:9")
        #expect(found?.message == "YAML alias *nothing has no anchor &nothing before it")
    }

    @Test func nestingDeeperThan64IsRefused() throws {
        _ = try load("x: " + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "\n")
        let found = failure("x: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n")
        #expect(found?.at == "1:67")
        #expect(found?.message == "the YAML nests deeper than 64 levels")
    }

    @Test func duplicateKeyIsReportedAtTheDuplicateNamingTheFirst() {
        let found = failure("version: 1\nstages:\n  a:\n    kind: command\n  b: {}\n  a:\n    kind: command\n")
        #expect(found?.at == "6:3")
        #expect(found?.message == "duplicate key 'a' in one mapping (first on line 3)")
    }

    @Test func mergeKeyIsRefused() {
        let found = failure("base: &b { kind: command }\nstage:\n  <<: *b\n  cmd: x\n")
        #expect(found?.at == "3:3")
        #expect(found?.message == "YAML merge keys (<<) are not supported")
    }

    @Test func moreThanOneDocumentIsRefused() {
        let found = failure("version: 1\n---\nversion: 2\n")
        #expect(found?.at == "2:1")
        #expect(found?.message == "the file holds more than one YAML document")
        #expect(throws: Never.self) { try load("---\nversion: 1\n...\n") }
    }

    @Test func emptyFile() {
        #expect(failure("# nothing here\n")?.message == "the file is empty")
    }

    @Test func fileOverOneMegabyteIsRefused() throws {
        let folder = try TemporaryFolder()
        let file = folder.url.appendingPathComponent("big.yaml")
        try Data(("x: \"" + String(repeating: "y", count: YAMLLoader.maxFileBytes) + "\"\n").utf8).write(to: file)
        do {
            _ = try YAMLLoader.load(file: file.path)
            Issue.record("expected an error")
        } catch let error as PipelineError {
            #expect(error.message.contains("a pipeline file may be at most 1 MB"))
            #expect(error.location?.file == file.path)
        }
    }

    @Test func coreSchemaTyping() throws {
        let root = try load("""
        nulls: [~, null, Null, NULL, !!null '']
        bools: [true, True, TRUE, false, False, FALSE]
        strings: [yes, no, on, off, y, n, tRue, nULL, 2001-12-14, 0b101, 1_000, "1", '2', 0x, .5x]
        ints: [0, -7, +12, 0x1F, 0o17, 007]
        floats: [1.5, -.5, +2., 1e3, 6.02E+23, .5]
        tagged: [!!str 3, !!int "4", !!float 5, ! 6]
        empty:
        """)
        #expect(root["nulls"]?.array?.allSatisfy { $0.typeName == "null" } == true)
        #expect(root["nulls"]?.array?.count == 5)
        #expect(root["bools"]?.array?.map(\.bool) == [true, true, true, false, false, false])
        #expect(root["strings"]?.array?.allSatisfy { $0.string != nil } == true)
        #expect(root["ints"]?.array?.map(\.int) == [0, -7, 12, 31, 15, 7])
        #expect(root["floats"]?.array?.map(\.number) == [1.5, -0.5, 2, 1000, 6.02e23, 0.5])
        #expect(root["floats"]?.array?.allSatisfy { $0.typeName == "number" } == true)
        #expect(root["tagged"]?.array?.map(\.description) == ["\"3\"", "4", "5.0", "\"6\""])
        #expect(root["empty"]?.typeName == "null")
    }

    @Test func nonFiniteAndHugeNumbersAreRefused() {
        #expect(failure("x: .inf\n")?.message == ".inf is not a finite number")
        #expect(failure("x: -.Inf\n")?.message == "-.Inf is not a finite number")
        #expect(failure("x: .NaN\n")?.message == ".NaN is not a finite number")
        #expect(failure("x: 1e999\n")?.message == "1e999 is not a finite number")
        #expect(failure("x: 99999999999999999999\n")?.message == "integer 99999999999999999999 is out of range")
        #expect(failure("x: 99999999999999999999\n")?.at == "1:4")
    }

    @Test func keysKeepTheirText() throws {
        let root = try load("1: a\n0x10: b\ntrue: c\n")
        #expect(root.entries?.map(\.key) == ["1", "0x10", "true"])
    }

    @Test func syntaxErrorCarriesLibyamlsProblemAndLocation() {
        let found = failure("version: 1\nstages:\n  a:\n    kind: command\n   cmd: x\n")
        #expect(found?.at == "5:4")
        #expect(found?.message == "YAML syntax: did not find expected key")
        #expect(found?.hint == "check the indentation of this line and the one above")
        let tab = failure("a:\n\tb: 1\n")
        #expect(tab?.at == "2:1")
        #expect(tab?.message.hasPrefix("YAML syntax: found character that cannot start any token") == true)
        #expect(failure("a: [1, 2\n")?.message.hasPrefix("YAML syntax") == true)
    }

    @Test func controlCharacterIsLocated() {
        let found = failure("a: 1\nb: \"x\u{07}\"\n")
        #expect(found?.at == "2:6")
        #expect(found?.message == "cannot read YAML: control characters are not allowed")
    }

    @Test func columnsCountUnicodeScalars() throws {
        let root = try load("prompt: \"é ü\"\nnext: 1\nü: { k: 2 }\n")
        #expect(root["ü"]?["k"]?.location.column == 9)
    }

    @Test func unsupportedTagIsRefused() {
        #expect(failure("x: !!binary aGVsbG8=\n")?.message == "the YAML tag tag:yaml.org,2002:binary is not supported")
        #expect(failure("x: !!int abc\n")?.message == "'abc' is not a valid integer")
    }
}
