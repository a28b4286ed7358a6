import Foundation
import Testing

@testable import Forecast

// Automatic order selection against statsforecast 2.x `AutoARIMA()` (default settings:
// exact CSS-ML fit of every candidate, stepwise, AICc), fixtures bench0…bench9 (the
// benchmark input) and the Azure CPU series with 3 Fourier pairs passed as X.
//
// What is asserted, and why it is not "same order everywhere": both searches follow
// Hyndman & Khandakar's stepwise path, but each step compares AICc values of fits that
// can land in different local optima (R's optimiser from the CSS start only; ours from the
// CSS start and from zero, `ARIMASpec.multipleStarts`), and a different comparison sends
// the path elsewhere. So:
// * our AICc is never above statsforecast's (1e-6 slack for rounding);
// * where the order differs, ours must be better by more than 1e-3 (a real difference,
//   not a tie broken differently). Measured: same order on 9 of the 10 bench series
//   (bench6: ARIMA(2,1,3), AICc 0.78 lower than statsforecast's ARIMA(2,1,2)) and on the
//   Azure series; our AICc is lower on all 11 (by 4e-5 … 0.78) since our optima are at
//   least as good.
@Suite("AutoARIMA order selection")
struct AutoARIMATests {
    @Test("orders and AICc against statsforecast AutoARIMA")
    func againstStatsforecast() throws {
        let fixtures = try ARIMAFixtureFile.load()
        var sameOrder = 0
        for fixture in fixtures.auto {
            var spec = ARIMASpec()
            spec.fourierPeriod = fixture.fourierPeriod
            spec.fourierPairs = .fixed(fixture.fourierPairs)
            let result = try AutoARIMA.search(fixture.y, startStep: fixture.startStep, spec: spec)
            let model = result.model
            let order = [model.order.p, model.order.d, model.order.q]
            let constant = model.parameters.regressors.constant != .none
            let same = order == fixture.order && constant == fixture.constant
            if same { sameOrder += 1 }
            #expect(model.aicc <= fixture.aicc + 1e-6,
                    "\(fixture.name): our \(model.parameters.modelDescription) AICc \(model.aicc) > statsforecast's \(fixture.aicc)")
            #expect(same || model.aicc < fixture.aicc - 1e-3,
                    "\(fixture.name): \(model.parameters.modelDescription) vs statsforecast \(fixture.order) constant \(fixture.constant)")
            #expect(result.fallback == nil)
            #expect(!result.candidates.isEmpty && result.candidates.count <= ARIMASpec().maxModels)
            #expect(result.candidates.contains { $0.order == model.order && $0.criterion == model.aicc },
                    "\(fixture.name): the selected model is among the candidates with its AICc")
        }
        #expect(sameOrder >= fixtures.auto.count - 1, "same order on \(sameOrder) of \(fixtures.auto.count)")
    }

    @Test("the stepwise search starts as Hyndman & Khandakar")
    func openingMoves() throws {
        let fixtures = try ARIMAFixtureFile.load()
        let result = try AutoARIMA.search(arimaBenchSeries(fixtures, 1))
        let opening = result.candidates.prefix(5).map { "\($0.order.p),\($0.order.q),\($0.constant)" }
        #expect(opening == ["2,2,true", "0,0,true", "1,0,true", "0,1,true", "0,0,false"])
        #expect(result.kpssTests.count == 2 && result.model.order.d == 1)
        // No candidate is fitted twice.
        let keys = result.candidates.map { "\($0.order.p),\($0.order.q),\($0.constant)" }
        #expect(Set(keys).count == keys.count)
    }

    @Test("exhaustive search agrees with the stepwise choice or beats it")
    func exhaustive() throws {
        let fixtures = try ARIMAFixtureFile.load()
        let y = arimaBenchSeries(fixtures, 2)
        var spec = ARIMASpec()
        spec.maxP = 2
        spec.maxQ = 2
        let stepwise = try AutoARIMA.fit(y, spec: spec)
        spec.stepwise = false
        let result = try AutoARIMA.search(y, spec: spec)
        #expect(result.model.aicc <= stepwise.aicc + 1e-9)
        #expect(result.candidates.count == 3 * 3 * 2)  // p, q ∈ 0…2, with and without drift
    }

    @Test("approximate (CSS) search ends in an exact fit")
    func approximateSearch() throws {
        let fixtures = try ARIMAFixtureFile.load()
        var spec = ARIMASpec()
        spec.searchLikelihood = .approximate
        let model = try AutoARIMA.fit(arimaBenchSeries(fixtures, 3), spec: spec)
        let refit = try ARIMA.fit(arimaBenchSeries(fixtures, 3), order: model.order, spec: {
            var exact = ARIMASpec()
            exact.constant = model.parameters.regressors.constant == .none ? .excluded : .included
            return exact
        }())
        #expect(abs(model.logLikelihood - refit.logLikelihood) < 1e-6)
        #expect(model.estimation == .maximumLikelihood)
    }

    @Test("automatic Fourier pairs: AICc decides K, and K is recorded")
    func automaticFourierPairs() throws {
        // Two days of a clean daily cycle with one harmonic plus AR(1) noise: K = 1 should win
        // over K = 0, and extra pairs should not pay for themselves.
        var generator = SeededGenerator(seed: 11)
        var noise = 0.0
        let y = (0..<576).map { t -> Double in
            noise = 0.5 * noise + generator.nextNormal()
            return 10 + 3 * sin(2 * Double.pi * Double(t) / 288) + noise
        }
        var spec = ARIMASpec()
        spec.fourierPeriod = 288
        spec.fourierPairs = .automatic(maximum: 3)
        let result = try AutoARIMA.search(y, spec: spec)
        let pairs = result.model.parameters.regressors.fourierPairs
        #expect(pairs == 1, "chose \(pairs) pairs: \(result.model.summary)")
        #expect(Set(result.candidates.map(\.fourierPairs)).isSuperset(of: [0, 1, 2, 3]))
        #expect(abs(result.model.fourierCoefficients[0] - 3) < 0.5)
    }
}
