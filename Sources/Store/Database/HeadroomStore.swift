import Foundation
import GRDB
import Synchronization

/// The embedded SQLite store (GRDB). A file store runs in WAL mode through a
/// `DatabasePool` (readers never block the writer); `inMemory()` uses a `DatabaseQueue`
/// for tests. Every schema change is a versioned migration (`HeadroomStore+Migrations`).
public final class HeadroomStore: Sendable {
    /// The GRDB writer (pool or queue). Reads go through `reader`.
    public let writer: any DatabaseWriter
    /// The path of the database file, or `nil` for an in-memory store.
    public let path: String?
    /// Workload ids by name that `merge(samples:…)` has seen committed (remote write names
    /// the same workloads in every request). Valid for the store's life because workload
    /// rows are never deleted nor renamed; a change that deletes them must clear this.
    let mergedWorkloadIDs = Mutex<[String: Int64]>([:])

    /// Opens (creating if needed) the store at `path` and migrates it to the latest schema.
    /// - Throws: `StoreError.cannotOpen` naming the path when SQLite refuses it.
    public init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // NORMAL is durable in WAL mode across process crashes (not power loss):
            // a committed transaction survives `kill -9`, an uncommitted one is absent.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            let pool = try DatabasePool(path: path, configuration: config)
            self.writer = pool
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        self.path = path
        do { try Self.migrator.migrate(writer) } catch {
            throw StoreError.cannotOpen(path: path, reason: "migrating its schema failed: \(error)")
        }
    }

    /// A fresh, migrated in-memory store (tests, dry runs).
    public init(inMemory: Void = ()) throws {
        self.writer = try DatabaseQueue()
        self.path = nil
        try Self.migrator.migrate(writer)
    }

    /// The readers' side of the store (same object as `writer`).
    public var reader: any DatabaseReader { writer }
}

/// Errors from opening and querying the store; messages say what to do.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case unknownWorkload(String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "cannot open the store at \(path): \(reason). Check the path and its permissions."
        case .unknownWorkload(let name):
            "no workload named \"\(name)\" in the store; `headroom-trainer import` creates workloads (list them with `headroom-trainer summary`)."
        case .invalidArgument(let message):
            message
        }
    }
}
