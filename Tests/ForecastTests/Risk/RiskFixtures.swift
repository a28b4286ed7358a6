import Foundation
import Testing

@testable import Forecast

/// Tests/ForecastTests/Fixtures/risk.json, written by scripts/fixtures/gen_risk_fixtures.py
/// (scipy.stats.norm, statsmodels Logit / GLM, numpy).
struct RiskFixture: Decodable {
    struct ExceedanceCase: Decodable {
        let levels: [Double]
        let quantiles: [Double]
        let allocations: [Double]
        let survival: [Double]
    }

    struct Logit: Decodable {
        let rawRisk: [Double]
        let heavy: [Double]
        let breached: [Bool]
        let coefficients: [Double]
        let weights: [Double]
        let weightedCoefficients: [Double]
    }

    struct Reliability: Decodable {
        let predicted: [Double]
        let outcomes: [Bool]
        let binCount: Int
        let counts: [Int]
        let meanPredicted: [Double?]
        let observedFrequency: [Double?]
        let brier: Double
        let logLoss: Double
        let ece: Double
        let baseRate: Double
        let baseRateBrier: Double
    }

    let normalExceedance: [ExceedanceCase]
    let piecewiseExceedance: [ExceedanceCase]
    /// Q(τ) at `taus` (norm.ppf for normal quantiles, np.interp in z space otherwise).
    struct QuantileCase: Decodable {
        let levels: [Double]
        let quantiles: [Double]
        let taus: [Double]
        let values: [Double]
    }
    let quantileFunction: [QuantileCase]
    let logit: Logit
    let reliability: Reliability

    static func load() throws -> RiskFixture {
        let url = try #require(Bundle.module.url(forResource: "risk", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(RiskFixture.self, from: Data(contentsOf: url))
    }
}
