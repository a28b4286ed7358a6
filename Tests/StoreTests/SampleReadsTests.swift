import Forecast
import Foundation
import GRDB
import Testing
@testable import Store

@Suite("Sample reads as contiguous arrays")
struct SampleReadsTests {
    /// Two workloads: "a" with samples every 300 s from t = 0 (n = 10, cpu = i, memory
    /// missing at odd i), "b" with 3 samples at 150, 450, 750.
    func populated(_ kind: TestSupport.Kind) throws -> (HeadroomStore, URL) {
        let (store, directory) = try TestSupport.makeStore(kind)
        try store.writer.write { db in
            var a = WorkloadRecord(name: "a", source: "test", createdAt: 0)
            var b = WorkloadRecord(name: "b", source: "test", createdAt: 0)
            try a.insert(db)
            try b.insert(db)
            // Inserted newest first: reads must come back in time order anyway.
            for i in (0..<10).reversed() {
                try SampleRecord(workloadId: a.id!, timestamp: Int64(i * 300), usage: ResourceVector(
                    cpuCores: Double(i), memoryBytes: i % 2 == 0 ? Double(i) * 1e9 : .nan, diskReadBytesPerSecond: 7)).insert(db)
            }
            for t in [150, 450, 750] {
                try SampleRecord(workloadId: b.id!, timestamp: Int64(t), usage: ResourceVector(cpuCores: 0.5)).insert(db)
            }
        }
        return (store, directory)
    }

    @Test("last N samples, oldest first, with NULL as NaN", arguments: TestSupport.Kind.allCases)
    func lastN(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try populated(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let series = try store.lastSamples(workload: "a", count: 4, until: nil)
        #expect(series.timestamps == [1800, 2100, 2400, 2700])
        #expect(series.column(.cpuCores) == [6, 7, 8, 9])
        #expect(series.value(0, .memoryBytes) == 6e9)
        #expect(series.value(1, .memoryBytes).isNaN)
        #expect(series.values.count == 4 * Resource.count)
        #expect(series.value(3, .diskReadBytesPerSecond) == 7)
        #expect(series.value(3, .networkTransmitBytesPerSecond).isNaN)

        let until = try store.lastSamples(workload: "a", count: 2, until: 1000)
        #expect(until.timestamps == [600, 900])
        let more = try store.lastSamples(workload: "b", count: 100, until: nil)
        #expect(more.count == 3)
        #expect(try store.lastSamples(workload: "a", count: 0, until: nil).count == 0)
        #expect(throws: StoreError.unknownWorkload("nope")) { try store.lastSamples(workload: "nope", count: 1, until: nil) }
    }

    @Test("a time range for many workloads", arguments: TestSupport.Kind.allCases)
    func range(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try populated(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try store.samples(workloads: ["b", "a"], from: 300, to: 900)
        #expect(result.map(\.workload) == ["b", "a"])
        #expect(result[0].timestamps == [450, 750])
        #expect(result[1].timestamps == [300, 600])       // `to` is exclusive
        #expect(result[1].column(.cpuCores) == [1, 2])
        let empty = try store.samples(workloads: ["a"], from: 10_000, to: 20_000)
        #expect(empty[0].count == 0)
    }
}
