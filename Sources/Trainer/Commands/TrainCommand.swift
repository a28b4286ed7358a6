import Models
import ArgumentParser
import Foundation
import Resources
import Store

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fits ARIMA, HMM and LSTM models on the history before --until and registers a new version.",
        discussion: """
            Finished pieces are saved as they complete; an interrupted run resumes when started again with \
            the same --until and --profile (use --fresh to start over). The new version is a candidate: \
            promote it with `headroom-trainer promote`.
            """)

    @OptionGroup var options: ModelOptions
    @Option(help: "End of the training window (exclusive): ISO-8601 or Unix seconds. Default: after the latest sample.")
    var until: String?
    @Option(help: "quick (a minute on one core), full (the nightly job) or smoke (seconds; for tests). Default: quick.")
    var profile: String?
    @Option(help: "Train only these workloads (comma-separated names).") var workloads: String?
    @Option(help: ArgumentHelp("Fit only the per-workload models (ARIMA, HMM) of shard i of n (workloads by a stable hash of the name) and save them as part i of --version; `train --merge` completes the version.", valueName: "i/n"))
    var shard: String?
    @Option(help: "With --shard: the version the part belongs to (the same for every shard; letters, digits, '.', '_', '-').")
    var version: String?
    @Option(help: ArgumentHelp("Complete a sharded version once all its parts are in: fit the LSTM, blend weights and risk model over every workload and register it. The window, profile and workloads are the parts'.", valueName: "version"))
    var merge: String?
    @Flag(help: "Discard an interrupted run's saved pieces instead of resuming.") var fresh = false
    @Flag(help: "Keep the predictive policy's fixed default knob (0.4) instead of matching its slack to the VPA recommender's over the training window's last week.")
    var noKnobCalibration = false
    @Flag(help: "Print the outcome as JSON.") var json = false
    @Flag(help: "No progress lines.") var quiet = false

    func validate() throws {
        if let profile, TrainingProfile.named(profile) == nil { throw ValidationError("--profile must be quick, full or smoke, got \"\(profile)\"") }
        if let until { _ = try commandLineTime(until, option: "--until") }
        if let shard {
            do { _ = try WorkloadShard(parsing: shard) } catch { throw ValidationError("--shard: \(error)") }
            guard let version else { throw ValidationError("--shard needs --version NAME: every shard of one training run adds its part to that version") }
            guard TrainingRun.validVersionName(version) else { throw ValidationError("--version \"\(version)\": use letters, digits, '.', '_' and '-' (at most 64, not starting with '.' or '-')") }
        } else if version != nil {
            throw ValidationError("--version names the version of a sharded run: use it with --shard (an unsharded run names its version itself)")
        }
        if let merge {
            guard shard == nil, until == nil, profile == nil, workloads == nil else {
                throw ValidationError("--merge takes the window, profile and workloads from the parts: drop --shard, --until, --profile and --workloads")
            }
            guard TrainingRun.validVersionName(merge) else { throw ValidationError("--merge \"\(merge)\" is not a version name") }
        }
    }

    func run() throws {
        let registry = try options.registry()
        let quiet = self.quiet
        let log: (String) -> Void = { line in if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) } }
        if let merge {
            try runMerge(registry: registry, version: merge, log: log)
            return
        }
        guard let end = try until.flatMap(TimestampParser.parse) ?? TrainingData.defaultUntil(store: registry.store) else {
            FileHandle.standardError.write(Data("error: the store has no samples; import traces first\n".utf8))
            throw ExitCode(1)
        }
        let selection = workloads.map { Set($0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }) }
        var run = TrainingRun(registry: registry, profile: TrainingProfile.named(profile ?? "quick")!, until: end, workloads: selection,
                              progress: !quiet, log: log)
        configure(&run)
        if let shard, let version {
            run.shard = (try WorkloadShard(parsing: shard), version)
            let outcome: TrainingRun.ShardOutcome
            do { outcome = try run.runShard(fresh: fresh) } catch let error as ValidationFailure {
                FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
                throw ExitCode(1)
            }
            if json {
                struct Summary: Codable {
                    var version: String, shard: String, workloads: Int, arimaSeries: Int, arimaSkipped: Int, hmmWorkloads: Int, hmmSkipped: Int
                    var parts: [String]
                }
                print(JSONText.encode(Summary(version: outcome.version, shard: outcome.shard.description, workloads: outcome.workloads,
                                              arimaSeries: outcome.arimaSeries, arimaSkipped: outcome.arimaSkipped,
                                              hmmWorkloads: outcome.hmmWorkloads, hmmSkipped: outcome.hmmSkipped, parts: outcome.parts),
                                      snakeCase: true))
            } else {
                print("trained shard \(outcome.shard) of version \(outcome.version) on \(outcome.workloads) workloads: \(outcome.arimaSeries) ARIMA series (\(outcome.arimaSkipped) skipped), \(outcome.hmmWorkloads) HMMs (\(outcome.hmmSkipped) skipped); complete the version with `headroom-trainer train --merge \(outcome.version)` once every shard is in")
                for part in outcome.parts { print("  \(part)") }
            }
            return
        }
        let outcome: TrainingRun.Outcome
        do { outcome = try run.run(fresh: fresh) } catch let error as ValidationFailure {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        report(outcome)
    }

    private func runMerge(registry: ModelRegistry, version: String, log: @escaping (String) -> Void) throws {
        let outcome: TrainingRun.Outcome
        do {
            let (parts, arima, hmm) = try TrainingRun.partsManifest(registry, version: version)
            guard let profile = TrainingProfile.named(parts.profile) else {
                throw ValidationFailure("the parts of \(version) were trained with profile \"\(parts.profile)\", which this trainer does not know")
            }
            var run = TrainingRun(registry: registry, profile: profile, until: parts.until, workloads: parts.selection,
                                  progress: !quiet, log: log)
            configure(&run)
            outcome = try run.merge(parts: parts, arima: arima, hmm: hmm, fresh: fresh)
        } catch let error as ValidationFailure {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        report(outcome)
    }

    /// The knob calibration's switch and its replays' store connections.
    private func configure(_ run: inout TrainingRun) {
        run.calibrateKnobs = !noKnobCalibration
        let location = options.databasePath
        run.openStore = { try HeadroomStore(location: location) }
    }

    private func report(_ outcome: TrainingRun.Outcome) {
        if json {
            struct Summary: Codable {
                var version: String, workloads: Int, arimaSeries: Int, arimaSkipped: Int, hmmWorkloads: Int, hmmSkipped: Int
                var lstmValidationPinball: Double?, resumed: Bool, files: [String]
            }
            print(JSONText.encode(Summary(version: outcome.version, workloads: outcome.workloads, arimaSeries: outcome.arimaSeries,
                                          arimaSkipped: outcome.arimaSkipped, hmmWorkloads: outcome.hmmWorkloads,
                                          hmmSkipped: outcome.hmmSkipped, lstmValidationPinball: outcome.lstmEvaluation?.meanPinballLoss,
                                          resumed: outcome.resumed, files: outcome.files.map(\.path)), snakeCase: true))
        } else {
            print("trained version \(outcome.version) on \(outcome.workloads) workloads: \(outcome.arimaSeries) ARIMA series (\(outcome.arimaSkipped) skipped), \(outcome.hmmWorkloads) HMMs (\(outcome.hmmSkipped) skipped), LSTM validation pinball \(HTMLReport.fmt(outcome.lstmEvaluation?.meanPinballLoss))")
            for file in outcome.files { print("  \(options.modelsDirectory)/\(file.path)") }
        }
    }
}
