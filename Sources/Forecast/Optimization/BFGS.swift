/// Unconstrained quasi-Newton minimisation: BFGS with a strong-Wolfe line search
/// (Nocedal & Wright, *Numerical Optimization*, 2nd ed., Algorithm 6.1 with the line search
/// of Algorithms 3.5–3.6).
///
/// The minimiser keeps an approximation H ≈ ∇²f⁻¹ (row-major n × n) and steps along
/// p = −H·g. After the first accepted step H₀ is rescaled to (sᵀy / yᵀy)·I (N&W eq. 6.20),
/// which makes the first trial step of later iterations (α = 1) well sized whatever the
/// scale of f. The update
///
///     H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ,   ρ = 1 / (yᵀs),   s = x₊ − x, y = g₊ − g
///
/// is skipped when the curvature yᵀs is not safely positive (a non-Wolfe step after a
/// line-search fallback), so H stays positive definite.
///
/// Objectives may return `+∞` or NaN for points outside their domain (an ARMA polynomial
/// that is not stationary, a singular covariance): the line search treats such a trial as
/// "too far" and shortens the step. A non-finite value at the *start* stops at once with
/// `.nonFiniteStart`.
///
/// The minimiser is a value with its options; it holds no state between calls and is
/// `Sendable`. Work per iteration is O(n²) plus the function and gradient evaluations.
public struct BFGS: Sendable, Equatable {
    /// Stopping rules and line-search constants.
    public struct Options: Sendable, Equatable, Codable {
        /// Iteration cap (one iteration = one line search); 100 as R's `optim` and
        /// statsforecast's ARIMA use.
        public var maxIterations: Int
        /// Stop when ‖g‖∞ ≤ `gradientTolerance`. Absolute: scale the objective so that its
        /// gradient is O(1) (e.g. a log-likelihood divided by the number of observations).
        public var gradientTolerance: Double
        /// Stop when an accepted step lowers f by at most
        /// `functionTolerance · max(|f|, |f₊|, 1)`. 1e-12 ≈ 4500 ulp: below that a
        /// finite-difference gradient (relative error ~1e-8) cannot steer anyway.
        public var functionTolerance: Double
        /// Stop when an accepted step has ‖s‖∞ ≤ `stepTolerance`.
        public var stepTolerance: Double
        /// Sufficient-decrease (Armijo) constant c₁ of the strong Wolfe conditions, 0 < c₁ < c₂ < 1.
        public var armijo: Double
        /// Curvature constant c₂ of the strong Wolfe conditions; 0.9 is the usual quasi-Newton choice.
        public var curvature: Double
        /// Evaluations allowed per line search before it gives up.
        public var maxLineSearchEvaluations: Int

        public init(
            maxIterations: Int = 100, gradientTolerance: Double = 1e-6, functionTolerance: Double = 1e-12,
            stepTolerance: Double = 1e-10, armijo: Double = 1e-4, curvature: Double = 0.9,
            maxLineSearchEvaluations: Int = 30
        ) {
            self.maxIterations = maxIterations
            self.gradientTolerance = gradientTolerance
            self.functionTolerance = functionTolerance
            self.stepTolerance = stepTolerance
            self.armijo = armijo
            self.curvature = curvature
            self.maxLineSearchEvaluations = maxLineSearchEvaluations
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        precondition(options.maxIterations >= 0, "BFGS: maxIterations must be ≥ 0, got \(options.maxIterations)")
        precondition(0 < options.armijo && options.armijo < options.curvature && options.curvature < 1,
                     "BFGS: need 0 < armijo (\(options.armijo)) < curvature (\(options.curvature)) < 1")
        precondition(options.maxLineSearchEvaluations >= 1, "BFGS: maxLineSearchEvaluations must be ≥ 1")
        self.options = options
    }

    /// Minimises f with an analytic gradient.
    ///
    /// - Parameters:
    ///   - x0: starting point, n ≥ 0 elements (n = 0 returns at once with f(x0)).
    ///   - objective: returns f(x) and writes ∇f(x) into its `gradient` argument (already
    ///     sized n). It may return `+∞`/NaN outside f's domain.
    public func minimize(
        from x0: [Double], _ objective: (_ x: [Double], _ gradient: inout [Double]) -> Double
    ) -> OptimizationResult {
        withoutActuallyEscaping(objective) { objective in
            var driver = BFGSAnalyticEvaluator(objective: objective)
            return run(from: x0, evaluator: &driver)
        }
    }

    /// Minimises f with a finite-difference gradient (`FiniteDifference`): each gradient
    /// costs n (forward) or 2n (central) extra evaluations of f.
    public func minimize(
        from x0: [Double], gradient differencing: FiniteDifference = .forward, _ f: (_ x: [Double]) -> Double
    ) -> OptimizationResult {
        withoutActuallyEscaping(f) { f in
            var driver = BFGSFiniteDifferenceEvaluator(f: f, differencing: differencing, scratch: x0)
            return run(from: x0, evaluator: &driver)
        }
    }

    // MARK: - The iteration

    private func run<E: BFGSEvaluator>(from x0: [Double], evaluator: inout E) -> OptimizationResult {
        let n = x0.count
        var x = x0
        var g = [Double](repeating: 0, count: n)
        var f = evaluator.value(x)
        guard f.isFinite else {
            return OptimizationResult(x: x, value: f, gradient: g, inverseHessian: [], iterations: 0,
                                      functionEvaluations: evaluator.evaluations, termination: .nonFiniteStart)
        }
        evaluator.gradient(x, value: f, into: &g)
        var h = identity(n)
        var hIsIdentity = true
        var p = [Double](repeating: 0, count: n)
        var xNew = x, gNew = g, s = x, yv = x, hy = x
        var iteration = 0
        var termination = OptimizationResult.Termination.maxIterations

        while true {
            if BFGS.infinityNorm(g) <= options.gradientTolerance { termination = .gradientTolerance; break }
            if iteration >= options.maxIterations { termination = .maxIterations; break }
            iteration += 1

            // p = −H g; fall back to steepest descent when H lost positive definiteness.
            multiply(h, g, into: &p, n: n, negate: true)
            var slope = BFGS.dot(g, p)
            if !(slope < 0) {
                h = identity(n); hIsIdentity = true
                for i in 0..<n { p[i] = -g[i] }
                slope = BFGS.dot(g, p)
            }
            // First trial step: 1 for a scaled H; on the identity, a step of length
            // ≈ min(1, 1/‖g‖∞) in x so a steep start cannot fling x far outside the domain.
            let initialStep = hIsIdentity ? min(1, 1 / max(BFGS.infinityNorm(g), 1e-300)) : 1
            var search = BFGSLineSearch(options: options, x: x, direction: p, value: f, slope: slope)
            var accepted = search.run(initialStep: initialStep, evaluator: &evaluator, x: &xNew, gradient: &gNew)
            if !accepted.found && !hIsIdentity {
                // Retry once along steepest descent before giving up.
                h = identity(n); hIsIdentity = true
                for i in 0..<n { p[i] = -g[i] }
                search = BFGSLineSearch(options: options, x: x, direction: p, value: f, slope: BFGS.dot(g, p))
                accepted = search.run(initialStep: min(1, 1 / max(BFGS.infinityNorm(g), 1e-300)), evaluator: &evaluator,
                                      x: &xNew, gradient: &gNew)
            }
            guard accepted.found else { termination = .lineSearchFailed; break }

            for i in 0..<n {
                s[i] = xNew[i] - x[i]
                yv[i] = gNew[i] - g[i]
            }
            let decrease = f - accepted.value
            let scale = max(abs(f), abs(accepted.value), 1)
            x = xNew; g = gNew; f = accepted.value

            let sy = BFGS.dot(s, yv)
            let yy = BFGS.dot(yv, yv)
            if sy > 1e-10 * (BFGS.dot(s, s).squareRoot() * yy.squareRoot()) && sy > 0 {
                if hIsIdentity {
                    let gamma = sy / yy
                    for i in 0..<(n * n) { h[i] *= gamma }
                    hIsIdentity = false
                }
                bfgsUpdate(&h, s: s, y: yv, hy: &hy, rho: 1 / sy, n: n)
            }
            if decrease <= options.functionTolerance * scale { termination = .functionTolerance; break }
            if BFGS.infinityNorm(s) <= options.stepTolerance { termination = .stepTolerance; break }
        }
        return OptimizationResult(x: x, value: f, gradient: g, inverseHessian: h, iterations: iteration,
                                  functionEvaluations: evaluator.evaluations, termination: termination)
    }

    private func identity(_ n: Int) -> [Double] {
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n { m[i * n + i] = 1 }
        return m
    }
}

// MARK: - Small dense kernels (n is the number of parameters, ≲ 20: plain loops beat BLAS calls)

extension BFGS {
    /// ‖v‖∞; 0 for an empty vector, NaN if any element is NaN.
    @inline(__always) static func infinityNorm(_ v: [Double]) -> Double {
        var m = 0.0
        for x in v {
            if x.isNaN { return .nan }
            m = max(m, abs(x))
        }
        return m
    }

    /// aᵀb.
    @inline(__always) static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }
}

/// out = ±H·v for a row-major n × n H.
@inline(__always) private func multiply(_ h: [Double], _ v: [Double], into out: inout [Double], n: Int, negate: Bool) {
    for i in 0..<n {
        var s = 0.0
        for j in 0..<n { s += h[i * n + j] * v[j] }
        out[i] = negate ? -s : s
    }
}

/// The BFGS inverse update in its expanded symmetric form:
/// H₊ = H − ρ(s(Hy)ᵀ + (Hy)sᵀ) + (ρ²·yᵀHy + ρ)·s sᵀ.
private func bfgsUpdate(_ h: inout [Double], s: [Double], y: [Double], hy: inout [Double], rho: Double, n: Int) {
    multiply(h, y, into: &hy, n: n, negate: false)
    let yhy = BFGS.dot(y, hy)
    let c = rho * rho * yhy + rho
    for i in 0..<n {
        for j in 0..<n {
            h[i * n + j] += -rho * (s[i] * hy[j] + hy[i] * s[j]) + c * s[i] * s[j]
        }
    }
}
