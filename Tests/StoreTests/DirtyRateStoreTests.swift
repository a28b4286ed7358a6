import Foundation
import Testing
@testable import Store

/// `dirty_rates`: the dirty rate a VM's last live migration measured, written and read
/// through the store's typed API.
@Suite("Store: measured dirty rates")
struct DirtyRateStoreTests {
    static func makeWorkloads(_ store: HeadroomStore, _ names: [String]) throws {
        let values = [1.0, 1e9, .nan, .nan, .nan, .nan]
        _ = try store.append(samples: names.map { IncomingSample(workload: $0, timestamp: 1_700_000_000, values: values) }, now: 1_700_000_000)
    }

    @Test("a rate round-trips; a newer report replaces it, an older one changes nothing; a reopened file store still has it",
          arguments: TestSupport.Kind.allCases)
    func roundTrip(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.makeWorkloads(store, ["vm-a", "vm-b"])
        #expect(try store.dirtyRate(workload: "vm-a") == nil)
        #expect(try store.dirtyRates().isEmpty)

        let first = HeadroomStore.MeasuredDirtyRate(workload: "vm-a", bytesPerSecond: 2.5e7, rounds: 2, measuredAt: 1_700_000_100)
        try store.recordDirtyRate(first)
        #expect(try store.dirtyRate(workload: "vm-a") == first)
        let newer = HeadroomStore.MeasuredDirtyRate(workload: "vm-a", bytesPerSecond: 4e7, rounds: 5, measuredAt: 1_700_000_160)
        try store.recordDirtyRate(newer)
        #expect(try store.dirtyRate(workload: "vm-a") == newer)
        try store.recordDirtyRate(.init(workload: "vm-a", bytesPerSecond: 1, rounds: 1, measuredAt: 1_700_000_120))
        #expect(try store.dirtyRate(workload: "vm-a") == newer, "a delayed report is older than the stored one")
        let other = HeadroomStore.MeasuredDirtyRate(workload: "vm-b", bytesPerSecond: 0, rounds: 1, measuredAt: 1_700_000_200)
        try store.recordDirtyRate(other)
        #expect(try store.dirtyRates() == ["vm-a": newer, "vm-b": other])
        #expect(try store.scalarCount("SELECT COUNT(*) FROM dirty_rates") == 2, "one row per workload")
        if kind != .memory, let path = store.path {
            #expect(try HeadroomStore(path: path).dirtyRate(workload: "vm-a") == newer)
        }
    }

    @Test("the migration that measured it is kept while its row exists; an unknown one is not referenced", arguments: TestSupport.Kind.allCases)
    func migrationReference(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.makeWorkloads(store, ["vm"])
        let workloadId = try #require(try store.workload(named: "vm")?.id)
        let journaled = try store.recordDecisions([.init(timestamp: 1_700_000_000, workload: "vm", risk: 0.9, resourceAtRisk: "memory_bytes",
                                                         action: .migrate, sourcePop: nil, targetPop: nil, details: "{}", migration: .live)])
        let migrationId = try #require(journaled.first?.migrationId)
        try store.recordDirtyRate(.init(workload: "vm", bytesPerSecond: 1e7, rounds: 3, measuredAt: 1_700_000_010, migrationId: migrationId))
        #expect(try store.dirtyRate(workload: "vm")?.migrationId == migrationId)
        try store.recordDirtyRate(.init(workload: "vm", bytesPerSecond: 1e7, rounds: 3, measuredAt: 1_700_000_020, migrationId: 987_654))
        #expect(try store.dirtyRate(workload: "vm")?.migrationId == nil)
        // Deleting the workload deletes its rate (ON DELETE CASCADE; GRDB enables foreign keys).
        try store.execute("DELETE FROM workloads WHERE id = \(workloadId)")
        #expect(try store.dirtyRates().isEmpty)
    }

    @Test("bad reports are refused with what was expected, and write nothing")
    func refusals() throws {
        let store = try HeadroomStore()
        try Self.makeWorkloads(store, ["vm"])
        for (rate, expected) in [(HeadroomStore.MeasuredDirtyRate(workload: "vm", bytesPerSecond: -1, rounds: 1, measuredAt: 1), "finite number ≥ 0"),
                                 (.init(workload: "vm", bytesPerSecond: .infinity, rounds: 1, measuredAt: 1), "finite number ≥ 0"),
                                 (.init(workload: "vm", bytesPerSecond: .nan, rounds: 1, measuredAt: 1), "finite number ≥ 0"),
                                 (.init(workload: "vm", bytesPerSecond: 1e6, rounds: 0, measuredAt: 1), "rounds must be ≥ 1")] {
            #expect {
                try store.recordDirtyRate(rate)
            } throws: { error in
                guard case StoreError.invalidArgument(let message) = error else { return false }
                return message.contains(expected) && message.contains("vm")
            }
        }
        #expect(throws: StoreError.unknownWorkload("nobody")) {
            try store.recordDirtyRate(.init(workload: "nobody", bytesPerSecond: 1, rounds: 1, measuredAt: 1))
        }
        #expect(try store.dirtyRates().isEmpty)
    }
}
