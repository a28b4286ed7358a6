import ArgumentParser
import Foundation
import Models
import Store

/// The store, models directory, version and split a scorer benchmark runs on (`tick`,
/// `scorer-memory`): the options and what they load.
struct BenchVersionOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The store: a SQLite file path or a postgres:// URL.") var databasePath: String
    @Option(name: .customLong("models"), help: "Models directory.") var modelsDirectory: String
    @Option(help: "Model version (default: the promoted one, else the newest).") var version: String?
    @Option(help: "Split: ISO-8601 or Unix seconds (default: the version's training end).") var from: String?

    func validate() throws {
        if let from, TimestampParser.parse(from) == nil { throw ValidationError("--from: expected ISO-8601 or Unix seconds, got \"\(from)\"") }
    }

    struct Loaded {
        var store: HeadroomStore
        var version: String
        var files: [ModelVersionRecord]
        var models: TrainedModels
        /// Ticks start here: `--from`, else the version's training end.
        var split: Int64
    }

    func load() throws -> Loaded {
        let store = try HeadroomStore(location: databasePath)
        let registry = ModelRegistry(store: store, directory: modelsDirectory)
        guard let chosen = try version ?? registry.promotedVersion() ?? registry.latestVersion() else {
            throw ValidationError("no model version in \(databasePath): train one with headroom-trainer, or pass --version")
        }
        let files = try registry.list().filter { $0.version == chosen }
        let models = try TrainedModels.load(registry: registry, version: chosen)
        guard let split = from.flatMap(TimestampParser.parse) ?? files.compactMap(\.trainingTo).max() else {
            throw ValidationError("version \(chosen) records no training end: pass --from")
        }
        return Loaded(store: store, version: chosen, files: files, models: models, split: split)
    }
}
