import Models
import Testing
@testable import Trainer

@Suite("Candidate blend weights")
struct BlendWeightsTests {
    @Test("the grid holds the 15 quarter triples summing to 1")
    func grid() {
        #expect(BlendWeights.grid.count == 15)
        #expect(BlendWeights.grid.allSatisfy { $0.isValid })
        #expect(Set(BlendWeights.grid.map { [$0.arima, $0.lstm, $0.naive] }).count == 15)
    }

    @Test("members that cannot forecast drop out and the weights renormalise")
    func combine() {
        let w = BlendWeights(arima: 0.5, lstm: 0.25, naive: 0.25)
        #expect(w.combine(arima: 4, lstm: 8, naive: 0) == 4)          // 0.5·4 + 0.25·8 + 0.25·0
        #expect(w.combine(arima: .nan, lstm: 8, naive: 0) == 4)       // (0.25·8 + 0.25·0) / 0.5
        #expect(w.combine(arima: 2, lstm: .nan, naive: .nan) == 2)
        let arimaOnly = BlendWeights(arima: 1, lstm: 0, naive: 0)
        #expect(arimaOnly.combine(arima: .nan, lstm: 3, naive: 5) == 5) // nothing weighted forecasts: naive first
        #expect(arimaOnly.combine(arima: .nan, lstm: 3, naive: .nan) == 3)
        #expect(BlendWeights(arima: 0, lstm: 1, naive: 0).combine(arima: 2, lstm: .nan, naive: .nan) == 2)
        #expect(arimaOnly.combine(arima: .nan, lstm: .nan, naive: .nan).isNaN)
        #expect(!BlendWeights(arima: 0.5, lstm: 0.6, naive: 0).isValid)
    }

    @Test("the judged window: three days when the history has them and 48 steps more; else the later half after 48 steps; none without a whole horizon")
    func validationWindow() {
        // Three days at 5 minutes: 864 steps.
        #expect(CombinationWeights.validationSteps(steps: 4032, fullSteps: 864, horizonSteps: 12) == 864)
        #expect(CombinationWeights.validationSteps(steps: 913, fullSteps: 864, horizonSteps: 12) == 864)
        #expect(CombinationWeights.validationSteps(steps: 912, fullSteps: 864, horizonSteps: 12) == 432)   // (912 − 48) / 2
        // A Google 2011 job trained until two thirds of its day: 192 steps.
        #expect(CombinationWeights.validationSteps(steps: 192, fullSteps: 864, horizonSteps: 12) == 72)
        #expect(CombinationWeights.validationSteps(steps: 74, fullSteps: 864, horizonSteps: 12) == 13)
        #expect(CombinationWeights.validationSteps(steps: 72, fullSteps: 864, horizonSteps: 12) == nil)
        #expect(CombinationWeights.validationSteps(steps: 10, fullSteps: 864, horizonSteps: 12) == nil)
    }
}
