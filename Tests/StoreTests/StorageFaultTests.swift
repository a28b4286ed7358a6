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
