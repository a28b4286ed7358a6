/// What a minimiser (`BFGS`) found and why it stopped.
public struct OptimizationResult: Sendable, Equatable {
    /// Why the iteration ended. The first three are convergence; the others say the
    /// point is the best found, not necessarily a minimum.
    public enum Termination: String, Sendable, Equatable, Codable {
        /// ‖∇f‖∞ fell to `Options.gradientTolerance`.
        case gradientTolerance
        /// An accepted step lowered f by a relative amount ≤ `Options.functionTolerance`.
        case functionTolerance
        /// An accepted step moved x by ≤ `Options.stepTolerance` (max norm).
        case stepTolerance
        /// `Options.maxIterations` line searches ran without meeting a tolerance.
        case maxIterations
        /// No step along the search direction (nor along −g) lowered f enough: usually
        /// the point is a minimum to within the gradient's accuracy (finite differences),
        /// or f is not smooth there.
        case lineSearchFailed
        /// f(x₀) was not finite; x₀ is returned unchanged.
        case nonFiniteStart

        /// `true` for the tolerance-based stops.
        public var isConverged: Bool {
            self == .gradientTolerance || self == .functionTolerance || self == .stepTolerance
        }
    }

    /// The final point, n elements.
    public let x: [Double]
    /// f(x).
    public let value: Double
    /// ∇f(x) (analytic or finite-difference, as used), n elements.
    public let gradient: [Double]
    /// The final inverse-Hessian approximation H ≈ ∇²f(x)⁻¹, row-major n × n; empty when
    /// the start was not finite. A rough curvature estimate (exact only for quadratics
    /// after n exact line searches): good enough for standard errors, not for tests.
    public let inverseHessian: [Double]
    /// Line searches performed.
    public let iterations: Int
    /// Evaluations of f, finite-difference ones included.
    public let functionEvaluations: Int
    public let termination: Termination

    public init(x: [Double], value: Double, gradient: [Double], inverseHessian: [Double], iterations: Int,
                functionEvaluations: Int, termination: Termination) {
        self.x = x
        self.value = value
        self.gradient = gradient
        self.inverseHessian = inverseHessian
        self.iterations = iterations
        self.functionEvaluations = functionEvaluations
        self.termination = termination
    }
}
