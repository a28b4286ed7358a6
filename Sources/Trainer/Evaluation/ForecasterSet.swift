import Models
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
}
