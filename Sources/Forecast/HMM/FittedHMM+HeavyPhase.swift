/// What the HMM adds to the risk: the probability that the workload's behaviour enters a
/// heavy phase soon, before the usage itself shows it.
///
/// With H the heavy states (`heavyStates`) and p the current posterior
/// P(state_t | o_0 … o_t), the probability of being in H at some step of t, t+1, …, t+h is
///
///     P(∃ s ∈ {0, …, h}: X_{t+s} ∈ H | p) = 1 − ‖ p_N · (A_NN)^h ‖₁
///
/// where p_N is p restricted to the non-heavy states N and A_NN is A restricted to N × N:
/// the "taboo" chain that is killed on entering H (Kemeny & Snell, Finite Markov Chains,
/// 1960, §3; first-passage probabilities). The surviving mass after h steps is the
/// probability of having avoided H at every step, including the current one, so being
/// heavy now counts (h = 0 gives P(X_t ∈ H)). Cost O(h·K²).
extension FittedHMM {
    /// P(the chain is in a heavy state now or within the next `h` steps | posterior).
    ///
    /// - Parameters:
    ///   - filtered: the current state posterior (K non-negative numbers; renormalised if
    ///     their sum is not 1, e.g. rounding in a stored posterior). Degenerate input — the
    ///     wrong length, a NaN, infinite or negative entry, or a sum of 0 — carries no
    ///     information and is replaced by π (the state distribution before any data), so
    ///     the result is always a probability (a posterior summing to 0 reaches here from
    ///     stored state, and the scorer must keep scoring; issue 12).
    ///   - h: horizon in steps; a negative h counts as 0.
    /// - Returns: a probability in [0, 1]; 0 when the model has no heavy state.
    public func heavyPhaseProbability(from filtered: [Double], withinSteps h: Int) -> Double {
        heavyPhaseProbabilities(from: filtered, horizonSteps: h)[max(0, h)]
    }

    /// The whole curve: element s (0 ≤ s ≤ `horizonSteps`) is
    /// `heavyPhaseProbability(from: filtered, withinSteps: s)`, non-decreasing in s. Same cost
    /// as the single value.
    public func heavyPhaseProbabilities(from filtered: [Double], horizonSteps: Int) -> [Double] {
        let k = states
        let horizonSteps = max(0, horizonSteps)
        var filtered = filtered
        var total = filtered.reduce(0, +)
        if filtered.count != k || !filtered.allSatisfy({ $0.isFinite && $0 >= 0 }) || !(total > 0 && total.isFinite) {
            filtered = parameters.startProbabilities
            total = filtered.reduce(0, +)
        }
        var curve = [Double](repeating: 0, count: horizonSteps + 1)
        guard !heavyStates.isEmpty else { return curve }
        var surviving = (0..<k).map { heavyMask[$0] ? 0 : filtered[$0] / total }
        var next = [Double](repeating: 0, count: k)
        for s in 0...horizonSteps {
            if s > 0 {
                for j in 0..<k { next[j] = 0 }
                for i in 0..<k where surviving[i] != 0 {
                    let p = surviving[i]
                    for j in 0..<k where !heavyMask[j] { next[j] += p * transition[i * k + j] }
                }
                swap(&surviving, &next)
            }
            curve[s] = min(1, max(0, 1 - surviving.reduce(0, +)))
        }
        return curve
    }

    /// p · A^h: the state distribution h steps after one with distribution p (h ≥ 0).
    public func propagate(_ p: [Double], steps h: Int) -> [Double] {
        let k = states
        precondition(p.count == k, "propagate: distribution has \(p.count) entries, the model \(k) states")
        var current = p, next = [Double](repeating: 0, count: k)
        for _ in 0..<max(0, h) {
            current.withUnsafeBufferPointer { c in
                transition.withUnsafeBufferPointer { a in
                    next.withUnsafeMutableBufferPointer { n in
                        Self.predict(from: c.baseAddress!, through: a.baseAddress!, into: n.baseAddress!, states: k)
                    }
                }
            }
            swap(&current, &next)
        }
        return current
    }
}
