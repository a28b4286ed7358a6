import Forecast
import Store

/// The forecasters a backtest compares: the plain baselines always, and — when a model
/// version is given — ARIMA alone, the LSTM alone and the combined candidate built from
/// that version's files.
enum ForecasterSet {
    static func baselines() -> [any WorkloadForecaster] {
        [PerResourceForecaster(NaiveForecaster()), PerResourceForecaster(SeasonalNaiveForecaster()),
         PerResourceForecaster(PercentileForecaster())]
    }

    /// Baselines plus the version's models.
    static func make(registry: ModelRegistry, version: String?) throws -> [any WorkloadForecaster] {
        var set = baselines()
        if let version { set += try TrainedModels.load(registry: registry, version: version).forecasters() }
        return set
    }
}
