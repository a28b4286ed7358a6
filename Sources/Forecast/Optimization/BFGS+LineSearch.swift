/// A line search for the strong Wolfe conditions along a descent direction p from x
/// (Nocedal & Wright, Algorithms 3.5 "line search" and 3.6 "zoom"):
///
///     φ(α) = f(x + α·p),   φ(α) ≤ φ(0) + c₁·α·φ'(0)   and   |φ'(α)| ≤ c₂·|φ'(0)|.
///
/// Gradients are asked for only at trial points that already satisfy sufficient decrease,
/// so with finite-difference gradients a rejected trial costs one evaluation, not n + 1.
/// Inside the bracket, trials are the minimiser of the quadratic through φ(lo), φ'(lo)
/// and φ(hi), safeguarded to the middle 80% of the bracket; a non-finite φ(hi) (outside
/// f's domain) falls back to bisection.
///
/// If the evaluation budget runs out after some trial met sufficient decrease but not the
/// curvature condition, that trial is accepted anyway (the BFGS update then checks
/// curvature itself); with no such trial the search fails.
struct BFGSLineSearch {
    let options: BFGS.Options
    let x: [Double]
    let direction: [Double]
    /// φ(0) = f(x).
    let value0: Double
    /// φ'(0) = ∇f(x)ᵀp < 0.
    let slope0: Double
    private var evaluationsLeft: Int

    init(options: BFGS.Options, x: [Double], direction: [Double], value: Double, slope: Double) {
        self.options = options
        self.x = x
        self.direction = direction
        self.value0 = value
        self.slope0 = slope
        self.evaluationsLeft = options.maxLineSearchEvaluations
    }

    /// Runs the search from step `initialStep` > 0. On success `xOut` holds the accepted
    /// point and `gradient` its gradient.
    mutating func run<E: BFGSEvaluator>(
        initialStep: Double, evaluator: inout E, x xOut: inout [Double], gradient: inout [Double]
    ) -> (found: Bool, value: Double) {
        guard slope0 < 0, slope0.isFinite else { return (false, value0) }
        var previousStep = 0.0, previousValue = value0, previousSlope = slope0
        var step = initialStep
        var first = true
        while evaluationsLeft > 0 {
            let value = phi(step, evaluator: &evaluator, x: &xOut)
            if !value.isFinite || value > value0 + options.armijo * step * slope0 || (!first && value >= previousValue) {
                return zoom(lo: (previousStep, previousValue, previousSlope), hi: (step, value),
                            evaluator: &evaluator, x: &xOut, gradient: &gradient)
            }
            let slope = derivative(step, value: value, evaluator: &evaluator, x: &xOut, gradient: &gradient)
            if abs(slope) <= -options.curvature * slope0 { return (true, value) }
            if slope >= 0 {
                return zoom(lo: (step, value, slope), hi: (previousStep, previousValue),
                            evaluator: &evaluator, x: &xOut, gradient: &gradient)
            }
            (previousStep, previousValue, previousSlope) = (step, value, slope)
            step *= 2
            first = false
        }
        // Budget spent while still extrapolating: the last point met sufficient decrease.
        return accept(previousStep, value: previousValue, evaluator: &evaluator, x: &xOut, gradient: &gradient)
    }

    /// Algorithm 3.6: shrinks [lo, hi] (either order) until a trial meets both conditions.
    /// `lo` met sufficient decrease and has the lowest value so far (its slope is known);
    /// `hi` did not, or lies past a minimum.
    private mutating func zoom<E: BFGSEvaluator>(
        lo start: (step: Double, value: Double, slope: Double), hi end: (step: Double, value: Double),
        evaluator: inout E, x xOut: inout [Double], gradient: inout [Double]
    ) -> (found: Bool, value: Double) {
        var lo = start
        var hi = end
        while evaluationsLeft > 0 {
            let width = hi.step - lo.step
            if abs(width) <= 1e-16 * max(abs(lo.step), abs(hi.step)) { break }
            var trial = lo.step + 0.5 * width
            if hi.value.isFinite {
                // Minimiser of q(α) with q(lo) = φ(lo), q'(lo) = φ'(lo), q(hi) = φ(hi).
                let curvature = hi.value - lo.value - lo.slope * width
                if curvature > 0 { trial = lo.step - lo.slope * width * width / (2 * curvature) }
            }
            let a = lo.step + 0.1 * width, b = lo.step + 0.9 * width
            trial = min(max(trial, min(a, b)), max(a, b))

            let value = phi(trial, evaluator: &evaluator, x: &xOut)
            if !value.isFinite || value > value0 + options.armijo * trial * slope0 || value >= lo.value {
                hi = (trial, value)
                continue
            }
            let slope = derivative(trial, value: value, evaluator: &evaluator, x: &xOut, gradient: &gradient)
            if abs(slope) <= -options.curvature * slope0 { return (true, value) }
            if slope * (hi.step - lo.step) >= 0 { hi = (lo.step, lo.value) }
            lo = (trial, value, slope)
        }
        return accept(lo.step, value: lo.value, evaluator: &evaluator, x: &xOut, gradient: &gradient)
    }

    /// Falls back to a point that met sufficient decrease (step > 0), if there is one.
    private mutating func accept<E: BFGSEvaluator>(
        _ step: Double, value: Double, evaluator: inout E, x xOut: inout [Double], gradient: inout [Double]
    ) -> (found: Bool, value: Double) {
        guard step > 0, value < value0 else { return (false, value0) }
        setPoint(step, x: &xOut)
        evaluator.gradient(xOut, value: value, into: &gradient)
        return (true, value)
    }

    private mutating func phi<E: BFGSEvaluator>(_ step: Double, evaluator: inout E, x xOut: inout [Double]) -> Double {
        evaluationsLeft -= 1
        setPoint(step, x: &xOut)
        let value = evaluator.value(xOut)
        return value.isNaN ? .infinity : value
    }

    private func derivative<E: BFGSEvaluator>(
        _ step: Double, value: Double, evaluator: inout E, x xOut: inout [Double], gradient: inout [Double]
    ) -> Double {
        evaluator.gradient(xOut, value: value, into: &gradient)
        return BFGS.dot(gradient, direction)
    }

    private func setPoint(_ step: Double, x xOut: inout [Double]) {
        for i in x.indices { xOut[i] = x[i] + step * direction[i] }
    }
}
