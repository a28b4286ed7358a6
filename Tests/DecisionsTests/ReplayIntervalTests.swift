import Models
import Testing
@testable import Decisions

/// The replay's warm-up and the policies' starting history are spans of time read on each
/// workload's grid: at 300 s the sample counts every replay figure was produced with.
@Suite("Replay histories in samples of each workload's interval")
struct ReplayIntervalTests {
    @Test("at 300 s: 2,016 warm-up samples and 14 × 288 + 12 policy samples")
    func fiveMinutes() {
        let options = ReplayOptions(policy: .predictive, from: 0, to: 1)
        #expect(options.warmupSamples(intervalSeconds: 300) == 2016)
        #expect(options.policyHistorySamples(intervalSeconds: 300) == 14 * 288 + 12)
    }

    @Test("at 60 s five times as many; at 1 s the warm-up is capped, the policy history is not")
    func finerGrids() {
        let options = ReplayOptions(policy: .vpa, from: 0, to: 1)
        #expect(options.warmupSamples(intervalSeconds: 60) == 10_080)
        #expect(options.policyHistorySamples(intervalSeconds: 60) == 14 * 1440 + 60)
        #expect(options.warmupSamples(intervalSeconds: 1) == OnlineWorkload.naiveWindowStepCap)
        #expect(options.policyHistorySamples(intervalSeconds: 1) == 14 * 86_400 + 3600)
    }
}
