import Models
import Forecast
import Store
import Foundation

/// The result of `headroom-trainer evaluate`: per cohort (established / new workloads),
/// forecaster and resource, MASE (overall and per horizon step), mean scaled pinball loss
/// and coverage per quantile. Encoded as JSON with snake_case keys.
struct EvaluationReport: Codable {
    struct Entry: Codable {
        var cohort: String
        var forecaster: String
        var resource: String
        var mase: Double?
        /// Median over series of each series' MASE (established cohort only).
        var medianMASE: Double?
        var maseByStep: [Double?]
        /// Mean pinball loss per quantile, in units of the series' MASE scale.
        var pinball: [String: Double?]
        /// Fraction of actuals at or below each predicted quantile.
        var coverage: [String: Double?]
        var points: Int
    }

    struct Score: Codable {
        var forecaster: String
        /// Mean over resources of the scaled pinball loss averaged over quantiles (lower is better).
        var meanPinball: Double?
        var meanMASE: Double?
        /// Mean over resources of the median per-series MASE: robust to a few series whose
        /// in-sample naive error is tiny.
        var medianMASE: Double?
    }

    var version: String?
    var from: String
    var to: String
    var horizonSteps: Int
    var quantiles: [Double]
    var originStrideSteps: Int
    var establishedWorkloads: Int
    var newWorkloads: Int
    var skippedSeries: Int
    var entries: [Entry]
    /// Established workloads, all resources: what the promotion gate compares.
    var scores: [Score]
    var plots: [Backtest.PlotSeries]
    /// The HMM's heavy-phase probability against what happened (nil without models).
    var heavyPhase: HeavyPhaseReport?
    /// The calibrated risk score against what happened (nil without models).
    var risk: RiskReport?
    /// The learned risk beside the plain baselines on the same ticks (nil without a learned risk).
    var riskComparison: RiskComparison?

    init(version: String?, from: Int64, to: Int64, configuration: Backtest.Configuration, cases: [Backtest.Case],
         result: Backtest.Result) {
        self.version = version
        self.from = TimestampParser.iso8601(from)
        self.to = TimestampParser.iso8601(to)
        horizonSteps = configuration.horizonSteps
        quantiles = configuration.quantiles
        originStrideSteps = configuration.originStrideSteps
        establishedWorkloads = cases.filter { !$0.isNew }.count
        newWorkloads = cases.filter(\.isNew).count
        skippedSeries = result.skippedSeries
        plots = result.plots
        func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
        var entries: [Entry] = []
        var scores: [Score] = []
        for (cohort, table) in [("established", result.established), ("new", result.new)] {
            for name in result.forecasterOrder {
                guard let perResource = table[name] else { continue }
                var pinballs: [Double] = [], mases: [Double] = [], medians: [Double] = []
                for resource in Resource.allCases {
                    let acc = perResource[resource.rawValue]
                    guard acc.scoredPoints > 0 else { continue }
                    let label = { (q: Double) in String(q) }
                    let perSeries = cohort == "established" ? (result.seriesMASE[name]?[resource.rawValue] ?? []).sorted() : []
                    let median = perSeries.isEmpty ? nil : empiricalQuantile(sorted: perSeries, 0.5)
                    if let median, median.isFinite { medians.append(median) }
                    entries.append(Entry(
                        cohort: cohort, forecaster: name, resource: resource.snakeCaseName, mase: finite(acc.overallMASE),
                        medianMASE: median.flatMap(finite),
                        maseByStep: acc.mase.map(finite),
                        pinball: Dictionary(uniqueKeysWithValues: zip(configuration.quantiles.map(label), acc.meanPinball.map(finite))),
                        coverage: Dictionary(uniqueKeysWithValues: zip(configuration.quantiles.map(label), acc.coverage.map(finite))),
                        points: acc.scoredPoints))
                    let p = acc.meanPinball.reduce(0, +) / Double(acc.meanPinball.count)
                    if p.isFinite { pinballs.append(p) }
                    if acc.overallMASE.isFinite { mases.append(acc.overallMASE) }
                }
                if cohort == "established" {
                    scores.append(Score(forecaster: name,
                                        meanPinball: pinballs.isEmpty ? nil : pinballs.reduce(0, +) / Double(pinballs.count),
                                        meanMASE: mases.isEmpty ? nil : mases.reduce(0, +) / Double(mases.count),
                                        medianMASE: medians.isEmpty ? nil : medians.reduce(0, +) / Double(medians.count)))
                }
            }
        }
        self.entries = entries
        self.scores = scores
    }

    func score(_ forecaster: String) -> Double? { scores.first { $0.forecaster == forecaster }?.meanPinball ?? nil }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
