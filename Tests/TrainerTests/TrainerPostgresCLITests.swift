import Foundation
import HeadroomTestSupport
import Testing
@testable import Store

/// `headroom-trainer --db postgres://…`: the executable against a real PostgreSQL server
/// (`PostgresTestServer`, a fresh database), end to end.
@Suite("headroom-trainer CLI on PostgreSQL", .serialized, .enabled(if: PostgresTestServer.isAvailable, "PostgreSQL's server binaries are not installed"))
struct TrainerPostgresCLITests {
    static func run(_ arguments: [String]) throws -> TestProcess.Output { try TestProcess.run("headroom-trainer", arguments) }

    @Test("import of the bundled NAB traces into PostgreSQL, a re-run adds nothing, summary and limits read it back")
    func importSummaryLimits() throws {
        let url = try PostgresTestServer.freshDatabaseURL()
        let nab = TestProcess.repositoryRoot.appendingPathComponent("datasets/nab-aws").path
        let first = try Self.run(["import", "--db", url, "--format", "nab", "--prefix", "n-", "--json", "--quiet", nab])
        #expect(first.status == 0, "\(first.stderr)")
        let summary = try JSONDecoder().decode(ImportSummary.self, from: Data(first.stdout.utf8))
        #expect(summary.filesImported == 4)
        #expect(summary.samplesInserted > 0)
        let second = try Self.run(["import", "--db", url, "--format", "nab", "--prefix", "n-", "--json", "--quiet", nab])
        let again = try JSONDecoder().decode(ImportSummary.self, from: Data(second.stdout.utf8))
        #expect(again.samplesInserted == 0 && again.filesAlreadyImported == 4)
        #expect(try HeadroomStore.committedImports(path: url) == 4)
        #expect(try HeadroomStore.committedImports(path: url, format: "bitbrains") == 0)

        let text = try Self.run(["summary", "--db", url])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("4 workloads, \(summary.samplesInserted) samples, 4 files imported"), "\(text.stdout)")

        // The same rows through the library, and a limits file applied by the CLI.
        let store = try HeadroomStore(location: url)
        #expect(try store.summary().samples == summary.samplesInserted)
        let name = try #require(summary.workloads.first)
        let directory = TestProcess.temporaryDirectory(prefix: "headroom-pg-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let limits = directory.appendingPathComponent("limits.csv").path
        try """
            workload,cpu_cores,memory_bytes,disk_read_bytes_per_second,disk_write_bytes_per_second,network_receive_bytes_per_second,network_transmit_bytes_per_second
            \(name),2,,,,,

            """.write(toFile: limits, atomically: true, encoding: .utf8)
        let applied = try Self.run(["limits", "--db", url, "--file", limits])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(try store.workload(named: name)?.limits.cpuCores == 2)

        // A server that is not there is refused naming the URL, without its password.
        let nowhere = try Self.run(["summary", "--db", "postgres://someone:secret@/none?host=/nonexistent-socket-dir"])
        #expect(nowhere.status != 0)
        #expect(nowhere.stderr.contains("postgres://someone:***@/none?host=/nonexistent-socket-dir"), "\(nowhere.stderr)")
        #expect(!nowhere.stderr.contains("secret"))
    }
}
