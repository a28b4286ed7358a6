import Forecast
import Foundation
import GRDB
import Testing
@testable import Store

@Suite("Store schema and records")
struct StoreSchemaTests {
    @Test("migrations create every table, WAL on a file store", arguments: TestSupport.Kind.allCases)
    func migrations(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try store.tableNames() == ["capacity_bookings", "decisions", "dirty_rates", "imported_files", "migrations", "model_versions",
                                           "pop_links", "pops", "samples", "trace_events", "workloads"])
        #expect(try store.appliedMigrations() == ["v1-core-schema", "v2-dirty-rates", "v3-capacity-bookings"])
        if kind == .postgres {
            // Re-opening migrates nothing (the same identifiers are recorded) and keeps the data.
            _ = try store.append(samples: [IncomingSample(workload: "w", timestamp: 1, values: [1, 2, 3, 4, 5, 6])], now: 1)
            let reopened = try HeadroomStore(location: try #require(store.path))
            #expect(try reopened.appliedMigrations() == ["v1-core-schema", "v2-dirty-rates", "v3-capacity-bookings"])
            #expect(try reopened.workload(named: "w") != nil)
        }
        if kind == .file {
            let mode = try store.writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
            #expect(mode == "wal")
            // Re-opening an existing store migrates nothing and keeps the data.
            try store.writer.write { db in
                var w = WorkloadRecord(name: "w", source: "test", createdAt: 1)
                try w.insert(db)
            }
            let reopened = try HeadroomStore(path: store.path!)
            #expect(try reopened.workload(named: "w") != nil)
        }
    }

    @Test("every record type round-trips, NaN limits as NULL", arguments: TestSupport.Kind.sqlite)
    func records(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        try store.writer.write { db in
            var workload = WorkloadRecord(name: "vm-1", source: "bitbrains", sourceFile: "1.csv", intervalSeconds: 300,
                                          limits: ResourceVector(cpuCores: 4, memoryBytes: 8 * 1024 * 1024 * 1024),
                                          checkpointable: true, liveMigratable: false, partitionable: true, createdAt: 100)
            try workload.insert(db)
            let id = try #require(workload.id)
            #expect(try WorkloadRecord.fetchOne(db, key: id) == workload)
            let nullLimit = try Row.fetchOne(db, sql: "SELECT limit_disk_read_bytes_per_second FROM workloads WHERE id = ?", arguments: [id])
            #expect(nullLimit?[0] == nil as Double?)

            let sample = SampleRecord(workloadId: id, timestamp: 1_000, usage: ResourceVector(cpuCores: 1.5, memoryBytes: 1e9))
            try sample.insert(db)
            #expect(try SampleRecord.fetchAll(db) == [sample])

            var event = TraceEventRecord(workloadId: id, timestamp: 1_000.25, kind: "phase", name: "sort", value: 2, attributes: #"{"pass":1}"#)
            try event.insert(db)
            #expect(try TraceEventRecord.fetchOne(db, key: event.id) == event)

            var pop = POPRecord(name: "ams", capacity: ResourceVector(cpuCores: 64, memoryBytes: 256e9), pricePerHour: 3.2,
                                strategies: ["live", "checkpoint_restart"])
            try pop.insert(db)
            var other = POPRecord(name: "fra", capacity: ResourceVector(cpuCores: 32), pricePerHour: 1.1)
            try other.insert(db)
            #expect(try POPRecord.fetchOne(db, key: pop.id) == pop)
            let link = POPLinkRecord(fromPopId: pop.id!, toPopId: other.id!, bandwidthBytesPerSecond: 1.25e9, latencySeconds: 0.008)
            try link.insert(db)
            #expect(try POPLinkRecord.fetchAll(db) == [link])

            var model = ModelVersionRecord(family: "arima", version: "20261124-1", path: "arima/20261124-1/model.safetensors",
                                           sha256: String(repeating: "ab", count: 32), createdAt: 5, trainingFrom: 1, trainingTo: 2,
                                           metrics: #"{"mase":0.8}"#)
            try model.insert(db)
            #expect(try ModelVersionRecord.fetchOne(db, key: model.id) == model)

            var decision = DecisionRecord(timestamp: 2_000, workloadId: id, risk: 0.83, resourceAtRisk: "memory_bytes",
                                          action: .migrate, sourcePopId: pop.id, targetPopId: other.id, details: #"{"cost":1}"#)
            try decision.insert(db)
            #expect(try DecisionRecord.fetchOne(db, key: decision.id) == decision)

            var migration = MigrationRecord(decisionId: decision.id, workloadId: id, sourcePopId: pop.id, targetPopId: other.id,
                                            strategy: .checkpointRestart, state: .running, startedAt: 2_001, journal: "[\"checkpoint\"]")
            try migration.insert(db)
            #expect(try MigrationRecord.fetchOne(db, key: migration.id) == migration)
        }
    }

    @Test("a sample for an unknown workload is refused by the foreign key")
    func foreignKeys() throws {
        let store = try HeadroomStore()
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in
                try SampleRecord(workloadId: 999, timestamp: 1, usage: ResourceVector(cpuCores: 1)).insert(db)
            }
        }
    }
}
