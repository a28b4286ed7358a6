/// What a hidden state emits at each step.
///
/// A workload step carries an execution-trace symbol (a span or event name mapped to
/// `0..<symbols`) and/or a vector of quantised usage (each resource scaled by its limit, so
/// 1.0 = at the limit). The product kind observes both; they are independent given the
/// state, so the step's log-density is the sum of the two parts:
///
///     log b_k(s, x) = log B[k, s] + Σ_d log 𝒩(x_d; μ_kd, σ²_kd)
public enum HMMEmissionKind: Sendable, Hashable, Codable, CustomStringConvertible {
    /// One symbol per step from an alphabet of `symbols` (≥ 1) values `0..<symbols`;
    /// state k emits symbol m with probability B[k, m].
    case categorical(symbols: Int)
    /// A `dimension`-vector (≥ 1) per step, diagonal Gaussian per state: 𝒩(μ_k, diag σ²_k).
    case gaussian(dimension: Int)
    /// Both a symbol and a vector per step, independent given the state.
    case product(symbols: Int, dimension: Int)

    /// Size of the symbol alphabet M; 0 when the kind emits no symbols.
    public var symbolCount: Int {
        switch self {
        case .categorical(let symbols), .product(let symbols, _): symbols
        case .gaussian: 0
        }
    }

    /// Dimension D of the continuous part; 0 when the kind emits no vectors.
    public var dimension: Int {
        switch self {
        case .gaussian(let dimension), .product(_, let dimension): dimension
        case .categorical: 0
        }
    }

    /// `true` when steps carry a symbol.
    public var hasSymbols: Bool { symbolCount > 0 }
    /// `true` when steps carry a continuous vector.
    public var hasValues: Bool { dimension > 0 }

    /// Free emission parameters per state: (M − 1) symbol probabilities plus D means and
    /// D variances.
    public var freeParametersPerState: Int {
        (hasSymbols ? symbolCount - 1 : 0) + 2 * dimension
    }

    /// The kind for an alphabet size and dimension (either may be 0, not both).
    static func from(symbols: Int, dimension: Int) -> HMMEmissionKind? {
        switch (symbols > 0, dimension > 0) {
        case (true, true): .product(symbols: symbols, dimension: dimension)
        case (true, false): .categorical(symbols: symbols)
        case (false, true): .gaussian(dimension: dimension)
        case (false, false): nil
        }
    }

    public var description: String {
        switch self {
        case .categorical(let m): "categorical (\(m) symbols)"
        case .gaussian(let d): "diagonal Gaussian (dimension \(d))"
        case .product(let m, let d): "categorical (\(m) symbols) × diagonal Gaussian (dimension \(d))"
        }
    }
}
