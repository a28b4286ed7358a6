import Foundation
import GRDB
import Models
import Store
import Testing

/// A real store and a real trained, promoted model version, made once per test process:
/// four Bitbrains VMs from the bundled archive, imported by `headroom-trainer import` and
/// trained with `train --profile smoke` through the real executable (the same path as the
/// nightly job). Tests that write copy the store file first (`copyStore`).
struct ScorerFixture: Sendable {
    let directory: URL
    let storePath: String
    let modelsDirectory: String
    let version: String
    /// The training window's end (the replay and service tests start here).
    static let until = "2013-08-10T00:00:00Z"
    static let untilSeconds: Int64 = 1_376_092_800
    static let workloads = ["bb-1", "bb-6", "bb-11", "bb-22"]

    /// This file is Tests/ScorerTests/Support/ScorerFixture.swift.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let shared: Result<ScorerFixture, any Error> = Result { try ScorerFixture.make() }

    static func get() throws -> ScorerFixture { try shared.get() }

    static func executable(_ name: String) throws -> String {
        var directory = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let fallback = repositoryRoot.appendingPathComponent(".build/debug/\(name)").path
        guard FileManager.default.isExecutableFile(atPath: fallback) else { throw FixtureError("\(name) not built; run `swift build` first") }
        return fallback
    }

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ name: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable(name))
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-scorer-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private static func make() throws -> ScorerFixture {
        let directory = temporaryDirectory()
        let db = directory.appendingPathComponent("store.sqlite").path
        let models = directory.appendingPathComponent("models").path
        let extract = Process()
        extract.executableURL = URL(fileURLWithPath: "/bin/tar")
        extract.arguments = ["-I", "zstd", "-xf", repositoryRoot.appendingPathComponent("datasets/bitbrains-rnd-40vms-2013-07-08.tar.zst").path,
                             "-C", directory.path] + ["1", "6", "11", "22"].flatMap { ["bitbrains-rnd/2013-7/\($0).csv", "bitbrains-rnd/2013-8/\($0).csv"] }
        try extract.run()
        extract.waitUntilExit()
        guard extract.terminationStatus == 0 else { throw FixtureError("tar failed extracting the bundled Bitbrains VMs from \(repositoryRoot.path)/datasets") }
        let imported = try run("headroom-trainer", ["import", "--db", db, "--format", "bitbrains", "--prefix", "bb-", "--quiet",
                                                    directory.appendingPathComponent("bitbrains-rnd").path])
        guard imported.status == 0 else { throw FixtureError("import failed: \(imported.stderr)") }
        let trained = try run("headroom-trainer", ["train", "--db", db, "--models", models, "--until", until, "--profile", "smoke",
                                                   "--json", "--quiet"])
        guard trained.status == 0,
              let json = try JSONSerialization.jsonObject(with: Data(trained.stdout.utf8)) as? [String: Any],
              let version = json["version"] as? String else { throw FixtureError("train failed: \(trained.stderr)") }
        let promoted = try run("headroom-trainer", ["promote", version, "--db", db, "--models", models])
        guard promoted.status == 0 else { throw FixtureError("promote failed: \(promoted.stderr)") }
        return ScorerFixture(directory: directory, storePath: db, modelsDirectory: models, version: version)
    }

    /// A private copy of the store (the models directory is shared read-only).
    func copyStore() throws -> (path: String, directory: URL) {
        let target = Self.temporaryDirectory()
        let path = target.appendingPathComponent("store.sqlite").path
        // A consistent copy through SQLite's backup API (the store runs in WAL mode).
        let source = try DatabaseQueue(path: storePath)
        let destination = try DatabaseQueue(path: path)
        try source.backup(to: destination)
        return (path, target)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
