import Foundation
import Testing

@testable import Forecast

// P(X > a) from quantiles, interpolated linearly in z = Φ⁻¹(level) space.
// Golden: scipy.stats.norm.sf for exactly-normal quantiles, absolute 1e-9 (the method is
// exact for a normal; what is left is rounding in Φ⁻¹, the interpolation and erfc, ~1e-15),
// and an independent numpy np.interp implementation for non-normal quantiles, 1e-12.

@Suite("Risk: exceedance from quantiles")
struct RiskExceedanceTests {
    @Test("equals the normal survival function when the quantiles are a normal's (scipy)")
    func normalGolden() throws {
        let fixture = try RiskFixture.load()
        #expect(fixture.normalExceedance.count == 4)
        for c in fixture.normalExceedance {
            let model = try QuantileExceedance(levels: c.levels)
            for (a, expected) in zip(c.allocations, c.survival) {
                let p = model.probability(exceeding: a, quantiles: c.quantiles)
                #expect(abs(p - expected) < 1e-9, "levels \(c.levels), a = \(a): \(p) vs scipy \(expected)")
            }
        }
    }

    @Test("matches numpy's interpolation in z space for skewed and crossing quantiles")
    func piecewiseGolden() throws {
        let fixture = try RiskFixture.load()
        for c in fixture.piecewiseExceedance {
            let model = try QuantileExceedance(levels: c.levels)
            for (a, expected) in zip(c.allocations, c.survival) {
                let p = model.probability(exceeding: a, quantiles: c.quantiles)
                #expect(abs(p - expected) < 1e-12, "quantiles \(c.quantiles), a = \(a): \(p) vs numpy \(expected)")
            }
        }
    }

    @Test("at a knot the exceedance is 1 − level")
    func knots() throws {
        let model = try QuantileExceedance(levels: [0.5, 0.9, 0.99])
        let q = [1.0, 3.0, 7.0]
        for (j, level) in model.levels.enumerated() {
            #expect(abs(model.probability(exceeding: q[j], quantiles: q) - (1 - level)) < 1e-14)
        }
    }

    @Test("is non-increasing in the allocation and stays in [0, 1]")
    func monotone() throws {
        let model = try QuantileExceedance(levels: [0.1, 0.5, 0.9, 0.99])
        let sets: [[Double]] = [[0.2, 0.5, 0.6, 2.0], [1, 1, 1, 1], [1, 1, 2, 2], [0, 0, 0, 5], [3, 1, 2, 0.5], [5, 5, 6, 6]]
        for q in sets {
            var previous = 1.0
            for i in 0...800 {
                let a = -0.5 + Double(i) * 0.01
                let p = model.probability(exceeding: a, quantiles: q)
                #expect(p >= 0 && p <= 1, "q = \(q), a = \(a): \(p)")
                #expect(p <= previous, "q = \(q): P(X > \(a)) = \(p) > P at the previous allocation \(previous)")
                previous = p
            }
        }
    }

    @Test("all quantiles equal: step from 1 to 1 − top level")
    func degenerateStep() throws {
        let model = try QuantileExceedance(levels: [0.5, 0.9, 0.99])
        let q = [4.0, 4.0, 4.0]
        #expect(model.probability(exceeding: 3.999, quantiles: q) == 1)
        #expect(model.probability(exceeding: 0, quantiles: q) == 1)
        #expect(abs(model.probability(exceeding: 4, quantiles: q) - 0.01) < 1e-15)
        #expect(abs(model.probability(exceeding: 1e9, quantiles: q) - 0.01) < 1e-15)
    }

    @Test("a single level is a step function")
    func singleLevel() throws {
        let model = try QuantileExceedance(levels: [0.9])
        #expect(model.probability(exceeding: 1.9, quantiles: [2]) == 1)
        #expect(abs(model.probability(exceeding: 2, quantiles: [2]) - 0.1) < 1e-15)
        #expect(abs(model.probability(exceeding: 50, quantiles: [2]) - 0.1) < 1e-15)
    }

    @Test("a flat upper segment keeps the top level's tail mass, interior atoms are respected")
    func flatSegments() throws {
        let model = try QuantileExceedance(levels: [0.5, 0.9, 0.99])
        // q = [1, 2, 2]: an atom of mass 0.09 at 2, tail mass 0.01 above.
        let q = [1.0, 2.0, 2.0]
        #expect(abs(model.probability(exceeding: 2 - 1e-12, quantiles: q) - 0.1) < 1e-9)
        #expect(abs(model.probability(exceeding: 2, quantiles: q) - 0.01) < 1e-15)
        // q = [1, 1, 3]: atom at 1 (levels up to 0.9), linear in z above.
        let r = [1.0, 1.0, 3.0]
        #expect(abs(model.probability(exceeding: 1, quantiles: r) - 0.1) < 1e-15)
        #expect(model.probability(exceeding: 0.999, quantiles: r) == 1)  // flat lower segment: step
    }

    @Test("crossing quantiles are sorted")
    func crossing() throws {
        let model = try QuantileExceedance(levels: [0.5, 0.9, 0.99])
        for a in [0.0, 1.0, 2.7, 3.0, 4.2, 9.0] {
            #expect(model.probability(exceeding: a, quantiles: [3, 2.5, 5]) == model.probability(exceeding: a, quantiles: [2.5, 3, 5]))
        }
    }

    @Test("unconstrained, negative allocations, non-finite quantiles")
    func edges() throws {
        let model = try QuantileExceedance(levels: [0.5, 0.9, 0.99])
        let q = [1.0, 2.0, 3.0]
        #expect(model.probability(exceeding: .nan, quantiles: q) == 0)
        #expect(model.probability(exceeding: .infinity, quantiles: q) == 0)
        #expect(model.probability(exceeding: -1, quantiles: q) == 1)  // usage ≥ 0
        #expect(model.probability(exceeding: 2, quantiles: [1, .nan, 3]).isNaN)
        #expect(model.probability(exceeding: 2, quantiles: [1, 2, .infinity]).isNaN)
        // Quantiles below zero: P(max(Y, 0) > 0) = P(Y > 0).
        let normal = [-1.0, -1.0 + 1.2815515655446004, -1.0 + 2.3263478740408408]
        #expect(abs(model.probability(exceeding: 0, quantiles: normal) - StandardNormal.cdf(-1)) < 1e-12)
    }

    @Test("the quantile function: norm.ppf for a normal's quantiles, numpy's z-space interpolation otherwise (flat tail, sorted, clamped at 0)")
    func quantileFunction() throws {
        let fixture = try RiskFixture.load()
        #expect(fixture.quantileFunction.count == 9)
        for c in fixture.quantileFunction {
            let model = try QuantileExceedance(levels: c.levels)
            let scale = max(1, c.quantiles.map(abs).max() ?? 1)
            for (tau, expected) in zip(c.taus, c.values) {
                let q = model.quantile(at: tau, quantiles: c.quantiles)
                #expect(abs(q - expected) <= 1e-9 * scale, "quantiles \(c.quantiles), τ = \(tau): \(q) vs \(expected)")
            }
        }
        // The inverse of the exceedance where the tail is not flat: P(X > Q(τ)) = 1 − τ.
        let model = try QuantileExceedance(levels: [0.5, 0.9, 0.99])
        for tau in [0.6, 0.8, 0.95, 0.999] {
            let q = model.quantile(at: tau, quantiles: [1, 2, 4])
            #expect(abs(model.probability(exceeding: q, quantiles: [1, 2, 4]) - (1 - tau)) < 1e-12)
        }
        // No forecast, no level, a count mismatch: NaN.
        #expect(model.quantile(at: 0.9, quantiles: [1, .nan, 3]).isNaN)
        #expect(model.quantile(at: .nan, quantiles: [1, 2, 3]).isNaN)
        #expect(model.quantile(at: 0.9, quantiles: [1, 2]).isNaN)
        // One level: flat at it.
        let one = try QuantileExceedance(levels: [0.9])
        #expect(one.quantile(at: 0.999, quantiles: [5]) == 5 && one.quantile(at: 0.1, quantiles: [5]) == 5)
    }

    @Test("rejects unusable levels", arguments: [[], [0.5, 0.5], [0.9, 0.5], [0, 0.5], [0.5, 1], [Double.nan]])
    func invalidLevels(levels: [Double]) {
        #expect(throws: RiskError.self) { _ = try QuantileExceedance(levels: levels) }
        #expect(throws: RiskError.self) { _ = try RiskEstimator(levels: levels, horizonSteps: 12) }
    }
}
