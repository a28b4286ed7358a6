import Foundation
import Testing

@testable import Forecast

// hmmExpNonPositive (the E-step's exp) against Foundation's exp on a dense grid of
// [−708, 0] plus the edges. The documented bound is 2 ulp; measured max ≈ 1 ulp.

@Suite("HMM fast exp")
struct HMMFastExpTests {
    @Test("within 2 ulp of exp on [−708, 0]; 0 below −708 and at −∞")
    func accuracy() {
        var worst = 0.0
        var generator = SeededGenerator(seed: 12)
        var points: [Double] = [0, -0.0, -1e-300, -1e-17, -1e-9, -0.5, -0.3465735902799726, -0.34657359027997264,
                                -1, -2, -10, -100, -700, -707.9, -708]
        for i in 0..<20_000 { points.append(-708 * Double(i) / 20_000) }
        for _ in 0..<20_000 { points.append(-generator.nextUniform() * 708) }
        for _ in 0..<5_000 { points.append(-generator.nextUniform()) }
        for x in points {
            let exact = exp(x), ours = hmmExpNonPositive(x)
            let ulps = abs(ours - exact) / exact.ulp
            worst = max(worst, ulps)
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
        #expect(hmmExpNonPositive(0) == 1)
        #expect(hmmExpNonPositive(-708.5) == 0)
        #expect(hmmExpNonPositive(-1000) == 0)
        #expect(hmmExpNonPositive(-.infinity) == 0)
    }
}
