/// How a gradient is approximated from values of f (Nocedal & Wright §8.1).
///
/// Steps are relative: hᵢ = c · max(1, |xᵢ|), with c = √ε ≈ 1.5e-8 for forward
/// differences (truncation O(h) balances rounding O(ε/h)) and c = ε^(1/3) ≈ 6.1e-6 for
/// central ones (truncation O(h²) against O(ε/h)), ε = 2⁻⁵². Expected relative accuracy
/// of each component: ~1e-8 forward, ~1e-11 central, for a well-scaled smooth f.
///
/// When f is not finite at x + hᵢeᵢ (the edge of its domain), the forward rule falls back
/// to the backward difference and the central rule to whichever one-sided difference is
/// finite; a component with no finite neighbour is set to 0 (that coordinate is frozen
/// for this step).
public enum FiniteDifference: String, Sendable, Equatable, Codable, CaseIterable {
    /// (f(x + hᵢeᵢ) − f(x)) / hᵢ: n evaluations per gradient.
    case forward
    /// (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / 2hᵢ: 2n evaluations per gradient.
    case central

    /// c in hᵢ = c · max(1, |xᵢ|).
    var relativeStep: Double {
        switch self {
        case .forward: Double.ulpOfOne.squareRoot()
        case .central: 6.055454452393343e-6  // (2⁻⁵²)^(1/3) = 2^(−52/3)
        }
    }
}

/// What `BFGS` needs from an objective: values, and gradients at points it evaluated.
protocol BFGSEvaluator {
    /// Evaluations of f so far (finite-difference ones included).
    var evaluations: Int { get }
    /// f(x).
    mutating func value(_ x: [Double]) -> Double
    /// ∇f(x) into `g`, given `value` = f(x) from an earlier call.
    mutating func gradient(_ x: [Double], value: Double, into g: inout [Double])
}

/// An objective that returns its gradient with its value; the gradient of the latest
/// evaluation is cached, so `gradient` at that point costs nothing. (The closure is stored
/// only for the duration of one `minimize` call, through `withoutActuallyEscaping`.)
struct BFGSAnalyticEvaluator: BFGSEvaluator {
    let objective: ([Double], inout [Double]) -> Double
    private(set) var evaluations = 0
    private var cachedX: [Double] = []
    private var cachedGradient: [Double] = []

    init(objective: @escaping ([Double], inout [Double]) -> Double) { self.objective = objective }

    mutating func value(_ x: [Double]) -> Double {
        evaluations += 1
        if cachedGradient.count != x.count { cachedGradient = [Double](repeating: 0, count: x.count) }
        let f = objective(x, &cachedGradient)
        cachedX = x
        return f
    }

    mutating func gradient(_ x: [Double], value: Double, into g: inout [Double]) {
        if x != cachedX { _ = self.value(x) }
        for i in g.indices { g[i] = cachedGradient[i] }
    }
}

/// Finite-difference gradients of a value-only objective.
struct BFGSFiniteDifferenceEvaluator: BFGSEvaluator {
    let f: ([Double]) -> Double
    let differencing: FiniteDifference
    /// A working copy of x that is perturbed one coordinate at a time.
    var scratch: [Double]
    private(set) var evaluations = 0

    init(f: @escaping ([Double]) -> Double, differencing: FiniteDifference, scratch: [Double]) {
        self.f = f
        self.differencing = differencing
        self.scratch = scratch
    }

    mutating func value(_ x: [Double]) -> Double {
        evaluations += 1
        return f(x)
    }

    mutating func gradient(_ x: [Double], value f0: Double, into g: inout [Double]) {
        let c = differencing.relativeStep
        for i in x.indices { scratch[i] = x[i] }
        for i in x.indices {
            // Make h exactly representable as the difference of two doubles.
            let xi = x[i]
            let step = c * max(1, abs(xi))
            scratch[i] = xi + step
            let hPlus = scratch[i] - xi
            let fPlus = probe()
            switch differencing {
            case .forward:
                if fPlus.isFinite {
                    g[i] = (fPlus - f0) / hPlus
                } else {
                    scratch[i] = xi - step
                    let hMinus = xi - scratch[i]
                    let fMinus = probe()
                    g[i] = fMinus.isFinite ? (f0 - fMinus) / hMinus : 0
                }
            case .central:
                scratch[i] = xi - step
                let hMinus = xi - scratch[i]
                let fMinus = probe()
                switch (fPlus.isFinite, fMinus.isFinite) {
                case (true, true): g[i] = (fPlus - fMinus) / (hPlus + hMinus)
                case (true, false): g[i] = (fPlus - f0) / hPlus
                case (false, true): g[i] = (f0 - fMinus) / hMinus
                case (false, false): g[i] = 0
                }
            }
            scratch[i] = xi
        }
    }

    private mutating func probe() -> Double {
        evaluations += 1
        return f(scratch)
    }
}
