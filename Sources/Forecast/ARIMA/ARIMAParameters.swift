/// The coefficients of a regression with ARIMA errors (see `ARIMASpec`):
///
///     y_t = x_tᵀβ + u_t,   (1 − φ₁B − … − φ_pB^p)(1 − B)^d u_t = (1 + θ₁B + … + θ_qB^q) ε_t,
///     ε_t ~ N(0, σ²).
///
/// A value: everything the filter and the forecasts need, nothing about how it was fitted.
public struct ARIMAParameters: Sendable, Codable, Equatable {
    public let order: ARIMAOrder
    /// φ₁…φ_p (p values), stationary.
    public let ar: [Double]
    /// θ₁…θ_q (q values), invertible.
    public let ma: [Double]
    /// Which deterministic regressors x_t the model has.
    public let regressors: ARIMARegressors
    /// β, one per regressor column (`regressors.names` order), in the series' units
    /// (per step for a drift).
    public let regressionCoefficients: [Double]
    /// Innovation variance σ² ≥ 0, in squared series units (0 only for the degenerate
    /// constant fallbacks of `AutoARIMA`).
    public let sigma2: Double

    /// - Throws: `ARIMAError.invalidCoefficients` when the counts do not match the order
    ///   and regressors, a value is not finite, σ² < 0, φ is not stationary or θ not
    ///   invertible.
    public init(
        order: ARIMAOrder, ar: [Double], ma: [Double], regressors: ARIMARegressors = .none,
        regressionCoefficients: [Double] = [], sigma2: Double
    ) throws(ARIMAError) {
        guard ar.count == order.p, ma.count == order.q else {
            throw .invalidCoefficients("\(order) needs \(order.p) AR and \(order.q) MA coefficients, got \(ar.count) and \(ma.count)")
        }
        guard regressionCoefficients.count == regressors.count else {
            throw .invalidCoefficients(
                "the regressors \(regressors.names) need \(regressors.count) coefficients, got \(regressionCoefficients.count)")
        }
        guard (ar + ma + regressionCoefficients).allSatisfy(\.isFinite), sigma2.isFinite, sigma2 >= 0 else {
            throw .invalidCoefficients("coefficients and σ² must be finite and σ² ≥ 0 (σ² = \(sigma2))")
        }
        guard ARMAPolynomial.isStationary(ar) else {
            throw .invalidCoefficients("the AR polynomial with φ = \(ar) has a root on or inside the unit circle (not stationary)")
        }
        guard ARMAPolynomial.isInvertible(ma) else {
            throw .invalidCoefficients("the MA polynomial with θ = \(ma) has a root on or inside the unit circle (not invertible)")
        }
        self.order = order
        self.ar = ar
        self.ma = ma
        self.regressors = regressors
        self.regressionCoefficients = regressionCoefficients
        self.sigma2 = sigma2
    }

    /// Unchecked, for values the estimator produced.
    init(uncheckedOrder order: ARIMAOrder, ar: [Double], ma: [Double], regressors: ARIMARegressors,
         regressionCoefficients: [Double], sigma2: Double) {
        self.order = order
        self.ar = ar
        self.ma = ma
        self.regressors = regressors
        self.regressionCoefficients = regressionCoefficients
        self.sigma2 = sigma2
    }

    /// The intercept (d = 0 models with a mean), else nil.
    public var intercept: Double? {
        regressors.constant == .intercept ? regressionCoefficients[0] : nil
    }

    /// The drift per step (d = 1 models with drift), else nil.
    public var drift: Double? {
        regressors.constant == .drift ? regressionCoefficients[0] : nil
    }

    /// Fourier coefficients (sin₁, cos₁, sin₂, cos₂, …), 2K values.
    public var fourierCoefficients: [Double] {
        Array(regressionCoefficients.dropFirst(regressors.constant == .none ? 0 : 1))
    }

    /// x_tᵀβ, the deterministic part of y_t at step t.
    public func regressionMean(step t: Int) -> Double {
        regressors.mean(step: t, coefficients: regressionCoefficients)
    }

    /// Number of estimated coefficients excluding σ²: p + q + k.
    public var coefficientCount: Int { order.p + order.q + regressors.count }

    /// A description such as `ARIMA(2,1,1) with drift + 4 Fourier pairs (period 288)`.
    public var modelDescription: String {
        var text = order.description
        switch regressors.constant {
        case .none: break
        case .intercept: text += " with non-zero mean"
        case .drift: text += " with drift"
        }
        if let period = regressors.fourierPeriod {
            text += " + \(regressors.fourierPairs) Fourier pair\(regressors.fourierPairs == 1 ? "" : "s") (period \(period))"
        }
        return text
    }
}
