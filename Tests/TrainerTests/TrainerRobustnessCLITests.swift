import Foundation
import HeadroomTestSupport
import Models
import Testing
@testable import Store

/// Issue 12's reproductions through the real `headroom-trainer` (a child process, a real
/// SQLite file): each must exit 1 (or 64 for a refused option), never die by a signal (a
/// trap is SIGILL, status 132), with a message naming the file, line and field or the
/// option, and the store left as it was.
@Suite("headroom-trainer on hostile input", .serialized)
struct TrainerRobustnessCLITests {
    static func run(_ arguments: [String]) throws -> TestProcess.Output { try TestProcess.run("headroom-trainer", arguments) }

    @Test("import: azure-v1 1e300 index, generic 5e18/±9.1e18 timestamps, alibaba --epoch 9e18, google-gcd --interval 2^62")
    func importOverflows() throws {
        let directory = TestProcess.temporaryDirectory(prefix: "headroom-robust-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("s.sqlite").path
        func file(_ name: String, _ text: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let azure = try file("vmcpu.csv", "timestamp,vm1\n1,5\n1e300,6\n")
        let azureRun = try Self.run(["import", "--db", db, "--format", "azure-v1", "--quiet", azure])
        #expect(azureRun.status == 1, "\(azureRun.stderr)")
        #expect(azureRun.stderr.contains("\(azure):3: column 1 (timestamp (row index))"), "\(azureRun.stderr)")
        let skipped = try Self.run(["import", "--db", db, "--format", "azure-v1", "--skip-invalid", "--json", "--quiet", azure])
        #expect(skipped.status == 0, "\(skipped.stderr)")
        #expect(try JSONDecoder().decode(ImportSummary.self, from: Data(skipped.stdout.utf8)).samplesInserted == 1)

        for timestamp in ["5000000000000000000", "9100000000000000000", "-9100000000000000000"] {
            let generic = try file("g\(timestamp.count).csv", "workload,timestamp,resource,value\nw,0,cpu_cores,1\nw,\(timestamp),cpu_cores,1\n")
            let run = try Self.run(["import", "--db", db, "--format", "generic", "--quiet", generic])
            #expect(run.status == 1, "\(timestamp): \(run.stderr)")
            #expect(run.stderr.contains("\(generic):3: column 2 (timestamp)"), "\(run.stderr)")
        }

        let machine = try file("machine_usage.csv", "m_1,10,5,6,,,1,1,3\n")
        let alibaba = try Self.run(["import", "--db", db, "--format", "alibaba-machine", "--epoch", "9000000000000000000", "--quiet", machine])
        #expect(alibaba.status != 0 && alibaba.status != 132, "\(alibaba.status) \(alibaba.stderr)")
        #expect(alibaba.stderr.contains("--epoch"), "\(alibaba.stderr)")

        let job = try file("job.csv", "10 20\n30 40\n")
        let google = try Self.run(["import", "--db", db, "--format", "google-gcd", "--interval", "4611686018427387904", "--quiet", job])
        #expect(google.status != 0 && google.status != 132, "\(google.status) \(google.stderr)")
        #expect(google.stderr.contains("--interval"), "\(google.stderr)")

        // Only the skipped azure run stored anything.
        let store = try HeadroomStore(path: db)
        #expect(try store.workloads().map(\.name) == ["vm1"])
    }

    @Test("train --until and evaluate --from at ±9.2e18 are refused as options, not trapped on")
    func extremeCommandLineTimes() throws {
        let directory = TestProcess.temporaryDirectory(prefix: "headroom-robust-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("s.sqlite").path
        let models = directory.appendingPathComponent("models").path
        let train = try Self.run(["train", "--db", db, "--models", models, "--until", "-9200000000000000000", "--quiet"])
        #expect(train.status != 0 && train.status != 132, "\(train.status) \(train.stderr)")
        #expect(train.stderr.contains("--until"), "\(train.stderr)")
        let evaluate = try Self.run(["evaluate", "--db", db, "--models", models, "--from", "-9200000000000000000", "--to", "0"])
        #expect(evaluate.status != 0 && evaluate.status != 132, "\(evaluate.status) \(evaluate.stderr)")
        #expect(evaluate.stderr.contains("--from"), "\(evaluate.stderr)")
    }
}
