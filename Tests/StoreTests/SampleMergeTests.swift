import Forecast
import Foundation
import Testing
@testable import Store

@Suite("Merging rows stored in part (remote write)")
struct SampleMergeTests {
    func sample(_ workload: String, _ t: Int64, cpu: Double = .nan, memory: Double = .nan) -> IncomingSample {
        IncomingSample(workload: workload, timestamp: t, values: ResourceVector(cpuCores: cpu, memoryBytes: memory).values)
    }

    /// More rows than one multi-row statement holds (64), so both statement sizes run, with
    /// rows stored in part completed and a row repeated within one call.
    @Test("rows inserted, completed resource by resource, across statements", arguments: TestSupport.Kind.allCases)
    func completesRows(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let names = (0..<30).map { "w\($0)" }
        // 30 workloads × 3 times = 90 rows: CPU only.
        let first = names.flatMap { name in (0..<3).map { sample(name, Int64($0 * 15), cpu: 1) } }
        let a = try store.merge(samples: first, source: "prometheus", now: 100)
        #expect(a.written == 90)
        #expect(a.newWorkloads == names)
        // A later request's full CPU sum for w0 at t = 0, then every row's memory (w0 at 0
        // again within the same multi-row statement), then w0 at 15 again in a later one.
        var second = [sample("w0", 0, cpu: 3)]
        second += names.flatMap { name in (0..<3).map { sample(name, Int64($0 * 15), memory: 5) } }
        second.append(sample("w0", 15, memory: 7))
        let b = try store.merge(samples: second, source: "prometheus", now: 100)
        #expect(b.written == 92)
        #expect(b.newWorkloads.isEmpty)
        let w0 = try store.lastSamples(workload: "w0", count: 10)
        #expect(w0.timestamps == [0, 15, 30])
        #expect(w0.column(.cpuCores) == [3, 1, 1])
        #expect(w0.column(.memoryBytes) == [5, 7, 5])
        let w29 = try store.lastSamples(workload: "w29", count: 10)
        #expect(w29.column(.cpuCores) == [1, 1, 1] && w29.column(.memoryBytes) == [5, 5, 5])
        #expect(try store.workloads().count == 30)
    }

    /// A transaction that fails after creating a workload leaves neither the row nor a
    /// remembered id: the next merge creates the workload again and its samples are stored.
    @Test("a failed merge teaches no workload id", arguments: TestSupport.Kind.allCases)
    func failedMergeForgetsCreatedWorkloads(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let chunk = ImportedFileRecord(sha256: "x", format: "prometheus", prefix: "", path: "q", member: "0", rows: 1, samples: 1, importedAt: 0)
        _ = try store.merge(samples: [sample("old", 0, cpu: 1)], source: "prometheus", now: 100, chunk: chunk)
        // The same chunk again violates imported_files' unique key after "new" was created.
        #expect(throws: (any Error).self) {
            try store.merge(samples: [sample("old", 15, cpu: 1), sample("new", 0, cpu: 2)], source: "prometheus", now: 100, chunk: chunk)
        }
        #expect(try store.workloads().map(\.name) == ["old"])
        let again = try store.merge(samples: [sample("new", 0, cpu: 2), sample("old", 15, cpu: 4)], source: "prometheus", now: 100)
        #expect(again.newWorkloads == ["new"])
        #expect(try store.lastSamples(workload: "new", count: 5).column(.cpuCores) == [2])
        #expect(try store.lastSamples(workload: "old", count: 5).column(.cpuCores) == [1, 4])
    }
}
