/// One (p, q) estimated on an `ARIMAProblem`, in the problem's scaled units.
struct ARMAEstimate {
    let p: Int
    let q: Int
    let ar: [Double]
    let ma: [Double]
    /// β' of the scaled problem (`ARIMAProblem.unscaled(beta:)` maps it back).
    let scaledBeta: [Double]
    /// The exact likelihood's profiled quantities at the final coefficients.
    let exact: ProfiledFit
    /// The CSS fit at the CSS optimum (nil for p = q = 0).
    let css: ProfiledFit?
    /// How the last optimisation ended (nil when there was nothing to optimise).
    let termination: OptimizationResult.Termination?
    /// Objective evaluations over both stages.
    let evaluations: Int
}

extension ARIMAProblem {
    /// Estimates ARMA(p, q) errors (on top of the problem's d and regressors).
    ///
    /// Stages, as R's and statsforecast's "CSS-ML": BFGS on the CSS objective from φ = θ = 0,
    /// then BFGS on the exact concentrated likelihood from the CSS optimum; with
    /// `secondStart` (or when that start fails) also from φ = θ = 0, keeping the better
    /// optimum (`ARIMASpec.multipleStarts`). Both stages work in the unconstrained
    /// parameterisation of `ARMAPolynomial`, so every iterate is stationary and invertible.
    /// Gradients are forward differences (p + q evaluations each), as scipy's BFGS in
    /// statsforecast. With `.conditionalSumOfSquares` the
    /// second stage is skipped and the exact likelihood is only evaluated at the CSS
    /// optimum. `cssOnly` skips the exact likelihood entirely (for the approximate search:
    /// `exact` then holds the CSS fit).
    ///
    /// Returns nil when no finite likelihood was found (should not happen for finite,
    /// non-constant data).
    func estimate(p: Int, q: Int, method: ARIMASpec.Estimation, options: BFGS.Options, secondStart: Bool,
                  cssOnly: Bool = false) -> ARMAEstimate? {
        let count = p + q
        let optimizer = BFGS(options: options)
        var evaluations = 0
        var termination: OptimizationResult.Termination? = nil
        var start = [Double](repeating: 0, count: count)
        var cssFit: ProfiledFit? = nil
        if count > 0 {
            let css = self.css
            let result = optimizer.minimize(from: start, gradient: .forward) { x in
                css.setUnconstrained(x, p: p, q: q)
                return css.conditionalSumOfSquares()?.objective ?? .infinity
            }
            evaluations += result.functionEvaluations
            termination = result.termination
            if result.value.isFinite { start = result.x }
            css.setUnconstrained(start, p: p, q: q)
            cssFit = css.conditionalSumOfSquares()
        }
        if cssOnly {
            guard let fit = cssFit ?? { css.setUnconstrained(start, p: p, q: q); return css.conditionalSumOfSquares() }()
            else { return nil }
            let (ar, ma) = ARIMAProblem.coefficients(start, p: p, q: q)
            return ARMAEstimate(p: p, q: q, ar: ar, ma: ma, scaledBeta: css.betaValues, exact: fit, css: fit,
                                termination: termination, evaluations: evaluations)
        }
        var final = start
        let exact = self.exact, exactStart = self.exactStart
        if count > 0 && method == .maximumLikelihood {
            func run(from x0: [Double]) -> OptimizationResult {
                optimizer.minimize(from: x0, gradient: .forward) { x in
                    exact.setUnconstrained(x, p: p, q: q)
                    return exact.exactLikelihood(start: exactStart)?.objective ?? .infinity
                }
            }
            var result = run(from: start)
            evaluations += result.functionEvaluations
            if (secondStart || !result.value.isFinite) && start.contains(where: { $0 != 0 }) {
                let other = run(from: [Double](repeating: 0, count: count))
                evaluations += other.functionEvaluations
                if !(result.value <= other.value) { result = other }
            }
            guard result.value.isFinite else { return nil }
            termination = result.termination
            final = result.x
        }
        exact.setUnconstrained(final, p: p, q: q)
        guard let fit = exact.exactLikelihood(start: exactStart) else { return nil }
        let (ar, ma) = ARIMAProblem.coefficients(final, p: p, q: q)
        return ARMAEstimate(p: p, q: q, ar: ar, ma: ma, scaledBeta: exact.betaValues, exact: fit, css: cssFit,
                            termination: termination, evaluations: evaluations)
    }

    /// φ and θ from unconstrained parameters (first p for AR, then q for MA).
    static func coefficients(_ x: [Double], p: Int, q: Int) -> (ar: [Double], ma: [Double]) {
        let ar = ARMAPolynomial.coefficients(fromUnconstrained: Array(x[0..<p]))
        let ma = ARMAPolynomial.coefficients(fromUnconstrained: Array(x[p..<(p + q)])).map { -$0 }
        return (ar, ma)
    }

    /// Evaluates the exact likelihood at given coefficients (β profiled unless the
    /// problem has no regressors); nil if it cannot be evaluated.
    func evaluate(ar: [Double], ma: [Double]) -> ProfiledFit? {
        exact.setARMA(phi: ar, theta: ma)
        return exact.exactLikelihood(start: exactStart)
    }
}

extension ARIMAWorkspace {
    /// Sets φ and θ from unconstrained parameters x (p AR then q MA values).
    func setUnconstrained(_ x: [Double], p: Int, q: Int) {
        let r = max(p, q + 1)
        // transformWork: [AR out (r) | MA out (r) | work (r)] ⊂ 4r doubles.
        let arOut = transformWork, maOut = transformWork + r, work = transformWork + 2 * r
        x.withUnsafeBufferPointer { xp in
            let base = xp.baseAddress ?? UnsafePointer(work)
            ARMAPolynomial.coefficients(fromUnconstrained: base, count: p, into: arOut, work: work)
            ARMAPolynomial.coefficients(fromUnconstrained: base + p, count: q, into: maOut, work: work)
        }
        for j in 0..<q { maOut[j] = -maOut[j] }
        setARMA(p: p, q: q, phi: arOut, theta: maOut)
    }

    /// β̂ of the latest profiled evaluation (columnCount − 1 values).
    var betaValues: [Double] { (0..<(columnCount - 1)).map { beta[$0] } }
}
