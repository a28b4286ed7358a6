extension HMMParameters {
    /// Builds parameters from arrays the fit produced itself (already stochastic and
    /// positive), skipping the checks of the public initialiser. Row-major flat arrays:
    /// `transition` K × K, `symbolProbabilities` K × M (empty when M = 0), `means` and
    /// `variances` K × D (empty when D = 0).
    init(unchecked start: [Double], transition: [Double], symbolProbabilities: [Double], symbolCount: Int,
         means: [Double], variances: [Double], dimension: Int) {
        let k = start.count
        self.startProbabilities = start
        self.transitionProbabilities = Matrix(rows: k, cols: k, storage: transition)
        self.symbolProbabilities = symbolCount > 0 ? Matrix(rows: k, cols: symbolCount, storage: symbolProbabilities) : nil
        self.means = dimension > 0 ? Matrix(rows: k, cols: dimension, storage: means) : nil
        self.variances = dimension > 0 ? Matrix(rows: k, cols: dimension, storage: variances) : nil
    }

    /// A row-major K × K copy of A.
    var transitionElements: [Double] { transitionProbabilities.elements }
    /// A row-major K × M copy of B, or `[]`.
    var symbolElements: [Double] { symbolProbabilities?.elements ?? [] }
    /// A row-major K × D copy of μ, or `[]`.
    var meanElements: [Double] { means?.elements ?? [] }
    /// A row-major K × D copy of σ², or `[]`.
    var varianceElements: [Double] { variances?.elements ?? [] }
}
