import Foundation
import Testing

@testable import Forecast

// The quasi-Newton optimiser (Sources/Forecast/Optimization/), tested here with its first
// user. Tolerances: the minimisers are known in closed form; the optimiser stops at
// ‖g‖∞ ≤ gradientTolerance, so |x − x*| ≲ ‖∇²f⁻¹‖·gtol, and each bound below is that
// estimate with a 10–100× margin (finite differences add ~1e-8 relative gradient error).
@Suite("BFGS")
struct BFGSTests {
    /// Rosenbrock's banana, minimum 0 at (1, 1): the classic curved valley.
    static func rosenbrock(_ x: [Double]) -> Double {
        let a = 1 - x[0], b = x[1] - x[0] * x[0]
        return a * a + 100 * b * b
    }

    @Test("Rosenbrock with an analytic gradient")
    func rosenbrockAnalytic() {
        let result = BFGS(options: .init(maxIterations: 200, gradientTolerance: 1e-10)).minimize(from: [-1.2, 1]) { x, g in
            g[0] = -2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] * x[0])
            g[1] = 200 * (x[1] - x[0] * x[0])
            return BFGSTests.rosenbrock(x)
        }
        #expect(result.termination.isConverged, "\(result.termination)")
        #expect(abs(result.x[0] - 1) < 1e-8 && abs(result.x[1] - 1) < 1e-8, "\(result.x)")
        #expect(result.iterations < 60, "took \(result.iterations) iterations")
    }

    @Test("Rosenbrock with finite differences", arguments: FiniteDifference.allCases)
    func rosenbrockNumerical(differencing: FiniteDifference) {
        let result = BFGS(options: .init(maxIterations: 200, gradientTolerance: 1e-6))
            .minimize(from: [-1.2, 1], gradient: differencing, BFGSTests.rosenbrock)
        #expect(result.value < 1e-10, "\(differencing): f = \(result.value) at \(result.x)")
        #expect(abs(result.x[0] - 1) < 1e-4 && abs(result.x[1] - 1) < 1e-4)
    }

    @Test("a quadratic is solved exactly and H approaches the inverse Hessian")
    func quadratic() {
        // f = ½ xᵀ A x − bᵀx, A = [[4, 1], [1, 3]], minimiser A⁻¹b.
        let b = [1.0, 2.0]
        let result = BFGS(options: .init(gradientTolerance: 1e-12)).minimize(from: [0, 0]) { x, g in
            g[0] = 4 * x[0] + x[1] - b[0]
            g[1] = x[0] + 3 * x[1] - b[1]
            return 0.5 * (4 * x[0] * x[0] + 2 * x[0] * x[1] + 3 * x[1] * x[1]) - b[0] * x[0] - b[1] * x[1]
        }
        let expected = [1.0 / 11, 7.0 / 11]
        #expect(abs(result.x[0] - expected[0]) < 1e-10 && abs(result.x[1] - expected[1]) < 1e-10)
        let inverse = [3.0 / 11, -1.0 / 11, -1.0 / 11, 4.0 / 11]
        #expect(arimaMaxAbsoluteError(result.inverseHessian, inverse) < 1e-6, "\(result.inverseHessian)")
    }

    @Test("points outside the domain (+∞ or NaN) shorten the step instead of failing")
    func domainEdges() {
        // f = −log(1 − x²) + x, defined on (−1, 1); f' = 2x/(1 − x²) + 1 = 0 at x = 1 − √2.
        let f: ([Double]) -> Double = { x in
            abs(x[0]) < 1 ? -log(1 - x[0] * x[0]) + x[0] : (x[0] > 2 ? .nan : .infinity)
        }
        let result = BFGS().minimize(from: [0.9], gradient: .central, f)
        #expect(abs(result.x[0] - (1 - 2.0.squareRoot())) < 1e-6, "\(result.x) \(result.termination)")
        let start = BFGS().minimize(from: [1.5], f)
        #expect(start.termination == .nonFiniteStart && start.x == [1.5])
    }

    @Test("zero parameters and an already optimal start")
    func trivialCases() {
        let empty = BFGS().minimize(from: []) { _ in 3.0 }
        #expect(empty.value == 3 && empty.termination == .gradientTolerance && empty.iterations == 0)
        let optimal = BFGS().minimize(from: [2]) { x, g in
            g[0] = 2 * (x[0] - 2)
            return (x[0] - 2) * (x[0] - 2)
        }
        #expect(optimal.iterations == 0 && optimal.x == [2])
    }

    @Test("the iteration cap is honoured")
    func iterationCap() {
        let result = BFGS(options: .init(maxIterations: 3, gradientTolerance: 0, functionTolerance: 0, stepTolerance: 0))
            .minimize(from: [-1.2, 1], gradient: .forward, BFGSTests.rosenbrock)
        #expect(result.termination == .maxIterations && result.iterations == 3)
    }
}

@Suite("ARMA polynomials")
struct ARMAPolynomialTests {
    @Test("the partial-autocorrelation map is a bijection onto the stationary region")
    func transformRoundTrip() {
        var generator = SeededGenerator(seed: 5)
        for p in 1...5 {
            for _ in 0..<20 {
                let x = (0..<p).map { _ in 2 * generator.nextNormal() }
                let phi = ARMAPolynomial.coefficients(fromUnconstrained: x)
                #expect(ARMAPolynomial.isStationary(phi))
                let back = try! #require(ARMAPolynomial.unconstrained(fromCoefficients: phi))
                #expect(arimaMaxAbsoluteError(back, x) < 1e-8 * max(1, x.map(abs).max()!), "p = \(p): \(x) → \(phi) → \(back)")
            }
        }
    }

    @Test("stationarity with a root margin matches the roots")
    func rootMargins() {
        // 1 − 1.5z + 0.56z² = (1 − 0.7z)(1 − 0.8z): roots 1/0.7 ≈ 1.43 and 1/0.8 = 1.25.
        #expect(ARMAPolynomial.isStationary([1.5, -0.56]))
        #expect(ARMAPolynomial.isStationary([1.5, -0.56], rootMargin: 1.2))
        #expect(!ARMAPolynomial.isStationary([1.5, -0.56], rootMargin: 1.3))
        // A unit root and an explosive one.
        #expect(!ARMAPolynomial.isStationary([1]))
        #expect(!ARMAPolynomial.isStationary([0.5, 0.6]))
        // MA: 1 + 0.99z is invertible but within 1.01 of the unit circle.
        #expect(ARMAPolynomial.isInvertible([0.99]))
        #expect(!ARMAPolynomial.isInvertible([0.995], rootMargin: 1.01))
        #expect(ARMAPolynomial.isStationary([]) && ARMAPolynomial.isStationary([0.3, 0, 0]))
    }

    @Test("stationary covariance solves the Lyapunov equation and matches ARMA(1,1) theory")
    func stationaryCovariance() throws {
        // ARMA(1,1): Var w = (1 + 2φθ + θ²)/(1 − φ²) (σ² = 1).
        let (phi, theta) = (0.6, 0.3)
        let state = ARIMAState(parameters: try ARIMAParameters(order: ARIMAOrder(p: 1, d: 0, q: 1), ar: [phi], ma: [theta],
                                                               sigma2: 1), firstStep: 0)
        let variance = (1 + 2 * phi * theta + theta * theta) / (1 - phi * phi)
        #expect(abs(state.stateCovariance[0] - variance) < 1e-12)
        // And the one-step variance of a fresh state is that marginal variance.
        #expect(abs(state.forecast(horizon: 1).standardError[0] - variance.squareRoot()) < 1e-12)
    }
}
