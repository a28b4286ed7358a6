/// The online state of a fitted ARIMA: the Kalman filter's predicted state for the next
/// step, updated one sample at a time in O(m²) (m = max(p, q+1) + d), never refitting
/// and never revisiting the history.
///
/// Contents: the model's parameters; the step index t of the next sample (t = 0 is the
/// first training sample; drift and Fourier phase follow from it); the predicted state
/// mean a = E[s_t | y_{<t}] with s_t = (α_t, u_{t−1}, …, u_{t−d}) — the ARMA state and the
/// last d levels of the regression error u = y − xᵀβ (the differencing history) — and its
/// covariance P in units of σ². See `StateSpaceKernels` for T, Z and R.
///
/// Missing samples: `update(.nan)` skips the measurement update and only predicts
/// (s ← T s, P ← T P Tᵀ + R Rᵀ), so the intervals widen until data return.
///
/// Start-up: a state made by `FittedARIMA.filter` first needs d consecutive observed
/// samples to know the level (the first d values of a series carry no information on the
/// ARMA part: they are the diffuse initial levels); until then `isReady` is false and a
/// forecast is NaN. The state of a fitted model is always ready.
public struct ARIMAState: Sendable, Equatable {
    public let parameters: ARIMAParameters
    /// Step index t of the next sample `update` expects.
    public private(set) var nextStep: Int
    /// a = E[s_t | past] (m values): ARMA state, then u_{t−1}…u_{t−d}.
    public private(set) var stateMean: [Double]
    /// P = Var[s_t | past] / σ², m × m row-major.
    public private(set) var stateCovariance: [Double]
    /// Levels u collected while waiting for d consecutive observations (oldest first).
    private var pendingLevels: [Double]
    /// Filter structure derived from the parameters (not encoded).
    private let structure: Structure

    /// Whether the state knows the level (d consecutive observed samples seen).
    public var isReady: Bool { readyFlag }
    private var readyFlag: Bool

    /// State dimension m = max(p, q + 1) + d.
    public var stateDimension: Int { structure.r + structure.d }

    /// Phase of the next sample within the Fourier period, (startStep + nextStep) mod P;
    /// nil without Fourier terms.
    public var seasonalPhase: Int? {
        guard let period = parameters.regressors.fourierPeriod else { return nil }
        return ((parameters.regressors.startStep + nextStep) % period + period) % period
    }

    /// A state that has seen nothing yet, whose first sample will be step `firstStep`.
    /// For d = 0 it starts from the stationary law of the ARMA state.
    init(parameters: ARIMAParameters, firstStep: Int) {
        self.parameters = parameters
        self.structure = Structure(parameters)
        self.nextStep = firstStep
        let m = structure.r + structure.d
        self.stateMean = [Double](repeating: 0, count: m)
        self.stateCovariance = [Double](repeating: 0, count: m * m)
        self.pendingLevels = []
        self.readyFlag = parameters.order.d == 0
        if readyFlag { initialiseCovariance() }
    }

    /// Restores a stored state (`FittedARIMA`'s tensor decoding); nil when the shapes do
    /// not match the parameters.
    init?(parameters: ARIMAParameters, nextStep: Int, stateMean: [Double], stateCovariance: [Double],
          pendingLevels: [Double], ready: Bool) {
        self.parameters = parameters
        self.structure = Structure(parameters)
        let m = structure.r + structure.d
        guard stateMean.count == m, stateCovariance.count == m * m, pendingLevels.count < max(structure.d, 1) else { return nil }
        self.nextStep = nextStep
        self.stateMean = stateMean
        self.stateCovariance = stateCovariance
        self.pendingLevels = pendingLevels
        self.readyFlag = ready || parameters.order.d == 0
    }

    /// True when the state mean (or a pending level) holds a NaN or an infinity (an
    /// observation near the Double range, ~1e308, overflows the Kalman update): every later
    /// forecast would be NaN, so the owner should restart the state (the scorer counts it).
    /// The covariance is not checked: its recursion never sees the observed values, only
    /// whether a step was observed, so data cannot make it degenerate. O(m), per step.
    public var isDegenerate: Bool {
        for v in stateMean where !v.isFinite { return true }
        for v in pendingLevels where !v.isFinite { return true }
        return false
    }

    /// The levels collected while not ready (for storage).
    var pendingLevelValues: [Double] { pendingLevels }

    /// Filters one sample y_t (t = `nextStep`) and predicts the state for t + 1. NaN means
    /// missing: predict only. ±∞ is treated as missing too (a sensor glitch must not
    /// poison the state); use NaN explicitly.
    public mutating func update(_ y: Double) {
        update(y, regressionMean: y.isFinite ? parameters.regressionMean(step: nextStep) : .nan)
    }

    /// `update(_:)` with x_tᵀβ for t = `nextStep` supplied by the caller
    /// (`parameters.regressionMean(step: nextStep)`, which a caller that also forecasts has
    /// usually computed already: the scorer caches it). Ignored when y is missing.
    public mutating func update(_ y: Double, regressionMean: Double) {
        nextStep += 1
        let observed = y.isFinite
        let u = observed ? y - regressionMean : .nan
        if !readyFlag {
            guard observed else { pendingLevels.removeAll(); return }
            pendingLevels.append(u)
            guard pendingLevels.count == structure.d else { return }
            let r = structure.r
            for j in 0..<structure.d { stateMean[r + j] = pendingLevels[structure.d - 1 - j] }
            pendingLevels.removeAll()
            initialiseCovariance()
            readyFlag = true
            return
        }
        let m = stateDimension
        structure.withKernels { kernels in
            stateMean.withUnsafeMutableBufferPointer { aBuffer in
                stateCovariance.withUnsafeMutableBufferPointer { pBuffer in
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: m * m + 3 * m) { scratch in
                        let a = aBuffer.baseAddress!, p = pBuffer.baseAddress!
                        let temp = scratch.baseAddress!, pz = temp + m * m, vector = pz + m, vector2 = vector + m
                        if observed {
                            let f = kernels.covarianceTimesZ(p, into: pz)
                            let v = u - kernels.observe(a)
                            if f > 0 {
                                for i in 0..<m { a[i] += pz[i] * v / f }
                                for i in 0..<m {
                                    let scaled = pz[i] / f
                                    for k in 0..<m { p[i * m + k] -= scaled * pz[k] }
                                }
                            }
                        }
                        for i in 0..<m { vector[i] = a[i] }
                        kernels.transition(vector, into: a)
                        temp.update(from: p, count: m * m)
                        kernels.predictCovariance(temp, into: p, scratch: vector2)
                    }
                }
            }
        }
    }

    /// Filters samples in order (`update` for each).
    public mutating func update(contentsOf samples: some Sequence<Double>) {
        for y in samples { update(y) }
    }

    /// Forecasts steps `nextStep` … `nextStep + horizon − 1` with central intervals at
    /// `levels`. A state that is not ready gives NaN means and infinite standard errors.
    /// - Precondition: horizon ≥ 0, levels in (0, 1).
    public func forecast(horizon: Int, levels: [Double] = [0.8, 0.95]) -> ARIMAForecast {
        precondition(horizon >= 0, "ARIMAState.forecast: horizon \(horizon) must be ≥ 0")
        var means = [Double](repeating: 0, count: horizon)
        var errors = [Double](repeating: 0, count: horizon)
        if horizon > 0 {
            means.withUnsafeMutableBufferPointer { m in
                errors.withUnsafeMutableBufferPointer { e in
                    forecastMoments(horizon: horizon, mean: m.baseAddress!, standardError: e.baseAddress!)
                }
            }
        }
        return ARIMAForecast(mean: means, standardError: errors, levels: levels)
    }

    /// The means and standard errors of `forecast(horizon:levels:)`, written into the
    /// caller's buffers of `horizon` values each (no allocation: the scorer's tick). A state
    /// that is not ready gives NaN means and infinite standard errors.
    /// - Parameter regressionMeans: when given, `horizon` values x_sᵀβ for the steps
    ///   s = `nextStep` … `nextStep + horizon − 1` (`parameters.regressionMean(step:)`, which a
    ///   caller forecasting every step can cache: each step's value is then computed once,
    ///   not `horizon` times); nil computes them.
    /// - Precondition: horizon ≥ 0.
    public func forecastMoments(horizon: Int, regressionMeans: UnsafePointer<Double>? = nil,
                                mean means: UnsafeMutablePointer<Double>, standardError errors: UnsafeMutablePointer<Double>) {
        precondition(horizon >= 0, "ARIMAState.forecastMoments: horizon \(horizon) must be ≥ 0")
        guard readyFlag else {
            for h in 0..<horizon {
                means[h] = .nan
                errors[h] = .infinity
            }
            return
        }
        let m = stateDimension, sigma2 = parameters.sigma2
        structure.withKernels { kernels in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * m * m + 3 * m) { scratch in
                let p = scratch.baseAddress!, pNext = p + m * m, a = pNext + m * m, aNext = a + m, vector = aNext + m
                p.update(from: stateCovariance, count: m * m)
                a.update(from: stateMean, count: m)
                for h in 0..<horizon {
                    let f = kernels.covarianceTimesZ(p, into: vector)
                    means[h] = kernels.observe(a) + (regressionMeans?[h] ?? parameters.regressionMean(step: nextStep + h))
                    errors[h] = (max(f, 0) * sigma2).squareRoot()
                    guard h + 1 < horizon else { break }
                    kernels.transition(a, into: aNext)
                    a.update(from: aNext, count: m)
                    kernels.predictCovariance(p, into: pNext, scratch: vector)
                    p.update(from: pNext, count: m * m)
                }
            }
        }
    }

    /// Predictive quantiles per step (h × probabilities.count), e.g. [0.5, 0.9, 0.99].
    public func quantiles(horizon: Int, probabilities: [Double]) -> [[Double]] {
        forecast(horizon: horizon, levels: []).quantiles(probabilities)
    }

    /// P ← blockdiag(P₀, 0): the ARMA block from its stationary law, the lags known.
    private mutating func initialiseCovariance() {
        let r = structure.r, m = stateDimension
        let covariance = structure.stationaryCovariance
        for i in 0..<r { for k in 0..<r { stateCovariance[i * m + k] = covariance[i * r + k] } }
    }
}

extension ARIMAState {
    /// φ and R padded to r, δ, and P₀ — derived once from the parameters.
    struct Structure: Sendable, Equatable {
        let r: Int
        let d: Int
        let phi: [Double]
        let rVector: [Double]
        let delta: [Double]
        let stationaryCovariance: [Double]

        init(_ parameters: ARIMAParameters) {
            let order = parameters.order
            r = order.armaStateDimension
            d = order.d
            phi = (0..<r).map { $0 < order.p ? parameters.ar[$0] : 0 }
            rVector = (0..<r).map { $0 == 0 ? 1 : ($0 <= order.q ? parameters.ma[$0 - 1] : 0) }
            delta = ARIMAWorkspace.differencingPolynomial(order.d)
            let (r, phi, rVector) = (r, phi, rVector)
            let s = r * (r + 1) / 2
            var covariance = [Double](repeating: 0, count: r * r)
            let ok = withUnsafeTemporaryAllocation(of: Double.self, capacity: s * s + s) { scratch in
                covariance.withUnsafeMutableBufferPointer { out in
                    stationaryARMACovariance(r: r, phi: phi, rVector: rVector, into: out.baseAddress!,
                                             system: scratch.baseAddress!, rhs: scratch.baseAddress! + s * s)
                }
            }
            // Parameters are checked stationary; a failed solve means φ within rounding of
            // the unit circle: fall back to a large diffuse variance rather than crash.
            if !ok {
                covariance = [Double](repeating: 0, count: r * r)
                for i in 0..<r { covariance[i * r + i] = 1e6 }
            }
            stationaryCovariance = covariance
        }

        func withKernels<R>(_ body: (StateSpaceKernels) -> R) -> R {
            phi.withUnsafeBufferPointer { phiPointer in
                rVector.withUnsafeBufferPointer { rPointer in
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: 2) { deltaBuffer in
                        for j in 0..<d { deltaBuffer[j] = delta[j] }
                        return body(StateSpaceKernels(r: r, d: d, phi: phiPointer.baseAddress!,
                                                      rVector: rPointer.baseAddress!, delta: deltaBuffer.baseAddress!))
                    }
                }
            }
        }
    }
}

extension ARIMAState: Codable {
    private enum CodingKeys: String, CodingKey {
        case parameters, nextStep, stateMean, stateCovariance, pendingLevels, ready
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let parameters = try container.decode(ARIMAParameters.self, forKey: .parameters)
        self.parameters = parameters
        self.structure = Structure(parameters)
        self.nextStep = try container.decode(Int.self, forKey: .nextStep)
        self.stateMean = try container.decode([Double].self, forKey: .stateMean)
        self.stateCovariance = try container.decode([Double].self, forKey: .stateCovariance)
        self.pendingLevels = try container.decode([Double].self, forKey: .pendingLevels)
        self.readyFlag = try container.decode(Bool.self, forKey: .ready)
        let m = structure.r + structure.d
        guard stateMean.count == m, stateCovariance.count == m * m else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: container.codingPath,
                debugDescription: "ARIMAState: \(parameters.order) needs a state of \(m) values and a \(m)×\(m) covariance"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(parameters, forKey: .parameters)
        try container.encode(nextStep, forKey: .nextStep)
        try container.encode(stateMean, forKey: .stateMean)
        try container.encode(stateCovariance, forKey: .stateCovariance)
        try container.encode(pendingLevels, forKey: .pendingLevels)
        try container.encode(readyFlag, forKey: .ready)
    }
}
