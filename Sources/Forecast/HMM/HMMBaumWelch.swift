import Foundation

/// Scaled Baum–Welch (EM) over concatenated training data: the engine of `HMM.fit`.
///
/// The continuous data are centred on their overall mean c (x' = x − c, μ' = μ − c; variances
/// and likelihoods are unchanged), and each row is stored as `[1 | x' | x'²]`, N × (1 + 2D).
///
/// E-step, per iteration (Rabiner 1989, §V.A "Scaling"; notation as there):
/// 1. Emissions once per (t, k): ℓ_tk = log b_k(o_t), m_t = max_k ℓ_tk,
///    b̃_tk = exp(ℓ_tk − m_t) ∈ [0, 1] (the shift keeps far-away observations from
///    underflowing in every state at once; it cancels in every posterior). The Gaussian
///    part is one GEMM: ℓ = [1 | x' | x'²]·W with W[0, k] = Σ_d (−½log(2πσ²_kd) − μ'²_kd/2σ²_kd),
///    W[1+d, k] = μ'_kd/σ²_kd, W[1+D+d, k] = −1/2σ²_kd (the expansion hmmlearn also uses;
///    centring keeps its cancellation error at ~1e-16·((x − μ)/σ)² for points near a state
///    mean, i.e. negligible wherever the state matters).
/// 2. Forward: α̂_t = (α̂_{t−1}·A) ∘ b̃_t / c_t with c_t the sum of the numerator (α̂_0 uses π).
///    log p(O) = Σ_t (log c_t + m_t), accumulated as a product of c_t kept in (mantissa,
///    binary exponent) form so it needs one `log` per E-step, not one per step.
/// 3. Backward with w_t = b̃_t ∘ β̂_t / c_t: β̂_T = 1, β̂_t = A·w_{t+1}; γ_t = α̂_t ∘ β̂_t.
///    Expected transitions Σ_t ξ_t(i, j) = A_ij · Σ_t α̂_t(i)·w_{t+1}(j): one GEMM
///    (K × (N−1))·((N−1) × K) over all sequences at once, since w is set to 0 at each
///    sequence start so pairs straddling two sequences contribute nothing.
/// 4. Σγ, Σγx', Σγx'² per state: one GEMM Γᵀ·[1 | x' | x'²] (K × N)·(N × (1 + 2D)).
/// Steps 2 and 3 advance all sequences in lockstep (see `forward`).
///
/// M-step (hmmlearn 0.3 `_do_mstep`, priors as in `HMMSpec`):
/// π ∝ Σ_sequences γ_0; A_i· ∝ Σ_t ξ_t(i, ·); μ'_k = Σγx' / Σγ;
/// σ²_k = max(floor, (prior + Σγx'² − 2μ'Σγx' + μ'²Σγ) / max(Σγ, 1e-5));
/// B_k· = (Σ_t γ_t(k)[o_t = ·] + α) / (Σγ + Mα). A state, row or symbol distribution with
/// zero expected count keeps its previous values (hmmlearn would produce NaN there).
///
/// Memory: four N × K buffers, one N × (1 + 2D) copy of the data, all allocated once per
/// fit; iterations allocate nothing. A class (not a value) because it owns raw buffers; it
/// never leaves the fit call that made it.
final class HMMBaumWelch {
    let data: HMMTrainingData
    let k: Int, n: Int, d: Int, m: Int, width: Int
    let varianceFloor: Double, variancePrior: Double, symbolPseudocount: Double

    // Current parameters.
    private let start: UnsafeMutablePointer<Double>        // K
    private let transition: UnsafeMutablePointer<Double>   // K × K
    private let symbolProbabilities: UnsafeMutablePointer<Double>  // K × M
    private let means: UnsafeMutablePointer<Double>        // K × D, centred (μ − c)
    private let variances: UnsafeMutablePointer<Double>    // K × D
    // Emission constants, refreshed at each E-step.
    private let emissionWeights: UnsafeMutablePointer<Double>   // (1 + 2D) × K: W
    private let logSymbol: UnsafeMutablePointer<Double>         // K × M: log B
    private let centre: [Double]                                // D: c
    // Data and lattices.
    private let x: UnsafeMutablePointer<Double>        // N × width, [1 | x' | x'²]
    private let symbols: UnsafeMutablePointer<Int32>   // N (M > 0)
    private let emission: UnsafeMutablePointer<Double> // N × K: b̃
    private let alpha: UnsafeMutablePointer<Double>    // N × K: α̂
    private let weighted: UnsafeMutablePointer<Double> // N × K: w
    private let gamma: UnsafeMutablePointer<Double>    // N × K: γ
    private let scale: UnsafeMutablePointer<Double>    // N: 1/c_t
    // Sufficient statistics.
    private let transitionStatistics: UnsafeMutablePointer<Double>  // K × K
    private let momentStatistics: UnsafeMutablePointer<Double>      // K × width
    private let symbolStatistics: UnsafeMutablePointer<Double>      // K × M
    private let startStatistics: UnsafeMutablePointer<Double>       // K

    private var allocations: [UnsafeMutableRawPointer] = []

    init(data: HMMTrainingData, states: Int, spec: HMMSpec) {
        self.data = data
        k = states
        n = data.totalSteps
        d = data.kind.dimension
        m = data.kind.symbolCount
        width = 1 + 2 * data.kind.dimension
        varianceFloor = spec.varianceFloor
        variancePrior = spec.variancePrior
        symbolPseudocount = spec.symbolPseudocount
        var owned: [UnsafeMutableRawPointer] = []
        func buffer(_ count: Int) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(1, count))
            p.initialize(repeating: 0, count: max(1, count))
            owned.append(UnsafeMutableRawPointer(p))
            return p
        }
        start = buffer(k); transition = buffer(k * k); symbolProbabilities = buffer(k * m)
        means = buffer(k * d); variances = buffer(k * d)
        emissionWeights = buffer(width * k); logSymbol = buffer(k * m)
        x = buffer(n * width)
        emission = buffer(n * k); alpha = buffer(n * k); weighted = buffer(n * k); gamma = buffer(n * k)
        scale = buffer(n)
        transitionStatistics = buffer(k * k); momentStatistics = buffer(k * width)
        symbolStatistics = buffer(k * m); startStatistics = buffer(k)
        symbols = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, n))
        symbols.initialize(repeating: 0, count: max(1, n))
        owned.append(UnsafeMutableRawPointer(symbols))
        allocations = owned
        var centre = [Double](repeating: 0, count: d)
        for t in 0..<n { for e in 0..<d { centre[e] += data.value(t, e) } }
        for e in 0..<d { centre[e] /= Double(max(1, n)) }
        self.centre = centre
        for t in 0..<n {
            let row = x + t * width
            row[0] = 1
            for e in 0..<d {
                let centred = data.value(t, e) - centre[e]
                row[1 + e] = centred
                row[1 + d + e] = centred * centred
            }
        }
        if m > 0 { data.symbols.withUnsafeBufferPointer { symbols.update(from: $0.baseAddress!, count: n) } }
    }

    deinit {
        for p in allocations { p.deallocate() }
    }

    // MARK: - Parameters in and out

    /// Loads parameters (their shapes must match the data's kind and `states`).
    func load(_ p: HMMParameters) {
        precondition(p.states == k && p.emission == data.kind, "HMMBaumWelch.load: parameters do not match the data")
        func copy(_ values: [Double], to target: UnsafeMutablePointer<Double>) {
            values.withUnsafeBufferPointer { if let base = $0.baseAddress { target.update(from: base, count: $0.count) } }
        }
        copy(p.startProbabilities, to: start)
        copy(p.transitionElements, to: transition)
        copy(p.symbolElements, to: symbolProbabilities)
        copy(p.meanElements, to: means)
        for j in 0..<k { for e in 0..<d { means[j * d + e] -= centre[e] } }
        copy(p.varianceElements, to: variances)
    }

    /// The current parameters as a value.
    func parameters() -> HMMParameters {
        HMMParameters(unchecked: Array(UnsafeBufferPointer(start: start, count: k)),
                      transition: Array(UnsafeBufferPointer(start: transition, count: k * k)),
                      symbolProbabilities: Array(UnsafeBufferPointer(start: symbolProbabilities, count: k * m)),
                      symbolCount: m,
                      means: (0..<(k * d)).map { means[$0] + centre[$0 % d] },
                      variances: Array(UnsafeBufferPointer(start: variances, count: k * d)),
                      dimension: d)
    }

    // MARK: - EM loop

    /// Runs EM from the loaded parameters.
    ///
    /// `history[i]` is the total log-likelihood after i M-steps (`history[0]`: the loaded
    /// parameters). With `tolerance > 0` the loop stops, without a further M-step, at the
    /// first iteration whose gain is below it (`converged`); otherwise after
    /// `maxIterations` M-steps, followed by one forward pass to score the final parameters.
    func run(maxIterations: Int, tolerance: Double) throws(HMMError) -> (history: [Double], converged: Bool) {
        var history: [Double] = []
        history.reserveCapacity(maxIterations + 1)
        for _ in 0..<maxIterations {
            let logLikelihood = try expectation(statistics: true)
            history.append(logLikelihood)
            if tolerance > 0, history.count >= 2, logLikelihood - history[history.count - 2] < tolerance {
                return (history, true)
            }
            maximisation()
        }
        history.append(try expectation(statistics: false))
        return (history, false)
    }

    // MARK: - E-step

    /// One E-step at the current parameters; returns log p(all sequences). With
    /// `statistics == false` only the forward pass runs (scoring).
    func expectation(statistics: Bool) throws(HMMError) -> Double {
        refreshEmissionConstants()
        let shiftSum = try computeScaledEmissions()
        let logLikelihood = try forward() + shiftSum
        if statistics {
            backward()
            accumulateStatistics()
        }
        return logLikelihood
    }

    private func refreshEmissionConstants() {
        let logTwoPi = log(2 * Double.pi)
        for j in 0..<k {
            var constant = 0.0
            for e in 0..<d {
                let v = variances[j * d + e], mu = means[j * d + e]
                constant -= 0.5 * (logTwoPi + log(v)) + 0.5 * mu * mu / v
                emissionWeights[(1 + e) * k + j] = mu / v
                emissionWeights[(1 + d + e) * k + j] = -0.5 / v
            }
            emissionWeights[j] = constant
            for s in 0..<m { logSymbol[j * m + s] = log(symbolProbabilities[j * m + s]) }
        }
    }

    /// Fills `emission` with b̃_tk = exp(ℓ_tk − m_t); returns Σ_t m_t. The Gaussian part is
    /// one GEMM; then per row the symbol term and the shift; then one flat, vectorisable
    /// loop of `hmmExpNonPositive` over all N × K values.
    private func computeScaledEmissions() throws(HMMError) -> Double {
        if d > 0 {
            BLAS.gemm(a: UnsafeMatrixView(baseAddress: x, rows: n, cols: width),
                      b: UnsafeMatrixView(baseAddress: emissionWeights, rows: width, cols: k),
                      c: UnsafeMutableMatrixView(baseAddress: emission, rows: n, cols: k))
        } else {
            emission.update(repeating: 0, count: n * k)
        }
        var shiftSum = 0.0
        for t in 0..<n {
            let row = emission + t * k
            if m > 0 {
                let logB = logSymbol + Int(symbols[t])
                for j in 0..<k { row[j] += logB[j * m] }
            }
            var largest = -Double.infinity
            for j in 0..<k { largest = max(largest, row[j]) }
            guard largest > -Double.infinity else {
                let (sequence, step) = data.locate(t)
                throw .zeroLikelihood(sequence: sequence, step: step)
            }
            for j in 0..<k { row[j] -= largest }
            shiftSum += largest
        }
        for i in 0..<(n * k) { emission[i] = hmmExpNonPositive(emission[i]) }
        return shiftSum
    }

    /// Scaled forward pass over every sequence; returns Σ_t log c_t.
    ///
    /// The sequences advance in lockstep (step t of every sequence, then step t + 1):
    /// each step is a short dependent chain (matrix–vector product, sum, division), and
    /// interleaving independent sequences lets the processor overlap them. The arithmetic
    /// per sequence is unchanged.
    private func forward() throws(HMMError) -> Double {
        var mantissa = 1.0, exponent = 0
        let starts = data.sequenceStarts, sequences = starts.count - 1
        let longest = (0..<sequences).reduce(0) { max($0, starts[$1 + 1] - starts[$1]) }
        for step in 0..<longest {
            for s in 0..<sequences where step < starts[s + 1] - starts[s] {
                let t = starts[s] + step
                let bt = emission + t * k, at = alpha + t * k
                var c = 0.0
                if step == 0 {
                    for j in 0..<k {
                        let v = start[j] * bt[j]
                        at[j] = v
                        c += v
                    }
                } else {
                    let previous = at - k
                    for j in 0..<k {
                        var predicted = 0.0
                        for i in 0..<k { predicted += previous[i] * transition[i * k + j] }
                        let v = predicted * bt[j]
                        at[j] = v
                        c += v
                    }
                }
                guard c > 0, c.isFinite else { throw .zeroLikelihood(sequence: s, step: step) }
                let inverse = 1 / c
                for j in 0..<k { at[j] *= inverse }
                scale[t] = inverse
                mantissa *= c
                exponent += mantissa.exponent
                mantissa = mantissa.significand
            }
        }
        return log(mantissa) + Double(exponent) * 0.693_147_180_559_945_309_417  // ln 2
    }

    /// Backward pass: fills γ and w (w = 0 at every sequence start). Lockstep over
    /// sequences from their ends, as `forward`. `scale` holds 1/c_t.
    private func backward() {
        let starts = data.sequenceStarts, sequences = starts.count - 1
        let longest = (0..<sequences).reduce(0) { max($0, starts[$1 + 1] - starts[$1]) }
        for back in 0..<longest {
            for s in 0..<sequences where back < starts[s + 1] - starts[s] {
                let t = starts[s + 1] - 1 - back
                let at = alpha + t * k, gt = gamma + t * k, wt = weighted + t * k
                if back == 0 {
                    // β̂_last = 1.
                    for j in 0..<k { gt[j] = at[j] }
                    if t > starts[s] {
                        let inverse = scale[t], bt = emission + t * k
                        for j in 0..<k { wt[j] = bt[j] * inverse }
                    } else {
                        for j in 0..<k { wt[j] = 0 }
                    }
                    continue
                }
                let wNext = wt + k
                if t > starts[s] {
                    let inverse = scale[t], bt = emission + t * k
                    for i in 0..<k {
                        var beta = 0.0
                        for j in 0..<k { beta += transition[i * k + j] * wNext[j] }
                        gt[i] = at[i] * beta
                        wt[i] = bt[i] * beta * inverse
                    }
                } else {
                    for i in 0..<k {
                        var beta = 0.0
                        for j in 0..<k { beta += transition[i * k + j] * wNext[j] }
                        gt[i] = at[i] * beta
                        wt[i] = 0
                    }
                }
            }
        }
    }

    private func accumulateStatistics() {
        // Σ_t α̂_t ⊗ w_{t+1}, then ∘ A.
        if n >= 2 {
            BLAS.gemm(a: UnsafeMatrixView(baseAddress: alpha, rows: n - 1, cols: k), transA: .transposed,
                      b: UnsafeMatrixView(baseAddress: weighted + k, rows: n - 1, cols: k),
                      c: UnsafeMutableMatrixView(baseAddress: transitionStatistics, rows: k, cols: k))
            for i in 0..<(k * k) { transitionStatistics[i] *= transition[i] }
        } else {
            for i in 0..<(k * k) { transitionStatistics[i] = 0 }
        }
        // Γᵀ·[1 | X | X²].
        BLAS.gemm(a: UnsafeMatrixView(baseAddress: gamma, rows: n, cols: k), transA: .transposed,
                  b: UnsafeMatrixView(baseAddress: x, rows: n, cols: width),
                  c: UnsafeMutableMatrixView(baseAddress: momentStatistics, rows: k, cols: width))
        if m > 0 {
            for i in 0..<(k * m) { symbolStatistics[i] = 0 }
            for t in 0..<n {
                let symbolOffset = Int(symbols[t]), gt = gamma + t * k
                for j in 0..<k { symbolStatistics[j * m + symbolOffset] += gt[j] }
            }
        }
        for j in 0..<k { startStatistics[j] = 0 }
        for s in 0..<(data.sequenceStarts.count - 1) {
            let g0 = gamma + data.sequenceStarts[s] * k
            for j in 0..<k { startStatistics[j] += g0[j] }
        }
    }

    // MARK: - M-step

    private func maximisation() {
        normaliseRow(startStatistics, into: start, count: k, pseudocount: 0)
        for i in 0..<k {
            normaliseRow(transitionStatistics + i * k, into: transition + i * k, count: k, pseudocount: 0)
        }
        for j in 0..<k {
            let moments = momentStatistics + j * width
            let occupancy = moments[0]
            if d > 0 && occupancy > 0 {
                for e in 0..<d {
                    let sum = moments[1 + e], sumOfSquares = moments[1 + d + e]
                    let mu = sum / occupancy
                    let numerator = variancePrior + sumOfSquares - 2 * mu * sum + mu * mu * occupancy
                    means[j * d + e] = mu
                    variances[j * d + e] = max(varianceFloor, numerator / max(occupancy, 1e-5))
                }
            }
            if m > 0 {
                normaliseRow(symbolStatistics + j * m, into: symbolProbabilities + j * m, count: m,
                             pseudocount: symbolPseudocount)
            }
        }
    }

    /// target ← (counts + α) / Σ(counts + α), unless that sum is 0 (then target is kept).
    private func normaliseRow(_ counts: UnsafeMutablePointer<Double>, into target: UnsafeMutablePointer<Double>,
                              count: Int, pseudocount: Double) {
        var total = 0.0
        for i in 0..<count { total += counts[i] + pseudocount }
        guard total > 0, total.isFinite else { return }
        let inverse = 1 / total
        for i in 0..<count { target[i] = (counts[i] + pseudocount) * inverse }
    }
}
