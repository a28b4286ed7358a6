import Foundation
import HeadroomTestSupport
@testable import Store

/// Paths and scratch space shared by the store tests.
enum TestSupport {
    /// The repository root (tests read the committed `datasets/`).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func dataset(_ relative: String) -> String { repositoryRoot.appendingPathComponent("datasets/" + relative).path }

    /// A fresh temporary directory, removed by the caller with `cleanup`.
    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `text` to `name` in `directory` and returns the path.
    @discardableResult
    static func write(_ text: String, _ name: String, in directory: URL) -> String {
        let path = directory.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    /// The kinds of store the tests cover: SQLite in memory and on disk (the house style),
    /// and PostgreSQL — a fresh database on a real server the tests start
    /// (`PostgresTestServer`), left out only when the server binaries are not installed.
    enum Kind: String, CaseIterable, CustomStringConvertible, Sendable {
        case memory, file, postgres
        var description: String { rawValue }

        static var allCases: [Kind] { PostgresTestServer.isAvailable ? [.memory, .file, .postgres] : [.memory, .file] }
        /// The SQLite kinds, for tests of what only SQLite has (GRDB records, WAL, pragmas).
        static let sqlite: [Kind] = [.memory, .file]
        /// The kinds that outlive the store object: the SQLite file and PostgreSQL.
        static var durable: [Kind] { allCases.filter { $0 != .memory } }
    }

    static func makeStore(_ kind: Kind) throws -> (HeadroomStore, URL) {
        let directory = temporaryDirectory()
        switch kind {
        case .memory: return (try HeadroomStore(), directory)
        case .file: return (try HeadroomStore(path: directory.appendingPathComponent("store.sqlite").path), directory)
        case .postgres: return (try HeadroomStore(location: try PostgresTestServer.freshDatabaseURL()), directory)
        }
    }

    static func importer(_ store: HeadroomStore, _ format: TraceFormat, prefix: String = "",
                         skipInvalid: Bool = false, configure: (inout ImportOptions) -> Void = { _ in }) -> TraceImporter {
        var options = ImportOptions()
        options.prefix = prefix
        options.skipInvalid = skipInvalid
        configure(&options)
        return TraceImporter(store: store, format: format, options: options)
    }

    static func sampleCount(_ store: HeadroomStore) throws -> Int {
        try store.scalarCount("SELECT COUNT(*) FROM samples")
    }
}
