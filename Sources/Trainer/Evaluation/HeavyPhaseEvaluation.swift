import Models
import Forecast

/// What the HMM adds to the risk, checked on the backtest: at every origin each workload's
/// behaviour model (filtered online through the history, one step per sample) gives
/// P(entering a heavy phase within the horizon); the event that happened is "some watched
/// resource reached the heavy threshold within the next h steps" — usage ≥ 0.8 of the
/// limit for the resources that have limits (of the 99th percentile of its history for a
/// workload with no limit at all). Reported as the Brier score next to the
/// climatological one (always predicting the base rate), and a reliability table.
/// A model trained with trace symbols is filtered with the workload's stored symbol of
/// each step (`EvaluationCases.stepSymbols`, the training rule), as the scorer does online;
/// steps without one are marginalised.
struct HeavyPhaseReport: Codable {
    struct Bin: Codable {
        var lower: Double
        var upper: Double
        var count: Int
        var meanPredicted: Double?
        var observedRate: Double?
    }
    var workloads: Int
    var origins: Int
    var baseRate: Double?
    var brier: Double?
    var climatologyBrier: Double?
    var bins: [Bin]
}

enum HeavyPhaseEvaluation {
    /// History each filter is warmed on before the period: one day.
    static let warmup: Duration = .seconds(86_400)
    /// At most 10,080 warm-up steps (a week of 1-minute data): a filter step is O(K²) and
    /// the posterior forgets its start within hours, so a day of 1-second data (86,400
    /// steps per workload) would only cost time.
    static let warmupStepCap = 10_080

    /// `warmup` on a grid of `intervalSeconds` (288 steps at 300 s).
    static func warmupSteps(intervalSeconds: Int64) -> Int {
        warmup.steps(atIntervalSeconds: intervalSeconds, cap: warmupStepCap)
    }
    static let threshold = 0.8

    /// - Parameter stepSymbols: per workload, one trace symbol per step of its case's
    ///   series (absent: no trace events, every step marginalised).
    static func run(cases: [Backtest.Case], models: TrainedModels, horizonSteps h: Int, strideSteps: Int,
                    stepSymbols: [String: [String]] = [:]) -> HeavyPhaseReport? {
        var predictions: [(Double, Bool)] = []
        var workloads = 0
        for testCase in cases {
            guard let model = models.behaviour[testCase.workload] else { continue }
            workloads += 1
            var filter = HMMFilterState(model: model.hmm)
            let series = testCase.series
            let symbols = stepSymbols[testCase.workload].flatMap { $0.count == series.steps ? $0 : nil }
            let start = max(0, testCase.evaluationStart - warmupSteps(intervalSeconds: series.intervalSeconds))
            var origin = testCase.evaluationStart - 1
            for k in start..<testCase.evaluationEnd {
                do { try filter.step(model.observation(series, step: k, symbol: symbols?[k])) } catch { break }
                guard k == origin else { continue }
                if origin + h < testCase.evaluationEnd {
                    let p = filter.heavyPhaseProbability(withinSteps: h)
                    let happened = ((origin + 1)...(origin + h)).contains { step in
                        model.watchedResources.contains { r in
                            model.scaling.scaled(series.values[step * Resource.count + r], resource: r) >= threshold
                        }
                    }
                    if p.isFinite { predictions.append((p, happened)) }
                }
                origin += strideSteps
            }
        }
        guard !predictions.isEmpty else { return nil }
        let n = Double(predictions.count)
        let base = Double(predictions.filter(\.1).count) / n
        let brier = predictions.reduce(0) { $0 + ($1.0 - ($1.1 ? 1 : 0)) * ($1.0 - ($1.1 ? 1 : 0)) } / n
        let bins = (0..<10).map { b -> HeavyPhaseReport.Bin in
            let lower = Double(b) / 10, upper = Double(b + 1) / 10
            let inside = predictions.filter { $0.0 >= lower && ($0.0 < upper || (b == 9 && $0.0 <= 1)) }
            return HeavyPhaseReport.Bin(
                lower: lower, upper: upper, count: inside.count,
                meanPredicted: inside.isEmpty ? nil : inside.reduce(0) { $0 + $1.0 } / Double(inside.count),
                observedRate: inside.isEmpty ? nil : Double(inside.filter(\.1).count) / Double(inside.count))
        }
        return HeavyPhaseReport(workloads: workloads, origins: predictions.count, baseRate: base, brier: brier,
                                climatologyBrier: base * (1 - base), bins: bins)
    }
}
