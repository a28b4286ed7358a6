/// The monotone quantile head and the pinball loss.
///
/// Head outputs come in groups of Q = quantiles.count, one group per (sequence, horizon
/// step, resource), index `((b·horizon + s)·resources + r)·Q + k`. Within a group the raw
/// outputs y₀…y_{Q−1} become quantile predictions
///
///     q₀ = y₀,   q_k = q_{k−1} + softplus(y_k)   (k ≥ 1),   softplus(y) = log(1 + eʸ) > 0,
///
/// so q₀ < q₁ < … for every input: the predicted quantiles never cross.
///
/// With `LSTMSpec.residualToLastValue` every quantile of resource r is then shifted by
/// the window's last scaled value of r, ℓ_r = x_{T−1, r} (`addLastValues`):
///
///     q₀ = ℓ_r + y₀,   q_k = q_{k−1} + softplus(y_k),
///
/// so y₀ = 0 is the naive forecast (the last value held). ℓ_r is an input, not a parameter,
/// and ∂q_k/∂y is the same with or without it: the loss gradient below is unchanged in
/// form (it reads the shifted quantiles).
///
/// Pinball (quantile) loss of level τ for target y and prediction q (Koenker & Bassett
/// 1978): ρ_τ(u) = max(τ·u, (τ − 1)·u) with u = y − q. The training loss is its mean over
/// every measured target (NaN targets are skipped) and every level:
///
///     L = (1 / (N·Q)) Σ_{measured (b,s,r)} Σ_k ρ_{τ_k}(y_{bsr} − q_{bsrk})
///
/// with N the number of measured targets (L = 0 when N = 0). Its subgradient in q is
/// −τ where u > 0 and 1 − τ where u ≤ 0 (at u = 0 either side is a valid subgradient).
enum LSTMQuantileHead {
    /// raw → quantiles for `groups` groups of `quantileCount` (may not alias).
    static func quantiles<Scalar: LSTMScalar>(
        raw: UnsafePointer<Scalar>, into out: UnsafeMutablePointer<Scalar>, rows groups: Int, quantileCount q: Int
    ) {
        // Softplus of every output in one flat pass (it vectorises; the first of each group
        // is then overwritten), then the running sums within each group.
        for i in 0..<(groups * q) { out[i] = Scalar.lstmSoftplus(raw[i]) }
        for n in 0..<groups {
            let qs = out + n * q
            qs[0] = raw[n * q]
            for k in 1..<max(q, 1) { qs[k] += qs[k - 1] }
        }
    }

    /// Adds the last values to the quantiles of ONE sequence: `out` holds its
    /// `groups = horizonSteps·resources` groups of `quantileCount` (group g is horizon step
    /// g / resources, resource g % resources), `lastInputs` its last input row, whose first
    /// `resources` entries are the resources' scaled values (`LSTMFeatureLayout.valueOffset`
    /// = 0). Every level of group g gets + lastInputs[g % resources].
    static func addLastValues<Scalar: LSTMScalar>(
        lastInputs: UnsafePointer<Scalar>, into out: UnsafeMutablePointer<Scalar>, groups: Int, resources: Int,
        quantileCount q: Int
    ) {
        for n in 0..<groups {
            let shift = lastInputs[LSTMFeatureLayout.valueOffset + n % resources], qs = out + n * q
            for k in 0..<q { qs[k] += shift }
        }
    }

    /// Sum of the pinball terms over the measured targets and the number N of measured
    /// targets, and writes ∂L/∂raw into `dRaw` for L = sum / (N·Q) (zero when N = 0).
    ///
    /// - Parameters:
    ///   - raw, quantiles: `groups·Q` head outputs and their quantiles (from `quantiles`).
    ///   - targets: `groups` scaled targets, NaN = not measured.
    ///   - levels: the Q quantile levels τ_k.
    static func loss<Scalar: LSTMScalar>(
        raw: UnsafePointer<Scalar>, quantiles qs: UnsafePointer<Scalar>, targets: UnsafePointer<Scalar>,
        levels: [Scalar], groups: Int, dRaw: UnsafeMutablePointer<Scalar>
    ) -> (sum: Double, measured: Int) {
        let q = levels.count
        var measured = 0
        for n in 0..<groups where !targets[n].isNaN { measured += 1 }
        let scale: Scalar = measured == 0 ? 0 : 1 / Scalar(measured * q)
        var sum = 0.0
        for n in 0..<groups {
            let y = targets[n], dq = dRaw + n * q
            guard !y.isNaN else {
                dq.update(repeating: 0, count: q)
                continue
            }
            // dq[k] ← ∂L/∂q_k first, then chained back to the raw outputs in place.
            for k in 0..<q {
                let tau = levels[k], u = y - qs[n * q + k]
                sum += Double(u > 0 ? tau * u : (tau - 1) * u)
                dq[k] = (u > 0 ? -tau : 1 - tau) * scale
            }
            // ∂L/∂y_m = σ(y_m)·Σ_{k ≥ m} ∂L/∂q_k for m ≥ 1 (softplus′ = σ), ∂L/∂y₀ = Σ_k ∂L/∂q_k.
            var suffix: Scalar = 0
            for k in stride(from: q - 1, through: 1, by: -1) {
                suffix += dq[k]
                dq[k] = suffix * Scalar.lstmSigmoid(raw[n * q + k])
            }
            dq[0] += suffix
        }
        return (sum, measured)
    }
}

extension LSTMWorkspace {
    /// Forward pass, pinball loss on `targets` and, when `gradient` is given, the backward
    /// pass: the whole training computation for the loaded minibatch.
    /// - Returns: the mean loss L (0 when no target is measured) and N, the measured targets.
    @discardableResult
    func lossAndGradient(
        parameters: UnsafePointer<Scalar>, levels: [Scalar], gradient: UnsafeMutablePointer<Scalar>?
    ) -> (loss: Double, measured: Int) {
        let q = levels.count
        forward(parameters: parameters, quantileCount: q)
        let groups = batch * layout.outputCount / q
        let (sum, measured) = LSTMQuantileHead.loss(
            raw: head, quantiles: outputs, targets: targets, levels: levels, groups: groups, dRaw: dHead)
        if let gradient { backward(parameters: parameters, gradient: gradient) }
        return (measured == 0 ? 0 : sum / Double(measured * q), measured)
    }
}
