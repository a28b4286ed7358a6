import Foundation
import Testing
@testable import Store

@Suite("TarReader")
struct TarReaderTests {
    @Test("reads members of GNU and pax archives made by tar(1), long names included", arguments: ["gnu", "pax", "ustar"])
    func members(_ format: String) throws {
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let long = String(repeating: "d", count: format == "ustar" ? 60 : 120)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("in/\(long)"), withIntermediateDirectories: true)
        let big = String(repeating: "0123456789", count: 1000) + "\n"
        TestSupport.write("a,b\n1,2\n", "in/small.csv", in: directory)
        TestSupport.write(big, "in/\(long)/big.csv", in: directory)
        TestSupport.write("", "in/empty.csv", in: directory)
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["--format=\(format)", "--sort=name", "-C", directory.appendingPathComponent("in").path, "-cf",
                         directory.appendingPathComponent("x.tar").path, "."]
        try tar.run()
        tar.waitUntilExit()
        #expect(tar.terminationStatus == 0)
        let reader = TarReader(path: "x.tar", source: try FileByteSource(path: directory.appendingPathComponent("x.tar").path))
        var seen: [String: String] = [:]
        while let member = try reader.nextMember() {
            let lines = LineReader(source: member.source)
            var text = ""
            while let line = try lines.nextLine() { text += String(decoding: line, as: UTF8.self) + "\n" }
            seen[member.name] = text
        }
        #expect(seen["./small.csv"] == "a,b\n1,2\n")
        #expect(seen["./\(long)/big.csv"] == big)
        #expect(seen["./empty.csv"] == "")
        #expect(seen.count == 3)
    }

    @Test("a damaged header is an error, not garbage")
    func corrupt() throws {
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = TestSupport.write(String(repeating: "x", count: 1024), "bad.tar", in: directory)
        let reader = TarReader(path: path, source: try FileByteSource(path: path))
        #expect(throws: InputError.self) { try reader.nextMember() }
    }
}
