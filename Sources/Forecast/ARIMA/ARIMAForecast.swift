/// Forecasts for steps 1…h ahead with Gaussian prediction intervals.
///
/// Step i (0-based index i, i.e. i + 1 steps ahead) has predictive distribution
/// N(mean[i], standardError[i]²): the Kalman forecast of the state space, so the
/// standard error includes the innovation variance σ² and the uncertainty of the
/// state (differencing included), but not the estimation error of the coefficients
/// (as R's `predict.Arima`, statsmodels and statsforecast).
public struct ARIMAForecast: Sendable, Codable, Equatable {
    /// Point forecasts (predictive means), h values, in the series' units.
    public let mean: [Double]
    /// Predictive standard deviations, h values, ≥ 0 (0 for a zero-variance model).
    public let standardError: [Double]
    /// Coverage levels of the central intervals, each in (0, 1) (e.g. 0.8, 0.95).
    public let levels: [Double]
    /// `lower[j][i]` = mean[i] − z·se[i] with z = Φ⁻¹((1 + levels[j]) / 2).
    public let lower: [[Double]]
    /// `upper[j][i]` = mean[i] + z·se[i].
    public let upper: [[Double]]

    /// Builds the intervals from means and standard errors.
    /// - Precondition: `mean.count == standardError.count`, levels in (0, 1).
    public init(mean: [Double], standardError: [Double], levels: [Double]) {
        precondition(mean.count == standardError.count, "ARIMAForecast: \(mean.count) means but \(standardError.count) standard errors")
        for level in levels {
            precondition(level > 0 && level < 1, "ARIMAForecast: interval level \(level) must lie in (0, 1), e.g. 0.95")
        }
        self.mean = mean
        self.standardError = standardError
        self.levels = levels
        var lower: [[Double]] = [], upper: [[Double]] = []
        for level in levels {
            let z = StandardNormal.quantile(0.5 + level / 2)
            lower.append(zip(mean, standardError).map { $0 - z * $1 })
            upper.append(zip(mean, standardError).map { $0 + z * $1 })
        }
        self.lower = lower
        self.upper = upper
    }

    /// Forecast horizon h (number of steps).
    public var horizon: Int { mean.count }

    /// The predictive `probability`-quantile of each step, mean + Φ⁻¹(probability)·se
    /// (h values). `probability` in (0, 1); 0.5 gives the mean.
    public func quantile(_ probability: Double) -> [Double] {
        precondition(probability > 0 && probability < 1, "ARIMAForecast.quantile: probability \(probability) must lie in (0, 1)")
        let z = StandardNormal.quantile(probability)
        return zip(mean, standardError).map { $0 + z * $1 }
    }

    /// Predictive quantiles per step: `result[i][j]` is the `probabilities[j]`-quantile
    /// i + 1 steps ahead (row-major h × probabilities.count), e.g. probabilities
    /// [0.5, 0.9, 0.99].
    public func quantiles(_ probabilities: [Double]) -> [[Double]] {
        let columns = probabilities.map { quantile($0) }
        return (0..<horizon).map { i in columns.map { $0[i] } }
    }
}
