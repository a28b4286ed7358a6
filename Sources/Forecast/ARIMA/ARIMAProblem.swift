/// A series prepared for estimating models with one d and one set of regressors: leading
/// gaps trimmed, differenced, scaled, loaded into workspaces. `AutoARIMA` builds one per
/// (d, regressors) and fits every candidate (p, q) on it.
///
/// Scaling. The objectives see (y − c)/s, with s the standard deviation of the observed
/// d-th differences and c the mean of y when the model has an intercept (else 0). The
/// ARMA coefficients are scale-free; β, σ² and log L are mapped back exactly
/// (β = s·β', intercept = c + s·β', σ² = s²σ'², log L = log L' − n·log s). Without it a
/// series of memory bytes (~10⁹ with a variation of ~10⁶) would lose ~6 digits in the
/// profiled residual sum of squares S_yy − S_yx β̂.
///
/// Complete data (no NaN after the first observation): the workspace holds the
/// differenced series and its differenced regressors, and the filter runs with D = 0 —
/// the fast path. With missing samples the exact workspace holds the levels and the
/// filter carries the d lags itself (D = d, start = d), so a gap is skipped natively,
/// while the CSS workspace (starting values only) holds the differences with NaN where
/// a difference is undefined.
struct ARIMAProblem {
    let d: Int
    let regressors: ARIMARegressors
    /// Index in y of the first sample used (leading samples before d consecutive
    /// observations are dropped).
    let firstIndex: Int
    let center: Double
    let scale: Double
    /// Observations in the exact likelihood: observed samples after the first d used.
    let observations: Int
    /// Workspace of the exact likelihood and its first filtered step.
    let exact: ARIMAWorkspace
    let exactStart: Int
    /// Workspace of the conditional sum of squares (the same object for complete data).
    let css: ARIMAWorkspace
    let hasMissing: Bool

    /// - Throws: `.noObservations`, `.constantSeries`, `.constantAfterDifferencing`,
    ///   `.tooShort` (fewer than d + 2 usable samples), `.collinearRegressors`.
    ///   (y must already be free of ±∞: `ARIMA.validateSeries`.)
    init(y: [Double], d: Int, regressors: ARIMARegressors, maxP: Int, maxQ: Int) throws(ARIMAError) {
        let n = y.count
        // First index with d + 1 consecutive observed samples (the d lags and one observation).
        var first = 0
        var run = 0
        var found = false
        for t in 0..<n {
            run = y[t].isNaN ? 0 : run + 1
            if run == d + 1 { first = t - d; found = true; break }
        }
        guard found else {
            let observed = y.lazy.filter { !$0.isNaN }.count
            if observed == 0 { throw .noObservations(count: n) }
            throw .tooShort(observed: observed, required: d + 2,
                            model: "d = \(d) (it needs \(d + 1) consecutive observed samples to start)")
        }
        let levels = Array(y[first...])
        let length = levels.count
        let k = regressors.count
        var columns = [[Double]](repeating: [Double](repeating: 0, count: length), count: k)
        if k > 0 {
            var row = [Double](repeating: 0, count: k)
            row.withUnsafeMutableBufferPointer { buffer in
                for t in 0..<length {
                    regressors.fill(step: first + t, into: buffer.baseAddress!)
                    for c in 0..<k { columns[c][t] = buffer[c] }
                }
            }
        }
        let differenced = ARIMAProblem.difference(levels, d)
        let differencedColumns = columns.map { ARIMAProblem.difference($0, d) }
        let finiteDifferences = differenced.filter { !$0.isNaN }
        let observedLevels = levels.lazy.filter { !$0.isNaN }
        if let value = observedLevels.first, observedLevels.allSatisfy({ $0 == value }) {
            throw .constantSeries(value: value)
        }
        let mean = finiteDifferences.reduce(0, +) / Double(max(finiteDifferences.count, 1))
        let variance = finiteDifferences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(finiteDifferences.count - 1, 1))
        guard finiteDifferences.count >= 2 else {
            throw .tooShort(observed: observedLevels.count, required: d + 2, model: "a model with d = \(d)")
        }
        guard variance > 0, variance.isFinite else { throw .constantAfterDifferencing(d: d) }
        let scale = variance.squareRoot()
        let center = regressors.constant == .intercept
            ? observedLevels.reduce(0, +) / Double(observedLevels.count) : 0

        if k > 0 { try ARIMAProblem.checkRegressors(differencedColumns, target: differenced, names: regressors.names) }

        let hasMissing = levels.contains { $0.isNaN }
        let scaledDifferences = differenced.map { (($0 - (d == 0 ? center : 0)) / scale) }
        let cssWorkspace = ARIMAWorkspace(n: length - d, columnCapacity: 1 + k, maxP: maxP, maxQ: maxQ, maxFilterD: 0)
        cssWorkspace.load(target: scaledDifferences, regressors: differencedColumns)
        if hasMissing {
            let exact = ARIMAWorkspace(n: length, columnCapacity: 1 + k, maxP: maxP, maxQ: maxQ, maxFilterD: d)
            exact.setDifferencing(d)
            exact.load(target: levels.map { ($0 - center) / scale }, regressors: columns)
            self.exact = exact
            self.exactStart = d
            self.observations = levels[d...].lazy.filter { !$0.isNaN }.count
        } else {
            self.exact = cssWorkspace
            self.exactStart = 0
            self.observations = length - d
        }
        self.css = cssWorkspace
        self.d = d
        self.regressors = regressors
        self.firstIndex = first
        self.center = center
        self.scale = scale
        self.hasMissing = hasMissing
    }

    /// β in the series' units from β' of the scaled problem.
    func unscaled(beta scaledBeta: [Double]) -> [Double] {
        scaledBeta.enumerated().map { index, value in
            index == 0 && regressors.constant == .intercept ? center + scale * value : scale * value
        }
    }

    /// The d-th difference (1 − B)^d x, x.count − d values; NaN where an input is NaN.
    static func difference(_ x: [Double], _ d: Int) -> [Double] {
        var result = x
        for _ in 0..<d {
            guard result.count > 1 else { return [] }
            result = (1..<result.count).map { result[$0] - result[$0 - 1] }
        }
        return result
    }

    /// Refuses regressor columns that are (numerically) collinear over the observed steps,
    /// with LAPACK's rank test (`Matrix.leastSquares`).
    private static func checkRegressors(_ columns: [[Double]], target: [Double], names: [String]) throws(ARIMAError) {
        let rows = target.indices.filter { !target[$0].isNaN }
        guard rows.count > columns.count else {
            throw .collinearRegressors("\(columns.count) regressors (\(names.joined(separator: ", "))) but only \(rows.count) observed differences")
        }
        var matrix = Matrix<Double>(rows: rows.count, cols: columns.count)
        for (i, t) in rows.enumerated() { for c in columns.indices { matrix[i, c] = columns[c][t] } }
        do {
            _ = try Matrix.leastSquares(matrix, rows.map { target[$0] })
        } catch {
            throw .collinearRegressors("columns \(names.joined(separator: ", ")) over the observed, differenced steps (\(error))")
        }
    }
}
