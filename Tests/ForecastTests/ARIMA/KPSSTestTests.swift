import Foundation
import Testing

@testable import Forecast

// KPSS against statsmodels' kpss(x, "c", nlags=⌊3√n/13⌋) (fixtures from
// scripts/fixtures/gen_arima_fixtures.py). The statistic is a ratio of two sums of n
// terms each: 1e-12 relative leaves ~100× margin over the measured 2e-14 (summation
// order differs). The p-value is the same table interpolation, so 1e-12 absolute.
@Suite("KPSS test")
struct KPSSTestTests {
    @Test("statistic, lags and p-value match statsmodels")
    func matchesStatsmodels() throws {
        let fixtures = try ARIMAFixtureFile.load()
        #expect(fixtures.kpss.count >= 5)
        for fixture in fixtures.kpss {
            let test = try #require(KPSSTest(fixture.x), "\(fixture.name)")
            #expect(test.lags == fixture.lags, "\(fixture.name): lags \(test.lags) vs \(fixture.lags)")
            #expect(abs(test.statistic - fixture.statistic) / fixture.statistic <= 1e-12,
                    "\(fixture.name): η \(test.statistic) vs \(fixture.statistic)")
            #expect(abs(test.pValue - fixture.pValue) <= 1e-12, "\(fixture.name): p \(test.pValue) vs \(fixture.pValue)")
        }
    }

    @Test("p-value interpolation between the table's critical values")
    func interpolation() {
        #expect(KPSSTest.interpolatedPValue(0.1) == 0.10)
        #expect(KPSSTest.interpolatedPValue(0.463) == 0.05)
        #expect(abs(KPSSTest.interpolatedPValue((0.463 + 0.574) / 2) - 0.0375) < 1e-15)
        #expect(KPSSTest.interpolatedPValue(5) == 0.01)
    }

    @Test("ndiffs: a random walk needs one difference, white noise none, a constant none")
    func numberOfDifferences() throws {
        let fixtures = try ARIMAFixtureFile.load()
        let walk = arimaBenchSeries(fixtures, 0)
        #expect(KPSSTest.numberOfDifferences(walk).d == 1)
        var generator = SeededGenerator(seed: 7)
        let noise = (0..<300).map { _ in generator.nextNormal() }
        #expect(KPSSTest.numberOfDifferences(noise).d == 0)
        #expect(KPSSTest.numberOfDifferences([Double](repeating: 3, count: 50)).d == 0)
        // A doubly integrated series needs two; maxD caps it.
        var level = 0.0, slope = 0.0
        let twice = (0..<300).map { _ -> Double in slope += generator.nextNormal(); level += slope; return level }
        #expect(KPSSTest.numberOfDifferences(twice).d == 2)
        #expect(KPSSTest.numberOfDifferences(twice, maxD: 1).d == 1)
        // NaN are dropped, as statsforecast's ndiffs does.
        var gappy = walk
        gappy[10] = .nan
        #expect(KPSSTest.numberOfDifferences(gappy).d == 1)
    }

    @Test("degenerate inputs give no test")
    func degenerate() {
        #expect(KPSSTest([]) == nil)
        #expect(KPSSTest([1]) == nil)
        #expect(KPSSTest([2, 2, 2, 2]) == nil)
        #expect(KPSSTest([1, 2, 3], lags: 3) == nil)
    }
}
