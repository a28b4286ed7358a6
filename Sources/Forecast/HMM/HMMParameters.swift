/// The numbers that define an HMM with K states: where it starts, how it moves, what each
/// state emits.
///
/// * `startProbabilities` π (K): P(state_0 = k).
/// * `transitionProbabilities` A (K × K, row-major): A[i, j] = P(state_{t+1} = j | state_t = i).
/// * `symbolProbabilities` B (K × M) for symbol emissions: B[k, m] = P(symbol m | state k).
/// * `means` μ and `variances` σ² (K × D each) for diagonal-Gaussian emissions.
///
/// Every probability vector (π, each row of A and B) is non-negative and sums to 1; the
/// initialiser renormalises rows whose sum is off by more than 1e-12 but within 1e-6
/// (rounding in a file or a peer's output) and refuses anything further off. Rows within
/// 1e-12 are kept bit for bit, so a stored model decodes to exactly the same numbers.
public struct HMMParameters: Sendable, Equatable, Codable {
    public let startProbabilities: [Double]
    public let transitionProbabilities: Matrix<Double>
    public let symbolProbabilities: Matrix<Double>?
    public let means: Matrix<Double>?
    public let variances: Matrix<Double>?

    /// - Throws: `HMMError.invalidParameters` naming the offending shape or entry.
    public init(
        startProbabilities: [Double],
        transitionProbabilities: Matrix<Double>,
        symbolProbabilities: Matrix<Double>? = nil,
        means: Matrix<Double>? = nil,
        variances: Matrix<Double>? = nil
    ) throws(HMMError) {
        let k = startProbabilities.count
        guard k >= 1 else { throw .invalidParameters("there must be at least one state (π is empty)") }
        guard transitionProbabilities.rows == k, transitionProbabilities.cols == k else {
            throw .invalidParameters("π has \(k) states but A is \(transitionProbabilities.rows)×\(transitionProbabilities.cols)")
        }
        guard symbolProbabilities != nil || means != nil else {
            throw .invalidParameters("no emission parameters: give symbolProbabilities, means and variances, or both")
        }
        guard (means == nil) == (variances == nil) else {
            throw .invalidParameters("means and variances come together (one of them is missing)")
        }
        self.startProbabilities = try Self.normalised(startProbabilities, what: "π")
        var a = transitionProbabilities.compacted()
        for i in 0..<k { try Self.normaliseRow(&a, i, what: "row \(i) of A") }
        self.transitionProbabilities = a
        if var b = symbolProbabilities?.compacted() {
            guard b.rows == k, b.cols >= 1 else {
                throw .invalidParameters("B is \(b.rows)×\(b.cols); it must be \(k) × (alphabet size ≥ 1)")
            }
            for i in 0..<k { try Self.normaliseRow(&b, i, what: "row \(i) of B") }
            self.symbolProbabilities = b
        } else {
            self.symbolProbabilities = nil
        }
        if let mu = means?.compacted(), let v = variances?.compacted() {
            guard mu.rows == k, mu.cols >= 1, v.rows == k, v.cols == mu.cols else {
                throw .invalidParameters("means are \(mu.rows)×\(mu.cols) and variances \(v.rows)×\(v.cols); "
                    + "both must be \(k) × (dimension ≥ 1)")
            }
            if let bad = mu.storage.firstIndex(where: { !$0.isFinite }) {
                throw .invalidParameters("mean [\(bad / mu.cols), \(bad % mu.cols)] is \(mu.storage[bad]); means must be finite")
            }
            if let bad = v.storage.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
                throw .invalidParameters("variance [\(bad / v.cols), \(bad % v.cols)] is \(v.storage[bad]); "
                    + "variances must be positive and finite")
            }
            self.means = mu
            self.variances = v
        } else {
            self.means = nil
            self.variances = nil
        }
    }

    /// Number of states K.
    public var states: Int { startProbabilities.count }

    /// The emission kind these parameters describe.
    public var emission: HMMEmissionKind {
        HMMEmissionKind.from(symbols: symbolProbabilities?.cols ?? 0, dimension: means?.cols ?? 0)!
    }

    /// Free parameters: (K − 1) for π, K(K − 1) for A, K(M − 1) for B, 2KD for μ and σ²
    /// (the count hmmlearn's `bic` uses for diagonal GaussianHMM and CategoricalHMM).
    public var freeParameterCount: Int { HMM.freeParameterCount(states: states, emission: emission) }

    private static func normalised(_ p: [Double], what: String) throws(HMMError) -> [Double] {
        if let bad = p.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw .invalidParameters("\(what)[\(bad)] is \(p[bad]); probabilities must be finite and ≥ 0")
        }
        let sum = p.reduce(0, +)
        guard abs(sum - 1) <= 1e-6 else {
            throw .invalidParameters("\(what) sums to \(sum); probabilities must sum to 1")
        }
        return abs(sum - 1) <= 1e-12 ? p : p.map { $0 / sum }
    }

    private static func normaliseRow(_ m: inout Matrix<Double>, _ i: Int, what: String) throws(HMMError) {
        let cols = m.cols
        let row = try normalised(Array(m.storage[(i * cols)..<((i + 1) * cols)]), what: what)
        m.storage.replaceSubrange((i * cols)..<((i + 1) * cols), with: row)
    }
}
