import Foundation
import GRDB

/// Storage faults: the store's file failing under a running process (made read-only or
/// immutable, the disk full, an I/O error), as opposed to a request the store refuses
/// (`StoreError.invalidArgument`). A service answers them as "unavailable, retry later"
/// rather than as a bad request or an empty 500 (issue 12, item 5).
extension HeadroomStore {
    /// What went wrong with the store's storage, for a service's health report and log.
    public struct StorageFault: Error, Equatable, Sendable, CustomStringConvertible {
        /// The database file (nil for an in-memory store).
        public var path: String?
        /// SQLite's extended result code and message, e.g.
        /// `SQLite error 778 (disk I/O error): disk I/O error` (778 = SQLITE_IOERR_WRITE).
        public var reason: String

        public init(path: String?, reason: String) {
            self.path = path
            self.reason = reason
        }

        public var description: String {
            "the store \(path ?? "(in memory)") failed: \(reason); check that the file, its -wal and -shm files and their "
                + "directory are writable (not read-only, not immutable: lsattr) and the disk has room"
        }
    }

    /// SQLite primary result codes that mean the storage itself failed: I/O error (10),
    /// read-only (8), cannot open (14), disk full (13), corrupt (11), not a database (26),
    /// permission (3), busy past the timeout (5), locked (6), protocol (15), out of memory (7).
    static let faultCodes: Set<Int32> = [3, 5, 6, 7, 8, 10, 11, 13, 14, 15, 26]

    /// The storage fault `error` is, or nil when it is something else (a refused argument,
    /// a constraint, a programming error). GRDB's `DatabaseError` with one of `faultCodes`,
    /// a PostgreSQL failure of the connection or the server's resources
    /// (`PostgresStoreError.isStorageFault`), and `StoreError.cannotOpen`, are faults.
    public func storageFault(_ error: any Error) -> StorageFault? {
        Self.storageFault(error, path: path)
    }

    /// `storageFault(_:)` for a store at `path`.
    public static func storageFault(_ error: any Error, path: String?) -> StorageFault? {
        if let fault = error as? StorageFault { return fault }
        if case let StoreError.cannotOpen(openPath, reason) = error { return StorageFault(path: openPath, reason: reason) }
        if let postgres = error as? PostgresStoreError {
            return postgres.isStorageFault ? StorageFault(path: path, reason: postgres.description) : nil
        }
        guard let database = error as? DatabaseError, faultCodes.contains(database.resultCode.primaryResultCode.rawValue) else {
            return nil
        }
        let message = database.message.map { ": \($0)" } ?? ""
        return StorageFault(path: path, reason: "SQLite error \(database.extendedResultCode)" + message)
    }

    /// Commits one real write (the header's `user_version`, rewritten with its own value,
    /// so nothing changes but a WAL frame is written and synced): the way to know the
    /// store can be written now. Used at a service's start (a read-only store fails there,
    /// naming the file) and to notice that a failed store has recovered.
    /// - Throws: `StorageFault` naming the path when the write fails.
    public func checkWritable() throws {
        try checkSharedMemory()
        if let postgres {
            do { try postgres.checkWritable() } catch {
                throw storageFault(error) ?? StorageFault(path: path, reason: "\(error)")
            }
            return
        }
        do {
            try writer.write { db in
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                try db.execute(sql: "PRAGMA user_version = \(version)")
            }
        } catch {
            throw storageFault(error) ?? StorageFault(path: path, reason: "\(error)")
        }
    }

    /// Throws before the store is used when its WAL index (`-shm`) cannot be written.
    ///
    /// SQLite maps the `-shm` file into memory and writes it in every transaction, reads
    /// included (a reader takes a read mark there). When the file stops being writable under
    /// a running process (made immutable with `chattr +i`, for example), the next write to a
    /// mapped page is not an error SQLite can return but a SIGBUS that kills the process
    /// (reproduced on ext4: issue 12, item 5). So a service asks first: `access(2)` with
    /// `W_OK` (about a microsecond; it refuses an immutable file even to root) turns that
    /// case into a `StorageFault` naming the file. The window between this check and the
    /// transaction is not closed — a file made immutable in those microseconds still ends the
    /// process — but a store that has gone bad is refused rather than touched.
    /// An in-memory store, a PostgreSQL store, or a store whose `-shm` does not exist yet, passes.
    /// - Throws: `StorageFault` naming the `-shm` file and why.
    public func checkSharedMemory() throws {
        guard let path, !isPostgres else { return }
        let shm = path + "-shm"
        guard access(shm, F_OK) == 0 else { return }
        if access(shm, W_OK) != 0 {
            let code = errno
            throw StorageFault(path: path, reason: "its WAL index \(shm) cannot be written (\(String(cString: strerror(code)))); "
                                   + "using the store now would end the process with SIGBUS")
        }
    }
}
