import Models
import Forecast

/// Chooses, per resource, the candidate's blend a·ARIMA + l·LSTM + n·naive (weights in
/// quarters, summing to 1) by the lowest mean scaled pinball loss on a rolling-origin
/// backtest over the last `validation` of the training window (three days in `train`: one day proved too noisy a judge),
/// converted by each workload's interval (at most `RiskCalibrationFit.validationStepCap` steps, as the calibration's walk) (the LSTM's early
/// stopping holds out the same recent windows; ARIMA's few parameters saw them, a small
/// optimistic bias in its favour). Resources with nothing to score keep ½ ARIMA, ½ LSTM.
///
/// A history shorter than the validation and 48 steps of warm-up (Google 2011's jobs are a
/// day long; trained until two thirds of it, 192 steps) is judged on its later half after
/// those 48 steps instead (`validationSteps`). Before, such histories gave no case at all and
/// every resource kept ½ ARIMA, ½ LSTM unjudged: on the Google jobs their memory p50 had
/// 7–13× naive's scaled error (`bench/risk/families.sh`, EVALUATION.md).
enum CombinationWeights {
    static let metadataKey = BlendWeights.metadataKey
    static let fallback = BlendWeights(arima: 0.5, lstm: 0.5, naive: 0)

    /// The steps at the end of a `steps`-long history that judge the blend: `fullSteps` when
    /// the history has them and 48 more, else half of what follows the first 48; nil when
    /// that leaves no origin with a whole horizon after it (≤ `horizonSteps`).
    static func validationSteps(steps: Int, fullSteps: Int, horizonSteps: Int) -> Int? {
        let v = steps > fullSteps + 48 ? fullSteps : (steps - 48) / 2
        return v > horizonSteps ? v : nil
    }

    static func choose(histories: [WorkloadHistory], models: TrainedModels, validation: Duration, horizonSteps: Int,
                       quantiles: [Double]) -> [BlendWeights] {
        let cases = histories.compactMap { h -> Backtest.Case? in
            let steps = h.series.steps
            let full = validation.steps(atIntervalSeconds: h.series.intervalSeconds, cap: RiskCalibrationFit.validationStepCap)
            guard let validationSteps = Self.validationSteps(steps: steps, fullSteps: full, horizonSteps: horizonSteps) else { return nil }
            return Backtest.Case(workload: h.name, series: h.series, evaluationStart: steps - validationSteps, evaluationEnd: steps, isNew: false)
        }
        guard !cases.isEmpty else { return .init(repeating: fallback, count: Resource.count) }
        let shared = SharedModelForecasts(models: models)
        var forecasters: [any WorkloadForecaster] = BlendWeights.grid.enumerated().map { k, w in
            ModelView(name: "w\(k)", kind: .blend(.init(repeating: w, count: Resource.count)), shared: shared)
        }
        let configuration = Backtest.Configuration(horizonSteps: horizonSteps, quantiles: quantiles, originStrideSteps: horizonSteps,
                                                   plottedWorkloads: 0)
        let result = Backtest(configuration: configuration).run(cases: cases, forecasters: &forecasters)
        return Resource.allCases.map { r in
            var best = fallback, bestLoss = Double.infinity
            for (k, w) in BlendWeights.grid.enumerated() {
                guard let acc = result.established["w\(k)"]?[r.rawValue], acc.scoredPoints > 0 else { continue }
                let loss = acc.meanPinball.reduce(0, +) / Double(acc.meanPinball.count)
                if loss.isFinite, loss < bestLoss { bestLoss = loss; best = w }
            }
            return best
        }
    }
}
