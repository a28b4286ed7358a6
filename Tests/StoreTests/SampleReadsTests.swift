import Forecast
import Foundation
import Testing
@testable import Store

@Suite("Sample reads as contiguous arrays")
struct SampleReadsTests {
    /// Two workloads: "a" with samples every 300 s from t = 0 (n = 10, cpu = i, memory
    /// missing at odd i), "b" with 3 samples at 150, 450, 750.
    func populated(_ kind: TestSupport.Kind) throws -> (HeadroomStore, URL) {
        let (store, directory) = try TestSupport.makeStore(kind)
        // Inserted newest first: reads must come back in time order anyway.
        var samples: [IncomingSample] = []
        for i in (0..<10).reversed() {
            let memory: Double = i % 2 == 0 ? Double(i) * 1e9 : .nan
            let usage = ResourceVector(cpuCores: Double(i), memoryBytes: memory, diskReadBytesPerSecond: 7)
            samples.append(IncomingSample(workload: "a", timestamp: Int64(i * 300), values: usage.values))
        }
        for t: Int64 in [150, 450, 750] {
            samples.append(IncomingSample(workload: "b", timestamp: t, values: ResourceVector(cpuCores: 0.5).values))
        }
        _ = try store.append(samples: samples, source: "test", now: 0)
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
        #expect(try store.workloadsWithSamples(from: 300, to: 900) == ["a", "b"])
        #expect(try store.workloadsWithSamples(from: 800, to: 1000) == ["a"])
        #expect(try store.workloadsWithSamples(from: 10_000, to: 20_000).isEmpty)
    }
}

@Suite("Online sample appends")
struct SampleAppendTests {
    @Test("a batch creates workloads, counts duplicates, and a bad sample writes nothing", arguments: TestSupport.Kind.allCases)
    func append(kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let row: [Double] = [1.5, 2e9, .nan, 0, 10, 20]
        let first = try store.append(samples: [IncomingSample(workload: "a", timestamp: 100, values: row),
                                               IncomingSample(workload: "a", timestamp: 160, values: row),
                                               IncomingSample(workload: "b", timestamp: 100, values: row)], now: 1)
        #expect(first == AppendResult(inserted: 3, duplicates: 0, newWorkloads: ["a", "b"]))
        let again = try store.append(samples: [IncomingSample(workload: "a", timestamp: 160, values: [9, 9, 9, 9, 9, 9]),
                                               IncomingSample(workload: "a", timestamp: 220, values: row)], now: 2)
        #expect(again == AppendResult(inserted: 1, duplicates: 1, newWorkloads: []))
        let a = try store.samples(workloads: ["a"], from: 0, to: 1000)[0]
        #expect(a.timestamps == [100, 160, 220])
        #expect(a.value(1, .cpuCores) == 1.5)  // first write wins
        #expect(a.value(0, .diskReadBytesPerSecond).isNaN)
        // One bad sample in a batch: nothing of the batch is written, the error names it.
        #expect(throws: StoreError.invalidArgument("sample 1: memory_bytes = -1.0; expected a finite value ≥ 0 (or absent)")) {
            try store.append(samples: [IncomingSample(workload: "c", timestamp: 100, values: row),
                                       IncomingSample(workload: "c", timestamp: 400, values: [1, -1, 0, 0, 0, 0])], now: 3)
        }
        #expect(throws: StoreError.self) {
            try store.append(samples: [IncomingSample(workload: "c", timestamp: 1_700_000_000_000, values: row)], now: 3)
        }
        #expect(try store.workload(named: "c") == nil)
        #expect(try store.summary().samples == 4)
    }
}
