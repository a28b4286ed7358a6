import Models
import Testing
@testable import Scorer

/// The service warms a (re)started workload on a week of its own samples: 2,016 of
/// 5-minute data, as every figure was produced with; capped at fine sampling.
@Suite("Scorer warm-up in samples of each workload's interval")
struct WarmupIntervalTests {
    @Test("a week: 2,016 samples at 300 s, 10,080 at 60 s, the cap at 1 s")
    func warmup() {
        let configuration = ScoringService.Configuration()
        #expect(configuration.warmupSamples(intervalSeconds: 300) == 2016)
        #expect(configuration.warmupSamples(intervalSeconds: 60) == 10_080)
        #expect(configuration.warmupSamples(intervalSeconds: 1) == OnlineWorkload.naiveWindowStepCap)
        var longer = configuration
        longer.warmup = .seconds(100_000 * 300)
        longer.warmupSampleCap = 100_000
        #expect(longer.warmupSamples(intervalSeconds: 300) == 100_000)
    }
}
