import Foundation
import HeadroomTestSupport
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

    static let repositoryRoot = TestProcess.repositoryRoot

    static let shared: Result<ScorerFixture, any Error> = Result { try ScorerFixture.make() }

    static func get() throws -> ScorerFixture { try shared.get() }

    typealias Output = TestProcess.Output

    static func run(_ name: String, _ arguments: [String]) throws -> Output { try TestProcess.run(name, arguments) }

    static func temporaryDirectory() -> URL { TestProcess.temporaryDirectory(prefix: "headroom-scorer") }

    private static func make() throws -> ScorerFixture {
        let directory = temporaryDirectory()
        let db = directory.appendingPathComponent("store.sqlite").path
        let models = directory.appendingPathComponent("models").path
        try TestProcess.extractBitbrains([1, 6, 11, 22], into: directory)
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
        try HeadroomStore(path: storePath).copy(to: path)
        return (path, target)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
