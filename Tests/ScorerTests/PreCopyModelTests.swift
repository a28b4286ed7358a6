import Forecast
import Foundation
import Testing
@testable import Decisions

@Suite("Pre-copy model: a VM's live move from its memory and dirty rate")
struct PreCopyModelTests {
    let model = PreCopyModel(downtimeLimitSeconds: 0.3)

    @Test("an idle guest: one full copy, then the stop copies nothing")
    func idle() {
        let o = model.migrate(memoryBytes: 1e9, bandwidthBytesPerSecond: 1e8, dirtyBytesPerSecond: 0, latencySeconds: 0.01)
        #expect(o.converged && o.rounds == 1)
        #expect(o.transferredBytes == 1e9)
        #expect(abs(o.totalSeconds - 10.01) < 1e-9)
        #expect(abs(o.downtimeSeconds - 0.01) < 1e-9)
    }

    @Test("r = D/B = 0.1: rounds of 1e9, 1e8, 1e7 bytes; the 1e7 fits 0.3 s at 1e8 B/s and is copied stopped")
    func geometric() {
        let o = model.migrate(memoryBytes: 1e9, bandwidthBytesPerSecond: 1e8, dirtyBytesPerSecond: 1e7)
        #expect(o.converged && o.rounds == 2)
        #expect(abs(o.transferredBytes - 1.11e9) < 1)
        #expect(abs(o.totalSeconds - 11.1) < 1e-9)
        #expect(abs(o.downtimeSeconds - 0.1) < 1e-9)
    }

    @Test("dirtying as fast as the link: never converges; the cancelled attempt costs the timeout, a forced stop a full copy")
    func notConverging() {
        let o = model.migrate(memoryBytes: 1e9, bandwidthBytesPerSecond: 1e8, dirtyBytesPerSecond: 2e8)
        #expect(!o.converged)
        #expect(o.totalSeconds > 40 && o.totalSeconds <= 50)
        #expect(abs(o.downtimeSeconds - 10) < 1e-9)
    }

    @Test("degenerate: no memory costs the latency; no bandwidth never converges; a small guest is stopped at once")
    func degenerate() {
        #expect(model.migrate(memoryBytes: 0, bandwidthBytesPerSecond: 1e8, dirtyBytesPerSecond: 1e9, latencySeconds: 0.002).downtimeSeconds == 0.002)
        #expect(!model.migrate(memoryBytes: 1e9, bandwidthBytesPerSecond: 0, dirtyBytesPerSecond: 0).converged)
        let small = model.migrate(memoryBytes: 1e7, bandwidthBytesPerSecond: 1e8, dirtyBytesPerSecond: 1e9)
        #expect(small.converged && small.rounds == 0 && abs(small.downtimeSeconds - 0.1) < 1e-9)
    }

    @Test("the cost model uses it for live moves once the dirty rate is measured, the dirty fraction before")
    func inTheCostModel() throws {
        var config = DecisionConfig()
        config.liveDirtyFraction = 0.05
        let model = MigrationCostModel(config)
        let pop = POP(name: "b")
        let link = POPLink(from: "a", to: "b", bandwidthBytesPerSecond: 1e8, latencySeconds: 0)
        let allocation = ResourceVector.absent
        let guessed = model.cost(stateBytes: 1e9, allocation: allocation, target: pop, mode: .move(.live, link), expectedRemainingSeconds: 0)
        #expect(abs(guessed.downtimeSeconds - 0.5) < 1e-9)
        let measured = model.cost(stateBytes: 1e9, allocation: allocation, target: pop, mode: .move(.live, link), expectedRemainingSeconds: 0,
                                  dirtyBytesPerSecond: 1e7)
        #expect(abs(measured.downtimeSeconds - 0.1) < 1e-9 && abs(measured.transferSeconds - 11.1) < 1e-9)
    }
}
