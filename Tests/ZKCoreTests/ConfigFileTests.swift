import Testing
@testable import ZKCore

/// The Java-properties reader behind zoo.cfg.
@Suite struct ConfigFileTests {
    private func entries(_ text: String) throws -> [ConfigFile.Entry] {
        try ConfigFile(parsing: text, name: "zoo.cfg").entries
    }

    @Test func threeSeparatorsAndTrimming() throws {
        let file = try ConfigFile(parsing: "a=1\nb:2\nc 3\n  d  =  4  \ne\t:\t5\nf = = 6\n", name: "zoo.cfg")
        #expect(file.entries.map(\.key) == ["a", "b", "c", "d", "e", "f"])
        #expect(file.entries.map(\.value) == ["1", "2", "3", "4", "5", "= 6"])
        #expect(file.entries.map(\.line) == [1, 2, 3, 4, 5, 6])
        #expect(file["d"]?.value == "4")
        #expect(file["missing"] == nil)
    }

    @Test func blankSeparatorThenEquals() throws {
        // `key = value` with blanks on both sides, and a key with no value at all.
        #expect(try entries("key   =value\nlonely\nempty=\n").map { "\($0.key)|\($0.value)" }
            == ["key|value", "lonely|", "empty|"])
    }

    @Test func commentsAndBlankLines() throws {
        let text = "# comment\n! bang comment\n\n   \t\n  # indented comment\nx=1 # not a comment\n"
        let parsed = try entries(text)
        #expect(parsed == [ConfigFile.Entry(key: "x", value: "1 # not a comment", line: 6)])
    }

    @Test func continuationLines() throws {
        let text = "servers=a,\\\n    b,\\\n\tc\nnext=2\n"
        let parsed = try entries(text)
        #expect(parsed == [
            ConfigFile.Entry(key: "servers", value: "a,b,c", line: 1),
            ConfigFile.Entry(key: "next", value: "2", line: 4),
        ])
    }

    @Test func evenBackslashesDoNotContinue() throws {
        let parsed = try entries("path=C:\\\\\nnext=1\n")
        #expect(parsed.map(\.value) == ["C:\\", "1"])
    }

    @Test func continuationAtEndOfFileAndIntoBlankLine() throws {
        #expect(try entries("a=x\\").map(\.value) == ["x"])
        #expect(try entries("a=x\\\n\nb=y").map { "\($0.key)=\($0.value)@\($0.line)" } == ["a=x@1", "b=y@3"])
    }

    @Test func commentLineDoesNotContinue() throws {
        #expect(try entries("# comment \\\na=1\n").map(\.key) == ["a"])
    }

    @Test func escapes() throws {
        let parsed = try entries("a\\=b=c\\:d\nsp\\ ace=v\nu=\\u0041\\u00e9\\uD83D\\uDE00\nt=x\\ty\nq=\\q\n")
        #expect(parsed.map(\.key) == ["a=b", "sp ace", "u", "t", "q"])
        #expect(parsed.map(\.value) == ["c:d", "v", "Aé😀", "x\ty", "q"])
    }

    @Test func malformedUnicodeEscapeNamesTheLine() {
        #expect(throws: ConfigError(origin: .line(file: "zoo.cfg", line: 2), key: nil, problem: "malformed \\uxxxx escape")) {
            try ConfigFile(parsing: "ok=1\nbad=\\u12G4\n", name: "zoo.cfg")
        }
        #expect((try? ConfigFile(parsing: "bad=\\u12", name: "zoo.cfg")) == nil)
    }

    @Test func lineEndings() throws {
        let parsed = try entries("a=1\r\nb=2\rc=3\n")
        #expect(parsed.map(\.line) == [1, 2, 3])
        #expect(parsed.map(\.value) == ["1", "2", "3"])
    }

    @Test func laterDuplicateWins() throws {
        let file = try ConfigFile(parsing: "tickTime=2000\nclientPort=2181\ntickTime=3000\n", name: "zoo.cfg")
        #expect(file.entries == [
            ConfigFile.Entry(key: "clientPort", value: "2181", line: 2),
            ConfigFile.Entry(key: "tickTime", value: "3000", line: 3),
        ])
    }

    @Test func keysAreCaseSensitive() throws {
        #expect(try entries("TickTime=1\ntickTime=2\n").count == 2)
    }
}
