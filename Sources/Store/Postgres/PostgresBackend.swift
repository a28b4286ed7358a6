import Foundation
import Forecast
import NIOSSL
import PostgresNIO

/// The PostgreSQL side of `HeadroomStore`: one connection on an event loop the store owns,
/// used by one caller at a time.
///
/// The store's API is synchronous, PostgresNIO's is not: each statement is sent and its
/// future waited for (`EventLoopFuture.wait()`). That is safe from any thread but the
/// store's own event loop, which runs nothing but this connection's I/O — so a caller on
/// a Swift concurrency thread (the scorer's request handlers) blocks that thread for the
/// statement, as it does for a SQLite read, and never waits on itself.
///
/// Every public operation runs in one transaction (`transaction`) under a lock, so a
/// batch is written whole or not at all, as with SQLite. A connection that the server or
/// the network closed is replaced at the next operation.
final class PostgresBackend: @unchecked Sendable {
    let location: PostgresLocation
    private let group: MultiThreadedEventLoopGroup
    private let logger: Logger
    /// Held for each whole transaction; guards `connection`.
    private let lock = NSLock()
    /// The open connection, nil before the first use and after a failure.
    private var connection: PostgresConnection?

    /// Connects to `location` and migrates its schema (`PostgresMigrations`).
    /// - Throws: `StoreError.cannotOpen` naming the (password-free) URL.
    init(location: PostgresLocation) throws {
        self.location = location
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var logger = Logger(label: "headroom.store.postgres")
        logger.logLevel = .critical
        self.logger = logger
        do {
            try transaction { session in try PostgresMigrations.migrate(session) }
        } catch {
            // deinit closes the connection and the event loop.
            if let known = error as? StoreError { throw known }
            throw StoreError.cannotOpen(path: location.description, reason: "\(PostgresStoreError.describe(error))")
        }
    }

    deinit {
        if let open = connection { try? open.close().wait() }
        try? group.syncShutdownGracefully()
    }

    /// Runs `body` in one transaction (`BEGIN` … `COMMIT`; `ROLLBACK` when it throws).
    @discardableResult
    func transaction<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        do {
            let session = PostgresSession(connection: try open(), logger: logger)
            try session.execute("BEGIN")
            let result: T
            do {
                result = try body(session)
            } catch {
                // A connection that failed mid-transaction is dropped; the server rolls back.
                if (try? session.execute("ROLLBACK")) == nil { connection = nil; try? session.connection.close().wait() }
                throw error
            }
            do { try session.execute("COMMIT") } catch {
                connection = nil
                try? session.connection.close().wait()
                throw error
            }
            return result
        }
    }

    /// The open connection, connecting first when there is none (called under `lock`).
    private func open() throws -> PostgresConnection {
        if let existing = connection, !existing.isClosed { return existing }
        connection = nil
        let configuration: PostgresConnection.Configuration
        switch location.endpoint {
        case .tcp(let host, let port):
            configuration = .init(host: host, port: port, username: location.user, password: location.password,
                                  database: location.database, tls: try Self.tls(location))
        case .unixSocket(let path):
            configuration = .init(unixSocketPath: path, username: location.user, password: location.password,
                                  database: location.database)
        }
        do {
            let opened = try PostgresConnection.connect(on: group.next(), configuration: configuration, id: 1, logger: logger).wait()
            connection = opened
            return opened
        } catch {
            throw StoreError.cannotOpen(path: location.description, reason: "connecting failed: \(PostgresStoreError.describe(error))")
        }
    }
}

extension PostgresBackend {
    /// PostgresNIO's TLS for `location.tls` (libpq's `sslmode` meanings): `prefer` and
    /// `require` encrypt without verifying the server's certificate; `verify-ca` checks its
    /// chain against `sslrootcert` (else the system's roots); `verify-full` also the host name.
    /// - Throws: `StoreError.cannotOpen` when the root certificates cannot be read.
    static func tls(_ location: PostgresLocation) throws -> PostgresConnection.Configuration.TLS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch location.tls {
        case .disable: return .disable
        case .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        if let root = location.rootCertificatePath {
            do { configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(root)) } catch {
                throw StoreError.cannotOpen(path: location.description, reason: "sslrootcert \(root): cannot read PEM certificates (\(error))")
            }
        }
        let context: NIOSSLContext
        do { context = try NIOSSLContext(configuration: configuration) } catch {
            throw StoreError.cannotOpen(path: location.description, reason: "TLS: \(error)")
        }
        return location.tls == .prefer ? .prefer(context) : .require(context)
    }
}

/// One connection inside a transaction: statements as SQL text with `$n` parameters.
struct PostgresSession {
    let connection: PostgresConnection
    let logger: Logger

    /// Runs `sql` and returns its rows.
    /// - Throws: `PostgresStoreError` with the server's SQLSTATE and message.
    @discardableResult
    func query(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws -> PostgresQueryResult {
        do {
            return try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).wait()
        } catch {
            throw PostgresStoreError(error, sql: sql)
        }
    }

    /// Runs `sql` and returns the number of rows it inserted, updated or deleted.
    @discardableResult
    func execute(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws -> Int {
        try query(sql, binds).metadata.rows ?? 0
    }

    /// The first column of the first row, or nil when there is no row or it is NULL.
    func scalar<T: PostgresDecodable>(_ type: T.Type, _ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws -> T? {
        guard let row = try query(sql, binds).rows.first else { return nil }
        let cell = row.makeRandomAccess()[0]
        guard cell.bytes != nil else { return nil }
        do { return try cell.decode(T.self, context: .default) } catch { throw PostgresStoreError(error, sql: sql) }
    }

    /// Column `index` of `row` as `T`.
    func decode<T: PostgresDecodable>(_ type: T.Type, _ row: PostgresRow, _ index: Int, sql: String) throws -> T {
        do { return try row.makeRandomAccess()[index].decode(T.self, context: .default) } catch {
            throw PostgresStoreError(error, sql: sql)
        }
    }
}

/// Building `$n` parameter lists.
extension PostgresBindings {
    /// `bindings` of `values`, in order (a nil is SQL NULL).
    static func of(_ values: (any PostgresBindable)?...) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { bindings.add(value) }
        return bindings
    }

    mutating func add(_ value: (any PostgresBindable)?) {
        if let value { value.bind(into: &self) } else { appendNull() }
    }
}

/// A value the store binds as a statement parameter.
protocol PostgresBindable {
    func bind(into bindings: inout PostgresBindings)
}

extension Int64: PostgresBindable { func bind(into b: inout PostgresBindings) { b.append(self) } }
extension Int: PostgresBindable { func bind(into b: inout PostgresBindings) { b.append(Int64(self)) } }
extension Double: PostgresBindable {
    /// NaN binds as NULL ("not measured"), as the SQLite side stores it.
    func bind(into b: inout PostgresBindings) { if isNaN { b.appendNull() } else { b.append(self) } }
}
extension String: PostgresBindable { func bind(into b: inout PostgresBindings) { b.append(self) } }
extension Bool: PostgresBindable { func bind(into b: inout PostgresBindings) { b.append(self) } }
extension Array: PostgresBindable where Element: PostgresArrayEncodable & PostgresNonThrowingEncodable {
    func bind(into b: inout PostgresBindings) { b.append(self) }
}

/// A PostgreSQL statement that failed: the server's SQLSTATE and message (or the
/// connection's failure) and the statement's first line.
public struct PostgresStoreError: Error, Sendable, CustomStringConvertible {
    /// The five-character SQLSTATE, nil when the failure was not the server's answer.
    public var sqlState: String?
    public var message: String
    public var statement: String

    init(_ error: any Error, sql: String) {
        if let known = error as? PostgresStoreError { self = known; return }
        let psql = error as? PSQLError
        sqlState = psql?.serverInfo?[.sqlState]
        message = Self.describe(error)
        statement = String(sql.split(separator: "\n", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces)
    }

    public var description: String {
        "PostgreSQL refused \"\(statement.prefix(120))\": \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
    }

    /// Whether the failure is the storage's (connection lost or refused, server shutting
    /// down, out of disk or memory, read-only) rather than a statement's: SQLSTATE classes
    /// 08 (connection), 53 (insufficient resources), 57 (operator intervention), 58
    /// (system error), 25006 (read-only transaction), or no server answer at all.
    var isStorageFault: Bool {
        guard let sqlState else { return true }
        return ["08", "53", "57", "58"].contains(String(sqlState.prefix(2))) || sqlState == "25006"
    }

    /// A readable reason: the server's message and detail, or the client's error code
    /// (PSQLError's own description hides the server's words).
    static func describe(_ error: any Error) -> String {
        if let known = error as? PostgresStoreError { return known.message }
        guard let psql = error as? PSQLError else { return "\(error)" }
        if let info = psql.serverInfo, let message = info[.message] {
            return message + (info[.detail].map { " (\($0))" } ?? "")
        }
        return "\(psql.code)" + (psql.underlying.map { ": \($0)" } ?? "")
    }
}

extension PostgresSession {
    /// The rows of `sql`, each made into a `T` by `make`, which reads the columns in order.
    func rows<T>(_ sql: String, _ binds: PostgresBindings = PostgresBindings(), _ make: (inout RowCursor) throws -> T) throws -> [T] {
        try query(sql, binds).rows.map { row in
            var cursor = RowCursor(row: row.makeRandomAccess(), sql: sql)
            return try make(&cursor)
        }
    }
}

/// Reads one row's columns left to right.
struct RowCursor {
    let row: PostgresRandomAccessRow
    let sql: String
    private var index = 0

    init(row: PostgresRandomAccessRow, sql: String) {
        self.row = row
        self.sql = sql
    }

    /// The next column as `T` (an optional `T` for a nullable column).
    mutating func next<T: PostgresDecodable>(_ type: T.Type = T.self) throws -> T {
        defer { index += 1 }
        do { return try row[index].decode(T.self, context: .default) } catch {
            throw PostgresStoreError(error, sql: sql)
        }
    }

    /// The next column as a `RawRepresentable` stored as its raw string.
    /// - Throws: `StoreError.invalidArgument` naming the column and value when no case has it.
    mutating func next<T: RawRepresentable>(_ type: T.Type = T.self) throws -> T where T.RawValue == String {
        let column = row[index].columnName
        let raw: String = try next()
        guard let value = T(rawValue: raw) else {
            throw StoreError.invalidArgument("column \(column) holds \"\(raw)\", which is not a \(T.self)")
        }
        return value
    }

    /// Six nullable resource columns (NULL → NaN).
    mutating func resources() throws -> ResourceVector {
        var vector = ResourceVector.absent
        for resource in Resource.allCases { vector[resource] = try next(Double?.self) ?? .nan }
        return vector
    }
}

extension PostgresBackend {
    /// Commits one real write (the first migration's row rewritten with its own values):
    /// the way to know the server accepts writes now (not read-only, not out of disk).
    func checkWritable() throws {
        try transaction { session in
            try session.execute("UPDATE schema_migrations SET applied_at = applied_at WHERE identifier = $1", .of("v1-core-schema"))
        }
    }
}
