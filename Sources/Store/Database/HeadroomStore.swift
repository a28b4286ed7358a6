import Foundation
import GRDB
import Synchronization

/// The store: SQLite through GRDB (a file, or in memory for tests) or PostgreSQL through
/// PostgresNIO (a `postgres://` URL), behind one typed API that every other target uses.
/// A SQLite file runs in WAL mode through a `DatabasePool` (readers never block the
/// writer); `inMemory()` uses a `DatabaseQueue`. PostgreSQL runs each operation in one
/// transaction on the store's connection (`PostgresBackend`). Every schema change is a
/// versioned migration with the same identifier on both (`HeadroomStore+Migrations`,
/// `PostgresMigrations`).
public final class HeadroomStore: Sendable {
    /// Which database holds the store.
    enum Backend: Sendable {
        case sqlite(any DatabaseWriter)
        case postgres(PostgresBackend)
    }

    let backend: Backend
    /// The database file, or the PostgreSQL URL without its password; `nil` for an
    /// in-memory store.
    public let path: String?
    /// Workload ids by name that `merge(samples:…)` has seen committed (remote write names
    /// the same workloads in every request). Valid for the store's life because workload
    /// rows are never deleted nor renamed; a change that deletes them must clear this.
    let mergedWorkloadIDs = Mutex<[String: Int64]>([:])

    /// Opens (creating if needed) the store at `path` — a SQLite file path, or a
    /// `postgres://` URL (`PostgresLocation`) — and migrates it to the latest schema.
    /// - Throws: `StoreError.cannotOpen` naming the path when SQLite or PostgreSQL refuses
    ///   it; `StoreError.invalidArgument` for a URL that does not parse.
    public init(path: String) throws {
        if PostgresLocation.isURL(path) {
            let location = try PostgresLocation(url: path)
            self.backend = .postgres(try PostgresBackend(location: location))
            self.path = location.description
            return
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // NORMAL is durable in WAL mode across process crashes (not power loss):
            // a committed transaction survives `kill -9`, an uncommitted one is absent.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let pool: DatabasePool
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        self.backend = .sqlite(pool)
        self.path = path
        do { try Self.migrator.migrate(pool) } catch {
            throw StoreError.cannotOpen(path: path, reason: "migrating its schema failed: \(error)")
        }
    }

    /// Opens the store at `location`: a SQLite file path or a `postgres://` URL
    /// (what every `--db` option takes). Same as `init(path:)`.
    public convenience init(location: String) throws {
        try self.init(path: location)
    }

    /// A fresh, migrated in-memory SQLite store (tests, dry runs).
    public init(inMemory: Void = ()) throws {
        let queue = try DatabaseQueue()
        self.backend = .sqlite(queue)
        self.path = nil
        try Self.migrator.migrate(queue)
    }

    /// Whether the store is a PostgreSQL database.
    public var isPostgres: Bool { postgres != nil }

    /// The PostgreSQL backend, nil for a SQLite store.
    var postgres: PostgresBackend? {
        if case .postgres(let backend) = backend { return backend }
        return nil
    }

    /// The GRDB writer (pool or queue) of a SQLite store.
    /// - Throws: `StoreError.invalidArgument` for a PostgreSQL store (its statements go
    ///   through `postgres`).
    var writer: any DatabaseWriter {
        get throws {
            switch backend {
            case .sqlite(let writer): return writer
            case .postgres: throw StoreError.invalidArgument("the store at \(path ?? "") is PostgreSQL; this operation is SQLite's")
            }
        }
    }

    /// The readers' side of a SQLite store (same object as `writer`).
    var reader: any DatabaseReader { get throws { try writer } }
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
