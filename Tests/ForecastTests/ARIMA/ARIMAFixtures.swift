import Foundation
import Testing

@testable import Forecast

// Golden values: Tests/ForecastTests/Fixtures/arima.json, written by
// scripts/fixtures/gen_arima_fixtures.py (statsmodels SARIMAX, statsforecast ARIMA and
// AutoARIMA, statsmodels kpss; versions recorded in the file). The script's docstring
// says how each reference was obtained.

struct ARIMAFixtureFile: Decodable {
    struct Versions: Decodable {
        let statsmodels: String
        let statsforecast: String
    }

    struct Reference: Decodable {
        let ar: [Double]
        let ma: [Double]
        let beta: [Double]
        let logLikelihood: Double
        let sigma2: Double
        let nobs: Int
        /// statsmodels' log-likelihood at the reference coefficients, of the model it was
        /// fitted with (differenced for d > 0 and complete data).
        let logLikelihoodAtReference: Double
        /// The same coefficients in the level model (exact diffuse initialisation).
        let levelLogLikelihoodAtReference: Double
    }

    struct ForecastValues: Decodable {
        let mean: [Double]
        let standardError: [Double]
        let lower95: [Double]
        let upper95: [Double]
    }

    struct StatsforecastFit: Decodable {
        let coef: [String: Double]
        let logLikelihood: Double
        let aicc: Double
    }

    struct ARIMACase: Decodable {
        let name: String
        let note: String
        let y: [Double]
        let order: [Int]
        let constant: Bool
        let fourierPeriod: Int?
        let fourierPairs: Int
        let startStep: Int
        let reference: Reference
        let forecast: ForecastValues
        let statsforecast: StatsforecastFit?

        var arimaOrder: ARIMAOrder { ARIMAOrder(p: order[0], d: order[1], q: order[2]) }
        var hasGaps: Bool { y.contains { $0.isNaN } }

        /// The spec that reproduces the fixture's model in `ARIMA.fit`.
        var spec: ARIMASpec {
            var spec = ARIMASpec()
            spec.constant = constant ? .included : .excluded
            spec.fourierPeriod = fourierPeriod
            spec.fourierPairs = .fixed(fourierPairs)
            return spec
        }

        var regressors: ARIMARegressors {
            let constantKind: ARIMARegressors.Constant = constant ? ARIMA.defaultConstant(d: order[1]) : .none
            return ARIMARegressors(constant: constantKind, fourierPeriod: fourierPeriod, fourierPairs: fourierPairs,
                                   startStep: startStep)
        }
    }

    struct KPSSCase: Decodable {
        let name: String
        let x: [Double]
        let lags: Int
        let statistic: Double
        let pValue: Double
    }

    struct AutoCase: Decodable {
        let name: String
        let y: [Double]
        let fourierPeriod: Int?
        let fourierPairs: Int
        let startStep: Int
        let order: [Int]
        let constant: Bool
        let aicc: Double
        let logLikelihood: Double
    }

    let versions: Versions
    let horizon: Int
    let arima: [ARIMACase]
    let kpss: [KPSSCase]
    let auto: [AutoCase]

    static func load() throws -> ARIMAFixtureFile {
        let url = try #require(Bundle.module.url(forResource: "arima", withExtension: "json", subdirectory: "Fixtures"))
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try decoder.decode(ARIMAFixtureFile.self, from: Data(contentsOf: url))
    }

    func arimaCase(_ name: String) throws -> ARIMACase {
        try #require(arima.first { $0.name == name }, "fixture \(name) missing from arima.json")
    }
}

/// max |a − b| / max(|b|, floor) over paired elements.
func arimaMaxRelativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-300) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) / max(abs($1), floor) }.max() ?? 0
}

/// max |a − b|.
func arimaMaxAbsoluteError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// The first `rows` series of the ARIMA benchmark input, as stored in the fixtures
/// (`auto` cases bench0…bench9).
func arimaBenchSeries(_ fixtures: ARIMAFixtureFile, _ index: Int) -> [Double] {
    fixtures.auto.first { $0.name == "bench\(index)" }!.y
}
