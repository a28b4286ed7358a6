import Models
import Forecast
import Foundation
import Store

/// Runs a rolling-origin backtest of a model version (and the baselines) over a period.
struct Evaluation {
    var registry: ModelRegistry
    var from: Int64
    var to: Int64
    var configuration: Backtest.Configuration
    /// History loaded before `from` for MASE scales, baselines and model warm-up: 8 days
    /// (the longest baseline window, `PercentileForecaster.window`), each workload's on its grid.
    var history: Duration = Self.historyDefault
    static let historyDefault: Duration = .seconds(8 * 86_400)

    func run(version: String?, progress: Bool) throws -> EvaluationReport {
        let models = try version.map { try TrainedModels.load(registry: registry, version: $0) }
        let cases = try EvaluationCases.load(store: registry.store, from: from, to: to, history: history,
                                             trainedWorkloads: models?.trainedWorkloads)
        guard !cases.isEmpty else {
            throw ValidationFailure("no workload has samples between \(TimestampParser.iso8601(from)) and \(TimestampParser.iso8601(to))")
        }
        var forecasters = ForecasterSet.baselines() + (models?.forecasters() ?? [])
        let reporter = ProgressLine(enabled: progress, label: "evaluate")
        let result = Backtest(configuration: configuration).run(cases: cases, forecasters: &forecasters) { done, total in
            reporter.update("\(done)/\(total) workloads")
        }
        var report = EvaluationReport(version: version, from: from, to: to, configuration: configuration, cases: cases, result: result)
        if let models {
            let traceEvents = try EvaluationCases.traceEvents(store: registry.store, cases: cases)
            report.heavyPhase = HeavyPhaseEvaluation.run(cases: cases, models: models, horizonSteps: configuration.horizonSteps,
                                                         strideSteps: configuration.originStrideSteps,
                                                         stepSymbols: EvaluationCases.stepSymbols(cases: cases, traceEvents: traceEvents))
            let limits = Dictionary(uniqueKeysWithValues: try registry.store.workloads().map { ($0.name, $0.limits.values) })
            report.risk = try RiskEvaluation.run(cases: cases, models: models, horizonSteps: configuration.horizonSteps,
                                                 levels: configuration.quantiles, strideSteps: 1, limits: limits, traceEvents: traceEvents)
            report.riskComparison = try RiskComparison.run(store: registry.store, models: models, from: from, to: to,
                                                           horizonSteps: configuration.horizonSteps)
        }
        return report
    }
}

/// A user-facing failure with a message (exit status 1).
struct ValidationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// At most one progress line a second on standard error, with an ETA.
final class ProgressLine {
    let enabled: Bool
    let label: String
    private let started = Date()
    private lazy var last = started   // the first line after a second: quick jobs print none

    init(enabled: Bool, label: String) {
        self.enabled = enabled
        self.label = label
    }

    func update(_ text: String, fraction: Double? = nil) {
        guard enabled, Date().timeIntervalSince(last) >= 1 else { return }
        last = Date()
        let elapsed = Date().timeIntervalSince(started)
        var line = "\(label): \(text), \(Int(elapsed)) s"
        if let fraction, fraction > 0.01 { line += ", ETA \(Int(elapsed / fraction - elapsed)) s" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

}
