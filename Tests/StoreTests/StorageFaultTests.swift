import Foundation
import GRDB
import Testing
@testable import Store

/// `HeadroomStore.storageFault` tells the storage failing from a refused request, and
/// `checkWritable` commits a real write without changing anything.
@Suite("Store storage faults")
struct StorageFaultTests {
    @Test("I/O, read-only, full and cannot-open errors are faults naming the path; refused input and constraints are not")
    func classification() throws {
        let path = "/var/lib/headroom/store.sqlite"
        for code in [ResultCode.SQLITE_IOERR_WRITE, .SQLITE_READONLY, .SQLITE_FULL, .SQLITE_CANTOPEN, .SQLITE_BUSY, .SQLITE_CORRUPT] {
            let fault = try #require(HeadroomStore.storageFault(DatabaseError(resultCode: code, message: "m"), path: path), "\(code)")
            #expect(fault.path == path && fault.reason.contains("SQLite error \(code.rawValue)") && fault.reason.contains(": m"))
            #expect(fault.description.contains(path) && fault.description.contains("lsattr"))
        }
        #expect(HeadroomStore.storageFault(DatabaseError(resultCode: .SQLITE_CONSTRAINT_UNIQUE), path: path) == nil)
        #expect(HeadroomStore.storageFault(DatabaseError(resultCode: .SQLITE_ERROR, message: "no such table"), path: path) == nil)
        #expect(HeadroomStore.storageFault(StoreError.invalidArgument("bad"), path: path) == nil)
        #expect(HeadroomStore.storageFault(StoreError.cannotOpen(path: "/x", reason: "r"), path: path)?.path == "/x")
    }

    @Test("checkWritable commits on a healthy store and changes nothing", arguments: TestSupport.Kind.allCases)
    func checkWritable(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = try store.summary()
        let migrations = try store.appliedMigrations()
        try store.checkWritable()
        try store.checkWritable()
        #expect(try store.summary() == before)
        #expect(try store.appliedMigrations() == migrations)
    }
}

/// A PostgreSQL store whose connection is cut or whose database turns read-only: faults,
/// and the store recovers by itself once the server is back to normal.
@Suite("Store storage faults on PostgreSQL", .serialized, .enabled(if: TestSupport.Kind.allCases.contains(.postgres)))
struct PostgresStorageFaultTests {
    @Test("a terminated connection is at most one storage fault, then the store reconnects; a read-only database fails checkWritable")
    func reconnectsAndReadOnly() throws {
        let (store, directory) = try TestSupport.makeStore(.postgres)
        defer { try? FileManager.default.removeItem(at: directory) }
        let other = try HeadroomStore(location: try #require(store.path))
        _ = try store.append(samples: [IncomingSample(workload: "w", timestamp: 1, values: [1, 1, 1, 1, 1, 1])], now: 1)
        let expected = try store.summary()
        // Ends every other session on the database and waits until they are gone (the
        // signal is asynchronous: a session may answer one more statement before it dies).
        func terminateOthers() throws -> Int {
            let others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            let ended = try other.scalarCount("SELECT COUNT(pg_terminate_backend(pid)) " + others)
            let deadline = Date().addingTimeInterval(10)
            while try other.scalarCount("SELECT COUNT(*) " + others) > 0, Date() < deadline { usleep(10_000) }
            return ended
        }

        #expect(try terminateOthers() >= 1)
        do { #expect(try store.summary() == expected) } catch {
            #expect(store.storageFault(error) != nil, "\(error)")
        }
        #expect(try store.summary() == expected)

        // New connections to the database are read-only: a write is refused as a fault naming the store.
        func alterDatabase(_ setting: String) throws {
            try other.execute("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I \(setting)', current_database()); END $$")
        }
        try alterDatabase("SET default_transaction_read_only = on")
        _ = try terminateOthers()
        _ = try? store.summary()
        do {
            try store.checkWritable()
            Issue.record("a read-only database passed checkWritable")
        } catch let fault as HeadroomStore.StorageFault {
            #expect(fault.path == store.path && fault.reason.contains("25006"), "\(fault)")
        }
        #expect(throws: (any Error).self) {
            try store.append(samples: [IncomingSample(workload: "w", timestamp: 2, values: [1, 1, 1, 1, 1, 1])], now: 2)
        }
        // Writable again (the setting applies to new sessions): the store recovers without reopening.
        try other.execute("SET default_transaction_read_only = off")
        try alterDatabase("RESET default_transaction_read_only")
        _ = try terminateOthers()
        _ = try? store.summary()
        try store.checkWritable()
        #expect(try store.append(samples: [IncomingSample(workload: "w", timestamp: 2, values: [1, 1, 1, 1, 1, 1])], now: 2).inserted == 1)
    }
}
