import Models
import ArgumentParser
import Foundation
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
    @Option(help: "quick (a minute on one core), full (the nightly job) or smoke (seconds; for tests).") var profile: String = "quick"
    @Option(help: "Train only these workloads (comma-separated names).") var workloads: String?
    @Flag(help: "Discard an interrupted run's saved pieces instead of resuming.") var fresh = false
    @Flag(help: "Print the outcome as JSON.") var json = false
    @Flag(help: "No progress lines.") var quiet = false

    func validate() throws {
        guard TrainingProfile.named(profile) != nil else { throw ValidationError("--profile must be quick, full or smoke, got \"\(profile)\"") }
        if let until { _ = try commandLineTime(until, option: "--until") }
    }

    func run() throws {
        let registry = try options.registry()
        guard let end = try until.flatMap(TimestampParser.parse) ?? TrainingData.defaultUntil(store: registry.store) else {
            FileHandle.standardError.write(Data("error: the store has no samples; import traces first\n".utf8))
            throw ExitCode(1)
        }
        let quiet = self.quiet
        let selection = workloads.map { Set($0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }) }
        let run = TrainingRun(registry: registry, profile: TrainingProfile.named(profile)!, until: end, workloads: selection,
                              progress: !quiet) { line in
            if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        let outcome: TrainingRun.Outcome
        do { outcome = try run.run(fresh: fresh) } catch let error as ValidationFailure {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
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
