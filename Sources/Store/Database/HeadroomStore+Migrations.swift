import GRDB
import Forecast

extension HeadroomStore {
    /// Versioned migrations. Never edit a shipped migration: add a new one.
    ///
    /// Resource columns are the snake_case names of `Resource` (SI units in the names);
    /// NULL means "not measured" (samples) or "no limit" (limits, capacities).
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-core-schema") { db in
            let resourceColumns = { (table: TableDefinition, prefix: String) in
                for resource in ["cpu_cores", "memory_bytes", "disk_read_bytes_per_second",
                                 "disk_write_bytes_per_second", "network_receive_bytes_per_second",
                                 "network_transmit_bytes_per_second"] {
                    table.column(prefix + resource, .double)
                }
            }
            try db.create(table: "workloads") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.column("source", .text).notNull()            // trace format or "agent"
                t.column("source_file", .text)                  // first file it came from
                t.column("interval_seconds", .double)          // median sampling interval
                resourceColumns(t, "limit_")
                t.column("checkpointable", .boolean).notNull().defaults(to: false)
                t.column("live_migratable", .boolean).notNull().defaults(to: false)
                t.column("partitionable", .boolean).notNull().defaults(to: false)
                t.column("created_at", .integer).notNull()     // Unix seconds
            }
            // Samples are keyed (workload, timestamp); WITHOUT ROWID keeps each workload's
            // rows contiguous in timestamp order, so "last N" and range reads are one
            // B-tree scan.
            try db.execute(sql: """
                CREATE TABLE samples (
                    workload_id INTEGER NOT NULL REFERENCES workloads(id) ON DELETE CASCADE,
                    timestamp INTEGER NOT NULL,
                    cpu_cores REAL, memory_bytes REAL,
                    disk_read_bytes_per_second REAL, disk_write_bytes_per_second REAL,
                    network_receive_bytes_per_second REAL, network_transmit_bytes_per_second REAL,
                    PRIMARY KEY (workload_id, timestamp)
                ) WITHOUT ROWID
                """)
            try db.create(table: "trace_events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("workload_id", .integer).notNull().references("workloads", onDelete: .cascade)
                t.column("timestamp", .double).notNull()       // Unix seconds, sub-second allowed
                t.column("kind", .text).notNull()              // span_start, span_end, phase, loop, state, syscall, wchan
                t.column("name", .text).notNull()
                t.column("value", .double)
                t.column("attributes", .text)                  // JSON object or NULL
            }
            try db.create(index: "trace_events_by_workload_time", on: "trace_events", columns: ["workload_id", "timestamp"])
            try db.create(table: "pops") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                resourceColumns(t, "capacity_")
                t.column("price_per_hour", .double).notNull().defaults(to: 0)
                t.column("strategies", .text).notNull().defaults(to: "")   // comma-separated
                t.column("status", .text).notNull().defaults(to: "up")     // up, down
                t.column("last_seen", .integer)
            }
            try db.create(table: "pop_links") { t in
                t.column("from_pop_id", .integer).notNull().references("pops", onDelete: .cascade)
                t.column("to_pop_id", .integer).notNull().references("pops", onDelete: .cascade)
                t.column("bandwidth_bytes_per_second", .double).notNull()
                t.column("latency_seconds", .double).notNull()
                t.primaryKey(["from_pop_id", "to_pop_id"])
            }
            try db.create(table: "model_versions") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("family", .text).notNull()            // arima, lstm, hmm, bundle
                t.column("version", .text).notNull()
                t.column("path", .text).notNull()
                t.column("sha256", .text).notNull()
                t.column("created_at", .integer).notNull()
                t.column("training_from", .integer)
                t.column("training_to", .integer)
                t.column("metrics", .text)                     // JSON
                t.column("status", .text).notNull().defaults(to: "candidate") // candidate, promoted, retired
                t.column("promoted_at", .integer)
                t.uniqueKey(["family", "version"])
            }
            try db.create(table: "decisions") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("timestamp", .integer).notNull()
                t.column("workload_id", .integer).notNull().references("workloads", onDelete: .cascade)
                t.column("risk", .double).notNull()
                t.column("resource_at_risk", .text)
                t.column("action", .text).notNull()            // none, resize, migrate, partition
                t.column("source_pop_id", .integer).references("pops")
                t.column("target_pop_id", .integer).references("pops")
                t.column("details", .text)                     // JSON: the numbers behind it
            }
            try db.create(index: "decisions_by_workload_time", on: "decisions", columns: ["workload_id", "timestamp"])
            try db.create(table: "migrations") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("decision_id", .integer).references("decisions", onDelete: .setNull)
                t.column("workload_id", .integer).notNull().references("workloads", onDelete: .cascade)
                t.column("source_pop_id", .integer).references("pops")
                t.column("target_pop_id", .integer).references("pops")
                t.column("strategy", .text).notNull()          // live, checkpoint_restart, partition, resize
                t.column("state", .text).notNull()             // pending, running, done, failed, rolled_back
                t.column("started_at", .integer).notNull()
                t.column("finished_at", .integer)
                t.column("moved_bytes", .double)
                t.column("downtime_ms", .double)
                t.column("journal", .text)                     // JSON array of completed steps
            }
            // One row per imported file (or archive member): what makes re-imports no-ops
            // and what a crashed import leaves behind (nothing, for the file in flight).
            try db.create(table: "imported_files") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("sha256", .text).notNull()
                t.column("format", .text).notNull()
                t.column("prefix", .text).notNull()
                t.column("path", .text).notNull()
                t.column("member", .text).notNull().defaults(to: "") // archive member, "" for a whole file
                t.column("rows", .integer).notNull()
                t.column("samples", .integer).notNull()
                t.column("imported_at", .integer).notNull()
                t.uniqueKey(["sha256", "format", "prefix", "member"])
            }
        }
        // The dirty rate QEMU measured during a VM's last pre-copy rounds (one row per
        // workload, the latest report wins): what prices its next live move
        // (`PreCopyModel`), kept so a restarted scorer and a replay of the period have it.
        migrator.registerMigration("v2-dirty-rates") { db in
            try db.create(table: "dirty_rates") { t in
                t.primaryKey("workload_id", .integer).references("workloads", onDelete: .cascade)
                t.column("bytes_per_second", .double).notNull()     // ≥ 0
                t.column("rounds", .integer).notNull()              // QEMU's dirty-sync-count at the report
                t.column("measured_at", .integer).notNull()         // Unix seconds
                t.column("migration_id", .integer).references("migrations", onDelete: .setNull)
            }
        }
        // Capacity each workload holds or has reserved at each POP (`HeadroomStore+Bookings`):
        // what scorers sharing one store book in transactions so that their decisions about
        // a POP's capacity stay consistent.
        migrator.registerMigration("v3-capacity-bookings") { db in
            try db.create(table: "capacity_bookings") { t in
                t.column("workload_id", .integer).notNull().references("workloads", onDelete: .cascade)
                t.column("pop_id", .integer).notNull().references("pops", onDelete: .cascade)
                t.column("booked_at", .integer).notNull()                 // Unix seconds
                for resource in Resource.allCases { t.column(resource.snakeCaseName, .double).notNull() }  // SI, ≥ 0
                t.primaryKey(["workload_id", "pop_id"])
            }
            try db.create(index: "capacity_bookings_by_pop", on: "capacity_bookings", columns: ["pop_id"])
        }
        return migrator
    }
}
