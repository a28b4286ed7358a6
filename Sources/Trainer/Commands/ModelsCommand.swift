import Decisions
import Models
import ArgumentParser
import Foundation
import Store

/// Options of every command that works on model versions.
struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The store: a SQLite file path or a postgres:// URL.")
    var databasePath: String

    @Option(name: .customLong("models"), help: "The models directory.")
    var modelsDirectory: String = "models"

    func registry() throws -> ModelRegistry {
        ModelRegistry(store: try HeadroomStore(location: databasePath), directory: modelsDirectory)
    }
}

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "Model versions in the registry.", subcommands: [List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists model files, newest first.")
        @OptionGroup var options: ModelOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let records = try options.registry().list()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                encoder.keyEncodingStrategy = .convertToSnakeCase
                print(String(decoding: try encoder.encode(records), as: UTF8.self))
                return
            }
            if records.isEmpty { print("no model versions; run `headroom-trainer train`") }
            for r in records {
                let window = [r.trainingFrom, r.trainingTo].map { $0.map(TimestampParser.iso8601) ?? "-" }.joined(separator: " … ")
                print("\(r.version)  \(r.family.padding(toLength: 6, withPad: " ", startingAt: 0))  \(r.status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0))  trained on \(window)  \(r.path)")
            }
        }
    }
}

struct PromoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Promotes a model version (every family of it) after verifying its files.",
        discussion: """
            With --if-better, the candidate is promoted only when, over --from … --to, its learned risk \
            is not worse than the promoted version's (AUC and Brier skill; without a promoted version: the \
            best plain baseline), its forecasts' pinball loss is within 5 % of the promoted version's (or \
            seasonal naive's), and the predictive policy replayed on it has no more OOM kills and \
            throttling at the promoted version's slack (or vpa's when none is promoted). Prints why.
            """)

    @OptionGroup var options: ModelOptions
    @Argument(help: "The version to promote.") var version: String?
    @Flag(help: "Promote the newest version.") var latest = false
    @Flag(help: "Promote only when the backtest says the candidate is better.") var ifBetter = false
    @Option(help: "Backtest start (with --if-better): ISO-8601 or Unix seconds.") var from: String?
    @Option(help: "Backtest end (with --if-better).") var to: String?
    @Option(help: "Forecast horizon in steps (with --if-better).") var horizon: Int = 12
    @Option(name: .customLong("pops"), help: "Fleet file (TOML) the --if-better replays run on (default: one POP without capacity limits).")
    var popsPath: String?
    @Flag(name: .customLong("trace-demand"), help: "With --if-better: the replays' policies see the trace's demand (default: min(demand, allocation)).")
    var traceDemand = false

    func validate() throws {
        guard (version != nil) != latest else { throw ValidationError("give a VERSION or --latest (not both)") }
        if ifBetter {
            if let from { _ = try commandLineTime(from, option: "--from") }
            if let to { _ = try commandLineTime(to, option: "--to") }
            guard let from, TimestampParser.parse(from) != nil, let to, TimestampParser.parse(to) != nil else {
                throw ValidationError("--if-better needs --from and --to (ISO-8601 or Unix seconds)")
            }
        }
    }

    func run() throws {
        let registry = try options.registry()
        guard let target = try version ?? registry.latestVersion() else { throw ValidationError("no model versions to promote") }
        if ifBetter {
            let path = options.databasePath
            var gate = PromotionGate(registry: registry, from: TimestampParser.parse(from!)!, to: TimestampParser.parse(to!)!,
                                     horizonSteps: horizon, openStore: { try HeadroomStore(location: path) })
            gate.fleet = try popsPath.map { try Fleet.load(path: $0) }
            if traceDemand { gate.censoredObservations = false }
            let verdict = try gate.judge(candidate: target)
            print(verdict.explanation)
            guard verdict.promote else { return }
        }
        do {
            // Loaded and checked exactly as the scorer will load it (TrainedModels.load).
            try registry.promote(version: target) { try TrainedModels.validate(registry: registry, version: $0) }
        } catch let error as ModelFileError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        print("promoted \(target)")
    }
}

struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Re-promotes the most recent version promoted before the current one that loads and validates.")
    @OptionGroup var options: ModelOptions

    func run() throws {
        do {
            let registry = try options.registry()
            let (version, refused) = try registry.rollbackReporting { try TrainedModels.validate(registry: registry, version: $0) }
            for (skipped, reason) in refused {
                FileHandle.standardError.write(Data("passed over \(skipped): \(reason)\n".utf8))
            }
            print("rolled back: \(version) is promoted")
        } catch let error as ModelFileError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}
