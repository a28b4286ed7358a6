import Forecast

/// Chooses, per resource, ARIMA's weight w ∈ {0, ¼, ½, ¾, 1} in the candidate blend
/// w·ARIMA + (1 − w)·LSTM by the lowest mean scaled pinball loss on a rolling-origin
/// backtest over the last `validationSteps` of the training window (three days in `train`: one day proved too noisy a judge) (the LSTM's early
/// stopping holds out the same recent windows; ARIMA's few parameters saw them, a small
/// optimistic bias in its favour). Resources with nothing to score keep ½.
enum CombinationWeights {
    static let metadataKey = "combination_arima_weights"
    static let grid: [Double] = [0, 0.25, 0.5, 0.75, 1]

    static func choose(histories: [WorkloadHistory], models: TrainedModels, validationSteps: Int, horizonSteps: Int,
                       quantiles: [Double]) -> [Double] {
        let cases = histories.compactMap { h -> Backtest.Case? in
            let steps = h.series.steps
            guard steps > validationSteps + 48 else { return nil }
            return Backtest.Case(workload: h.name, series: h.series, evaluationStart: steps - validationSteps, evaluationEnd: steps, isNew: false)
        }
        guard !cases.isEmpty else { return .init(repeating: 0.5, count: Resource.count) }
        let shared = SharedModelForecasts(models: models)
        var forecasters: [any WorkloadForecaster] = grid.map { w in
            ModelView(name: "w\(w)", kind: .blend(.init(repeating: w, count: Resource.count)), shared: shared)
        }
        let configuration = Backtest.Configuration(horizonSteps: horizonSteps, quantiles: quantiles, originStrideSteps: horizonSteps,
                                                   plottedWorkloads: 0)
        let result = Backtest(configuration: configuration).run(cases: cases, forecasters: &forecasters)
        return Resource.allCases.map { r in
            var best = 0.5, bestLoss = Double.infinity
            for w in grid {
                guard let acc = result.established["w\(w)"]?[r.rawValue], acc.scoredPoints > 0 else { continue }
                let loss = acc.meanPinball.reduce(0, +) / Double(acc.meanPinball.count)
                if loss.isFinite, loss < bestLoss { bestLoss = loss; best = w }
            }
            return best
        }
    }
}
