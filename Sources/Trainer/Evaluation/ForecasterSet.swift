import Models
import Forecast
import Store

/// The forecasters a backtest compares: the plain baselines always, and — when a model
/// version is given — ARIMA alone, the LSTM alone and the combined candidate built from
/// that version's files.
enum ForecasterSet {
    /// The baselines, each made for every workload's own interval (their windows are spans of time).
    static func baselines() -> [any WorkloadForecaster] {
        [PerResourceForecaster(atInterval: { NaiveForecaster(intervalSeconds: $0) }),
         PerResourceForecaster(atInterval: { SeasonalNaiveForecaster(intervalSeconds: $0) }),
         PerResourceForecaster(atInterval: { PercentileForecaster(intervalSeconds: $0) })]
    }
}
