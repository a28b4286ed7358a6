import Foundation
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

    /// Both kinds of store the house style asks tests to cover: in memory and on disk.
    enum Kind: String, CaseIterable, CustomStringConvertible, Sendable {
        case memory, file
        var description: String { rawValue }
    }

    static func makeStore(_ kind: Kind) throws -> (HeadroomStore, URL) {
        let directory = temporaryDirectory()
        switch kind {
        case .memory: return (try HeadroomStore(), directory)
        case .file: return (try HeadroomStore(path: directory.appendingPathComponent("store.sqlite").path), directory)
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
        try store.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM samples") ?? 0 }
    }
}
