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

    @Test("two training shards run at once against one PostgreSQL store, then the merge registers the version there")
    func shardedTraining() throws {
        let url = try PostgresTestServer.freshDatabaseURL()
        let directory = TestProcess.temporaryDirectory(prefix: "headroom-pg-shards")
        defer { try? FileManager.default.removeItem(at: directory) }
        try TestProcess.extractBitbrains([1, 6, 11, 22], into: directory)
        let imported = try Self.run(["import", "--db", url, "--format", "bitbrains", "--prefix", "bb-", "--quiet",
                                     directory.appendingPathComponent("bitbrains-rnd").path])
        #expect(imported.status == 0, "\(imported.stderr)")
        let models = directory.appendingPathComponent("models").path
        let version = "20130810T000000Z"
        let shards = try (0..<2).map { i in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try TestProcess.executable("headroom-trainer"))
            process.arguments = ["train", "--db", url, "--models", models, "--until", "2013-08-10T00:00:00Z", "--profile", "smoke",
                                 "--shard", "\(i)/2", "--version", version, "--quiet"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for shard in shards {
            shard.waitUntilExit()
            #expect(shard.terminationStatus == 0)
        }
        let store = try HeadroomStore(location: url)
        let registry = ModelRegistry(store: store, directory: models)
        #expect(try registry.list().isEmpty, "a version is registered only once merged")
        let merged = try Self.run(["train", "--db", url, "--models", models, "--merge", version, "--quiet"])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(Set(try registry.list().map(\.family)) == ["arima", "hmm", "lstm", "risk"])
        #expect(try registry.list().allSatisfy { $0.version == version && $0.status == .candidate })
        let promoted = try Self.run(["promote", version, "--db", url, "--models", models])
        #expect(promoted.status == 0, "\(promoted.stderr)")
        #expect(try registry.promotedVersion() == version)
    }
}
