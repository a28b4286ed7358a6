/// The (p, d, q) of an ARIMA model: (1 − φ₁B − … − φ_pB^p)(1 − B)^d u_t = (1 + θ₁B + … + θ_qB^q) ε_t,
/// with B the backshift operator (B u_t = u_{t−1}) and ε_t ~ N(0, σ²) white noise
/// (Box & Jenkins; the sign convention of R's `arima`, statsmodels and statsforecast).
public struct ARIMAOrder: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Autoregressive order, ≥ 0.
    public var p: Int
    /// Order of differencing, 0…2 (Hyndman & Khandakar allow no more).
    public var d: Int
    /// Moving-average order, ≥ 0.
    public var q: Int

    /// - Precondition: p, q ≥ 0 and 0 ≤ d ≤ 2 (a programmer error otherwise; user-facing
    ///   input should be validated with `ARIMAError.invalidOrder`).
    public init(p: Int, d: Int, q: Int) {
        precondition(p >= 0 && q >= 0 && (0...2).contains(d), "ARIMAOrder: need p, q ≥ 0 and 0 ≤ d ≤ 2, got (\(p), \(d), \(q))")
        self.p = p
        self.d = d
        self.q = q
    }

    /// `ARIMA(p,d,q)`.
    public var description: String { "ARIMA(\(p),\(d),\(q))" }

    /// Dimension r = max(p, q + 1) of the ARMA part of the state vector (Harvey's
    /// representation, as R's `arima`); the full state adds d lags of the level.
    public var armaStateDimension: Int { max(p, q + 1) }
}
