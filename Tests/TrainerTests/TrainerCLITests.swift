import Models
import Foundation
import HeadroomTestSupport
import Testing
@testable import Store

/// The `headroom-trainer` executable run as a real child process.
@Suite("headroom-trainer CLI", .serialized)
struct TrainerCLITests {
    static let repositoryRoot = TestProcess.repositoryRoot
    typealias Output = TestProcess.Output

    /// The built executable (any configuration or scratch path).
    static var trainer: String { get throws { try TestProcess.executable("headroom-trainer") } }

    static func run(_ arguments: [String]) throws -> Output { try TestProcess.run("headroom-trainer", arguments) }

    static func temporaryDirectory() -> URL { TestProcess.temporaryDirectory(prefix: "headroom-cli") }

    @Test("import prints a JSON summary; a second run adds nothing; bad rows exit 1 naming the place")
    func importAndErrors() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("s.sqlite").path
        let nab = Self.repositoryRoot.appendingPathComponent("datasets/nab-aws").path
        let first = try Self.run(["import", "--db", db, "--format", "nab", "--prefix", "n-", "--json", "--quiet", nab])
        #expect(first.status == 0, "\(first.stderr)")
        let summary = try JSONDecoder().decode(ImportSummary.self, from: Data(first.stdout.utf8))
        #expect(summary.filesImported == 4)
        #expect(summary.workloads.allSatisfy { $0.hasPrefix("n-") })
        let second = try Self.run(["import", "--db", db, "--format", "nab", "--prefix", "n-", "--json", "--quiet", nab])
        let again = try JSONDecoder().decode(ImportSummary.self, from: Data(second.stdout.utf8))
        #expect(again.samplesInserted == 0 && again.filesAlreadyImported == 4)

        let bad = directory.appendingPathComponent("ec2_cpu_utilization_bad.csv").path
        try "timestamp,value\n2014-02-14 14:30:00,1\n2014-02-14 14:35:00,one\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let failed = try Self.run(["import", "--db", db, "--format", "nab", "--quiet", bad])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("\(bad):3: column 2 (value): expected a decimal number"))

        let text = try Self.run(["summary", "--db", db])
        #expect(text.stdout.contains("4 workloads"))
        let unknownFormat = try Self.run(["import", "--db", db, "--format", "parquet", bad])
        #expect(unknownFormat.status != 0)
        #expect(unknownFormat.stderr.contains("bitbrains"))
    }

    @Test("limits CSV through the CLI")
    func limits() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("s.sqlite").path
        let nab = Self.repositoryRoot.appendingPathComponent("datasets/nab-aws").path
        #expect(try Self.run(["import", "--db", db, "--format", "nab", "--quiet", nab]).status == 0)
        let file = directory.appendingPathComponent("limits.csv").path
        try """
            workload,cpu_cores,memory_bytes,disk_read_bytes_per_second,disk_write_bytes_per_second,network_receive_bytes_per_second,network_transmit_bytes_per_second
            ec2_network_in_257a54,,,,,12500000,

            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Self.run(["limits", "--db", db, "--file", file])
        #expect(result.status == 0, "\(result.stderr)")
        let store = try HeadroomStore(path: db)
        #expect(try store.workload(named: "ec2_network_in_257a54")?.limits.networkReceiveBytesPerSecond == 12_500_000)
    }

    @Test("kill -9 during an import: finished files whole, the one in flight absent, a re-run completes")
    func killDuringImport() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("s.sqlite").path
        // 80 real Bitbrains files, extracted so each is its own transaction.
        let extract = Process()
        extract.executableURL = URL(fileURLWithPath: "/bin/tar")
        extract.arguments = ["-I", "zstd", "-xf", Self.repositoryRoot.appendingPathComponent("datasets/bitbrains-rnd-40vms-2013-07-08.tar.zst").path,
                             "-C", directory.path]
        try extract.run()
        extract.waitUntilExit()
        #expect(extract.terminationStatus == 0)
        let input = directory.appendingPathComponent("bitbrains-rnd").path

        let child = Process()
        child.executableURL = URL(fileURLWithPath: try Self.trainer)
        child.arguments = ["import", "--db", db, "--format", "bitbrains", "--quiet", input]
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        // Wait until at least two files have committed, then kill without warning.
        var committed = 0
        let deadline = Date().addingTimeInterval(60)
        while committed < 2, Date() < deadline, child.isRunning {
            usleep(20_000)
            committed = (try? Self.committedFiles(db)) ?? 0
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal, "the import finished before it could be killed")

        let store = try HeadroomStore(path: db)
        let ledger = try store.importedFiles()
        let files = ledger.filter { $0.member != "*" }.count
        let recordedSamples = ledger.reduce(0) { $0 + Int($1.samples) }
        let workloadsWithFiles = try store.workloads().count
        #expect(files >= 2 && files < 80)
        // Every sample in the store belongs to a committed file: nothing of the one in flight.
        #expect(try Self.sampleCount(store) == recordedSamples)
        #expect(workloadsWithFiles <= files)
        #expect(try store.integrityCheck() == "ok")

        let rerun = try Self.run(["import", "--db", db, "--format", "bitbrains", "--quiet", "--json", input])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let summary = try JSONDecoder().decode(ImportSummary.self, from: Data(rerun.stdout.utf8))
        #expect(summary.filesAlreadyImported == files)
        #expect(summary.filesImported == 80 - files)
        #expect(try Self.committedFiles(db) == 80)
        #expect(try store.workloads().count == 40)
    }

    static func committedFiles(_ path: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        return try HeadroomStore.committedImports(path: path)
    }

    static func sampleCount(_ store: HeadroomStore) throws -> Int {
        try store.summary().samples
    }
}
