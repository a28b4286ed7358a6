@testable import Agent
import Foundation
import Testing

@Suite("CRIU support: version ≥ 4.1 and criu check")
struct CRIUSupportTests {
    @Test("criu --version is read; before 4.1 it is refused with the version and why", arguments: [
        ("Version: 3.17.1\n", [3, 17, 1], false), ("Version: 4.1\nGitID: v4.1\n", [4, 1], true), ("Version: 4.0\n", [4, 0], false),
        ("Version: 4.2-rc1\n", [4, 2], true), ("Version: 10.0\n", [10, 0], true),
    ])
    func version(output: String, expected: [Int], usable: Bool) throws {
        let version = try #require(CRIUSupport.version(parsing: output))
        #expect(version == expected)
        #expect((CRIUSupport.versionProblem(version) == nil) == usable)
        if let problem = CRIUSupport.versionProblem(version) {
            #expect(problem.contains("criu \(expected.map(String.init).joined(separator: ".")) found") && problem.contains("4.1 or newer"))
        }
        #expect(CRIUSupport.version(parsing: "criu: unknown option\n") == nil)
    }

    /// A fake criu printing `version` and exiting `checkStatus` on `check`.
    static func fake(version: String, checkStatus: Int, in directory: String) throws -> String {
        let path = "\(directory)/criu-fake"
        try "#!/bin/sh\ncase \"$1\" in --version) printf '\(version)';; check) echo 'Error (criu/x.c:1): nope' >&2; exit \(checkStatus);; esac\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    @Test("detect: an old criu is not used even when its check would pass; 4.1 with a passing check is; a failing check names the error")
    func detect() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hr-criu-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let old = CRIUSupport.detect(executable: try Self.fake(version: "Version: 3.17.1\\n", checkStatus: 0, in: scratch))
        #expect(!old.available && old.reason.contains("criu 3.17.1 found") && old.fallbackMessage.contains("cooperative protocol"))
        let good = CRIUSupport.detect(executable: try Self.fake(version: "Version: 4.1\\n", checkStatus: 0, in: scratch))
        #expect(good.available)
        let failing = CRIUSupport.detect(executable: try Self.fake(version: "Version: 4.1\\n", checkStatus: 1, in: scratch))
        #expect(!failing.available && failing.reason == "criu check failed: Error (criu/x.c:1): nope")
        #expect(!CRIUSupport.detect(executable: "\(scratch)/absent").available)
    }
}
