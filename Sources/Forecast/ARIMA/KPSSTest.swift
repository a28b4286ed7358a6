import Foundation

/// The KPSS test of level stationarity (Kwiatkowski, Phillips, Schmidt & Shin 1992), as
/// statsmodels' `kpss(x, regression="c", nlags=…)` and the unit-root step of
/// Hyndman & Khandakar's `auto.arima`.
///
/// With e_t = x_t − x̄, partial sums S_t = Σ_{i≤t} e_i and the Newey–West long-run
/// variance with Bartlett weights,
///
///     s² = (Σ e_t² + 2 Σ_{j=1}^{ℓ} (1 − j/(ℓ+1)) Σ_t e_t e_{t−j}) / n,
///     η = Σ S_t² / (n² s²).
///
/// Large η rejects stationarity. The p-value is interpolated linearly in the table of
/// Kwiatkowski et al. (critical values 0.347, 0.463, 0.574, 0.739 at 10%, 5%, 2.5%,
/// 1%) and clipped to [0.01, 0.1], exactly as statsmodels does.
public struct KPSSTest: Sendable, Equatable, Codable {
    /// η.
    public let statistic: Double
    /// Bartlett truncation lag ℓ.
    public let lags: Int
    /// Interpolated p-value in [0.01, 0.1].
    public let pValue: Double
    /// Number of observations n.
    public let count: Int

    /// Critical values (significance, η) of the level test, Kwiatkowski et al. Table 1.
    public static let criticalValues: [(significance: Double, statistic: Double)] =
        [(0.10, 0.347), (0.05, 0.463), (0.025, 0.574), (0.01, 0.739)]

    /// Runs the test on the finite values of x (NaN are dropped, as statsforecast's
    /// `ndiffs`). `lags` defaults to ⌊3√n/13⌋, Hyndman's choice in `auto.arima`.
    /// Returns nil for fewer than 2 values, a constant series (s² = 0), or lags ≥ n.
    public init?(_ x: [Double], lags: Int? = nil) {
        let values = x.filter { !$0.isNaN }
        let n = values.count
        guard n >= 2 else { return nil }
        let lags = lags ?? Int((3 * Double(n).squareRoot() / 13).rounded(.down))
        guard lags >= 0, lags < n else { return nil }
        let mean = values.reduce(0, +) / Double(n)
        let e = values.map { $0 - mean }
        var partial = 0.0, eta = 0.0
        for value in e {
            partial += value
            eta += partial * partial
        }
        eta /= Double(n) * Double(n)
        var longRun = e.reduce(0) { $0 + $1 * $1 }
        if lags > 0 {
            for j in 1...lags {
                var autocovariance = 0.0
                for t in j..<n { autocovariance += e[t] * e[t - j] }
                longRun += 2 * (1 - Double(j) / Double(lags + 1)) * autocovariance
            }
        }
        longRun /= Double(n)
        guard longRun > 0 else { return nil }
        let statistic = eta / longRun
        self.statistic = statistic
        self.lags = lags
        self.count = n
        self.pValue = KPSSTest.interpolatedPValue(statistic)
    }

    /// numpy.interp(η, critical values, significances): linear between table entries,
    /// 0.1 below 0.347, 0.01 above 0.739.
    static func interpolatedPValue(_ statistic: Double) -> Double {
        let table = criticalValues
        if statistic <= table[0].statistic { return table[0].significance }
        for i in 1..<table.count where statistic <= table[i].statistic {
            let (p0, c0) = table[i - 1], (p1, c1) = table[i]
            return p0 + (p1 - p0) * (statistic - c0) / (c1 - c0)
        }
        return table[table.count - 1].significance
    }

    /// Hyndman's `ndiffs`: differences x while the KPSS test rejects stationarity at
    /// `significance` (p < significance), at most `maxD` times; stops early when a
    /// difference is constant. NaN are dropped first. Returns d and the tests run.
    public static func numberOfDifferences(_ x: [Double], significance: Double = 0.05, maxD: Int = 2)
        -> (d: Int, tests: [KPSSTest]) {
        var values = x.filter { !$0.isNaN }
        var tests: [KPSSTest] = []
        var d = 0
        guard let first = values.first, !values.allSatisfy({ $0 == first }) else { return (0, tests) }
        guard let initial = KPSSTest(values) else { return (0, tests) }
        tests.append(initial)
        var reject = initial.pValue < significance
        while reject && d < maxD {
            d += 1
            values = ARIMAProblem.difference(values, 1)
            guard let head = values.first, !values.allSatisfy({ $0 == head }) else { return (d, tests) }
            guard let test = KPSSTest(values) else { return (d - 1, tests) }
            tests.append(test)
            reject = test.pValue < significance
        }
        return (d, tests)
    }
}
