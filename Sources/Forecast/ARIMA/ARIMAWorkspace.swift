/// Preallocated buffers for evaluating ARIMA objectives (CSS and exact likelihood) on one
/// series, so that the optimiser's hundreds of evaluations allocate nothing.
///
/// The data are `columnCount` columns of length n: column 0 is the target (the series,
/// possibly differenced, possibly with NaN for missing samples), columns 1… are the
/// regressors (finite everywhere). Both objectives profile the regression coefficients β
/// and σ² out: for given ARMA coefficients every column goes through the same linear
/// filter, and β̂ is the least-squares fit of the target's filtered values on the
/// regressors' (generalised least squares, since the filter whitens). That is the exact
/// maximum over β for fixed (φ, θ), so the optimiser only sees p + q parameters.
///
/// Reference type on purpose (mutable scratch shared by the closures of one fit); never
/// shared across threads, not `Sendable`. Memory is O(n·(columns + state)) doubles.
final class ARIMAWorkspace {
    /// Series length.
    let n: Int
    /// Capacity in columns (1 + largest number of regressors).
    let columnCapacity: Int
    /// Capacity of the ARMA state dimension r = max(p, q + 1).
    let armaCapacity: Int
    /// Capacity of the full state dimension m = r + d_filter.
    let stateCapacity: Int

    /// Columns in use (1 + k).
    var columnCount = 1
    /// Current ARMA orders and state dimension.
    private(set) var p = 0, q = 0, r = 1

    /// columnCapacity × n, column c at `columns + c·n`.
    let columns: UnsafeMutablePointer<Double>
    /// n flags: the target is missing (NaN) at t.
    let missing: UnsafeMutablePointer<Bool>
    /// Whether any target value is missing.
    var hasMissing = false
    /// Σ log F_t and the number of observed steps of the latest `computeGains`.
    var gainSumLogVariance = 0.0
    var gainObservations = 0
    /// columnCapacity × n filtered values (standardised innovations or CSS residuals).
    let filtered: UnsafeMutablePointer<Double>

    /// φ padded with zeros to r; R = (1, θ₁, …, θ_{r−1}) padded with zeros.
    let phi: UnsafeMutablePointer<Double>
    let rVector: UnsafeMutablePointer<Double>
    /// θ (q values), kept for the CSS recursion.
    let theta: UnsafeMutablePointer<Double>
    /// Stationary covariance of the ARMA state (r × r, row-major, σ² = 1).
    let stationary: UnsafeMutablePointer<Double>
    /// Lyapunov system, s × s plus right-hand side s, s = r(r+1)/2.
    let lyapunov: UnsafeMutablePointer<Double>
    let lyapunovRHS: UnsafeMutablePointer<Double>

    /// Kalman filter scratch: covariance, two temporaries, P·Zᵀ, the state mean and its
    /// companion buffer.
    let covariance: UnsafeMutablePointer<Double>
    let covarianceNext: UnsafeMutablePointer<Double>
    let covarianceTemp: UnsafeMutablePointer<Double>
    let pz: UnsafeMutablePointer<Double>
    let stateMean: UnsafeMutablePointer<Double>
    let stateTemp: UnsafeMutablePointer<Double>
    /// Distinct gain rows (up to n × m), their innovation variances and 1/√F.
    let gains: UnsafeMutablePointer<Double>
    let innovationVariance: UnsafeMutablePointer<Double>
    let inverseSqrtVariance: UnsafeMutablePointer<Double>
    /// Per step: the gain row used, −1 for a missing observation (predict only), −2 before
    /// the filter starts.
    let gainRow: UnsafeMutablePointer<Int32>

    /// Cross products of the filtered columns (columnCapacity²), Cholesky scratch, β̂.
    let crossProducts: UnsafeMutablePointer<Double>
    let cholesky: UnsafeMutablePointer<Double>
    let beta: UnsafeMutablePointer<Double>
    /// Scratch for the parameter transform.
    let transformWork: UnsafeMutablePointer<Double>
    /// Per-column filter states and scratch for the interleaved column pass:
    /// (armaCapacity + 2) × columnCapacity.
    let columnStates: UnsafeMutablePointer<Double>

    /// The differencing polynomial of the filter's integrated part, u_t = α_t[0] + Σ δ_j u_{t−j}:
    /// `filterD` values (capacity 2).
    let delta: UnsafeMutablePointer<Double>
    private(set) var filterD = 0

    init(n: Int, columnCapacity: Int, maxP: Int, maxQ: Int, maxFilterD: Int) {
        precondition(n >= 0 && columnCapacity >= 1 && maxP >= 0 && maxQ >= 0 && maxFilterD >= 0)
        self.n = n
        self.columnCapacity = columnCapacity
        self.armaCapacity = max(maxP, maxQ + 1)
        self.stateCapacity = armaCapacity + maxFilterD
        let m = stateCapacity, rc = armaCapacity
        let s = rc * (rc + 1) / 2
        func doubles(_ count: Int) -> UnsafeMutablePointer<Double> {
            let pointer = UnsafeMutablePointer<Double>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))
            return pointer
        }
        columns = doubles(columnCapacity * n)
        missing = .allocate(capacity: max(n, 1))
        missing.initialize(repeating: false, count: max(n, 1))
        filtered = doubles(columnCapacity * n)
        phi = doubles(rc)
        rVector = doubles(rc)
        theta = doubles(rc)
        stationary = doubles(rc * rc)
        lyapunov = doubles(s * s)
        lyapunovRHS = doubles(s)
        covariance = doubles(m * m)
        covarianceNext = doubles(m * m)
        covarianceTemp = doubles(m * m)
        pz = doubles(m)
        stateMean = doubles(m)
        stateTemp = doubles(m)
        gains = doubles(n * m)
        innovationVariance = doubles(n)
        inverseSqrtVariance = doubles(n)
        gainRow = .allocate(capacity: max(n, 1))
        gainRow.initialize(repeating: -2, count: max(n, 1))
        crossProducts = doubles(columnCapacity * columnCapacity)
        cholesky = doubles(columnCapacity * columnCapacity)
        beta = doubles(columnCapacity)
        transformWork = doubles(4 * rc + 2)
        delta = doubles(2)
        columnStates = doubles((rc + 2) * columnCapacity)
    }

    deinit {
        for pointer in [columns, filtered, phi, rVector, theta, stationary, lyapunov, lyapunovRHS, covariance,
                        covarianceNext, covarianceTemp, pz, stateMean, stateTemp, gains, innovationVariance,
                        inverseSqrtVariance, crossProducts, cholesky, beta, transformWork, delta, columnStates] {
            pointer.deallocate()
        }
        missing.deallocate()
        gainRow.deallocate()
    }

    /// Copies the target (column 0) and the regressors; marks NaN targets as missing.
    /// - Precondition: every column has n values and regressors are finite.
    func load(target: [Double], regressors: [[Double]]) {
        precondition(target.count == n && regressors.count + 1 <= columnCapacity)
        columnCount = 1 + regressors.count
        hasMissing = false
        for t in 0..<n {
            columns[t] = target[t]
            missing[t] = target[t].isNaN
            if missing[t] { hasMissing = true }
        }
        for (c, column) in regressors.enumerated() {
            precondition(column.count == n)
            let base = columns + (c + 1) * n
            for t in 0..<n { base[t] = column[t] }
        }
    }

    /// Sets the ARMA coefficients (φ: p values, θ: q values).
    func setARMA(p: Int, q: Int, phi newPhi: UnsafePointer<Double>, theta newTheta: UnsafePointer<Double>) {
        precondition(max(p, q + 1) <= armaCapacity, "ARIMAWorkspace: order (\(p), \(q)) exceeds its capacity")
        self.p = p
        self.q = q
        r = max(p, q + 1)
        for i in 0..<r {
            phi[i] = i < p ? newPhi[i] : 0
            rVector[i] = i == 0 ? 1 : (i <= q ? newTheta[i - 1] : 0)
        }
        for i in 0..<q { theta[i] = newTheta[i] }
    }

    /// Array form of `setARMA`.
    func setARMA(phi newPhi: [Double], theta newTheta: [Double]) {
        newPhi.withUnsafeBufferPointer { pp in
            newTheta.withUnsafeBufferPointer { tp in
                setARMA(p: newPhi.count, q: newTheta.count, phi: pp.baseAddress ?? UnsafePointer(transformWork),
                        theta: tp.baseAddress ?? UnsafePointer(transformWork))
            }
        }
    }

    /// Sets δ of the integrated part for the level filter (d = 0: none).
    func setDifferencing(_ d: Int) {
        precondition(d <= 2 && armaCapacity + d <= stateCapacity, "ARIMAWorkspace: d = \(d) exceeds its capacity")
        let polynomial = ARIMAWorkspace.differencingPolynomial(d)
        for (j, value) in polynomial.enumerated() { delta[j] = value }
        filterD = d
    }

    /// The transition kernels over the current coefficients (valid until the next
    /// `setARMA`/`setDifferencing`, and while the workspace lives).
    var kernels: StateSpaceKernels {
        StateSpaceKernels(r: r, d: filterD, phi: phi, rVector: rVector, delta: delta)
    }

    /// δ with (1 − B)^d = 1 − Σ δ_j B^j: d = 1 → [1], d = 2 → [2, −1].
    static func differencingPolynomial(_ d: Int) -> [Double] {
        var coefficients = [1.0]  // of (1 − B)^d in powers of B
        for _ in 0..<d {
            var next = [Double](repeating: 0, count: coefficients.count + 1)
            for (i, c) in coefficients.enumerated() {
                next[i] += c
                next[i + 1] -= c
            }
            coefficients = next
        }
        return coefficients.dropFirst().map { -$0 }
    }
}
