import Forecast
import Foundation
import Models
import Store
import Testing
@testable import Decisions

/// The replay's live moves of VMs priced by `PreCopyModel`: a real Bitbrains-format trace
/// through the real importer and the replay, worked by hand.
///
/// The VM: 1 core, 1e9 bytes of memory for two days and three hours, then 1.3e9; disk reads 0,
/// disk writes 4e6 B/s, network receive 6e6 B/s (transmit 1e6 B/s, which the proxy leaves
/// out). It starts on POP `a` (cheapest; room for 1.3e9) with the allocation rule's 1.2e9 of
/// memory; the oracle sees the jump coming an hour ahead and, as `a` cannot hold
/// 1.3e9 × 1.2 = 1.56e9, moves it live to `b` over a 1e8 B/s link without latency. At that
/// tick memory is flat, so the trace proxy is 0 (growth) + 0 + 4e6 + 6e6 = 1e7 B/s, and
/// M = 1e9 (its memory at the replay's first sample).
@Suite("Replay: live moves of VMs priced by pre-copy")
struct PreCopyReplayTests {
    static let from: Int64 = 1_700_006_400          // a multiple of 300
    static let to: Int64 = from + 6 * 3600
    static let jump: Int64 = from + 3 * 3600
    /// disk write 4e6 + network receive 6e6 (the trace's KB/s × 1024, exact in binary).
    static let proxyRate = 1e7

    /// Two days of history before `from` and six hours after, one Bitbrains row per 5 minutes.
    static func store() throws -> (HeadroomStore, URL) {
        // 976562.5 KB = 1e9 bytes, 1269531.25 KB = 1.3e9; 3906.25 KB/s = 4e6 B/s, 5859.375 = 6e6, 976.5625 = 1e6.
        let (store, directory) = try BitbrainsTraceStore.make("precopy", from: from - 2 * 86_400, to: to) { t in
            "4;\t10400;\t2600;\t25;\t8388608;\t\(t < jump ? "976562.5" : "1269531.25");\t0;\t3906.25;\t5859.375;\t976.5625"
        }
        let record = try #require(try store.workload(named: "vm"))
        #expect(record.liveMigratable && record.source == "bitbrains")
        return (store, directory)
    }

    static func fleet() throws -> Fleet {
        try Fleet(pops: [POP(name: "a", capacity: ResourceVector(cpuCores: 8, memoryBytes: 1.3e9), pricePerHour: 0.1, strategies: [.live, .checkpointRestart]),
                         POP(name: "b", capacity: ResourceVector(cpuCores: 8, memoryBytes: 1e10), pricePerHour: 0.2, strategies: [.live, .checkpointRestart])],
                  declaredLinks: [POPLink(from: "a", to: "b", bandwidthBytesPerSecond: 1e8, latencySeconds: 0)])
    }

    final class DecisionLog: ReplayRecorder {
        var rows: [Decision] = []
        func score(timestamp: Int64, workload: String, score: WorkloadScore) {}
        func forecast(timestamp: Int64, workload: String, forecast: [[Double]], levels: [Double], horizonSteps: Int) {}
        func decision(timestamp: Int64, decision: Decision) { rows.append(decision) }
        func allocation(timestamp: Int64, workload: String, pop: String, allocation: ResourceVector) {}
        func finish() {}
    }

    static func replay(store: HeadroomStore, fleet: Fleet) throws -> (ReplaySummary, [Decision]) {
        let recorder = DecisionLog()
        var options = ReplayOptions(policy: .oracle, from: from, to: to)
        options.recorder = recorder
        let models = TrainedModels(version: "t", arima: [:], lstm: nil, behaviour: [:])
        let summary = try ReplaySimulation(store: store, models: models, fleet: fleet).run(options)
        return (summary, recorder.rows)
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

    /// The one live move and what priced it.
    static func move(_ decisions: [Decision]) throws -> (Decision, PreCopyPricing, MigrationCost) {
        let moves = decisions.filter { $0.action == .migrate }
        #expect(moves.count == 1)
        let move = try #require(moves.first)
        #expect(move.strategy == .live && move.targetPops == ["b"] && move.sourcePop == "a")
        let cost = try #require(move.details.candidates.first { $0.pop == "b" }?.cost)
        return (move, try #require(cost.preCopy), cost)
    }

    @Test("trace proxy: M = 1e9, B = 1e8 B/s, D = 1e7 B/s → rounds of 1e9 and 1e8 bytes, the 1e7 left copied stopped: 2 rounds, 1.11e9 bytes, 11.1 s, 0.1 s down")
    func traceProxy() throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (summary, decisions) = try Self.replay(store: store, fleet: try Self.fleet())
        let (move, preCopy, cost) = try Self.move(decisions)
        #expect(move.timestamp < Self.jump, "the oracle moves it before the jump, while memory is flat")
        #expect(preCopy.dirtyRateSource == .traceProxy && Self.close(preCopy.dirtyBytesPerSecond, Self.proxyRate))
        #expect(preCopy.converged && preCopy.rounds == 2 && Self.close(preCopy.transferredBytes, 1.11e9))
        #expect(Self.close(cost.transferSeconds, 11.1) && Self.close(cost.downtimeSeconds, 0.1))
        // Accounting: downtime 0.1 s; cost = 0.1 s × 0.01 + 11.1 s × 0.001 (DecisionConfig's penalties); pre-copy's bytes.
        #expect(summary.migrations == ["live": 1])
        #expect(summary.liveMovesPricedBy == ["trace_proxy": 1])
        #expect(summary.liveTargetsNotConverging == 0)
        #expect(Self.close(summary.downtimeMinutes, 0.1 / 60))
        #expect(Self.close(summary.migrationCost, 0.1 * 0.01 + 11.1 * 0.001))
        #expect(Self.close(summary.movedBytes, 1.11e9))
        #expect(summary.oomKills == 0)
    }

    @Test("a rate measured by a real migration wins over the proxy and the fleet file: D = 2e7 → rounds 1e9, 2e8, 4e7, then 8e6 stopped (0.08 s)")
    func measured() throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        try store.recordDirtyRate(.init(workload: "vm", bytesPerSecond: 2e7, rounds: 4, measuredAt: Self.from - 600))
        var fleet = try Self.fleet()
        fleet.preCopy = PreCopySettings(dirtyBytesPerSecond: 9e7, workloads: ["vm": 5e7])
        let (summary, decisions) = try Self.replay(store: store, fleet: fleet)
        let (_, preCopy, cost) = try Self.move(decisions)
        #expect(preCopy.dirtyRateSource == .measured && preCopy.dirtyBytesPerSecond == 2e7)
        #expect(preCopy.converged && preCopy.rounds == 3 && Self.close(preCopy.transferredBytes, 1.248e9))
        #expect(Self.close(cost.transferSeconds, 12.48) && Self.close(cost.downtimeSeconds, 0.08))
        #expect(summary.liveMovesPricedBy == ["measured": 1])
        #expect(Self.close(summary.downtimeMinutes, 0.08 / 60))
        #expect(Self.close(summary.movedBytes, 1.248e9))
    }

    @Test("the fleet file's per-workload rate overrides the proxy: D = 5e7 → six rounds halving from 1e9 until 1.5625e7 fits 0.3 s")
    func configured() throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        var fleet = try Self.fleet()
        fleet.preCopy = PreCopySettings(dirtyBytesPerSecond: 9e7, workloads: ["vm": 5e7])
        let (summary, decisions) = try Self.replay(store: store, fleet: fleet)
        let (_, preCopy, cost) = try Self.move(decisions)
        // 1e9 (10 s), 5e8, 2.5e8, 1.25e8, 6.25e7, 3.125e7 (0.3125 s > 0.3), then 1.5625e7 (0.15625 s) stopped.
        #expect(preCopy.dirtyRateSource == .configured && preCopy.dirtyBytesPerSecond == 5e7)
        #expect(preCopy.converged && preCopy.rounds == 6 && Self.close(preCopy.transferredBytes, 1.984375e9))
        #expect(Self.close(cost.transferSeconds, 19.84375) && Self.close(cost.downtimeSeconds, 0.15625))
        #expect(summary.liveMovesPricedBy == ["configured": 1])
    }

    @Test("a guest that dirties as fast as the link: the live target is rejected as not converging, nothing moves, the VM is OOM-killed at a")
    func notConverging() throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        var fleet = try Self.fleet()
        fleet.preCopy = PreCopySettings(dirtyBytesPerSecond: 2e8)
        let (summary, decisions) = try Self.replay(store: store, fleet: fleet)
        #expect(decisions.allSatisfy { $0.action == .none })
        let alarmed = try #require(decisions.first { $0.details.alarmed })
        let b = try #require(alarmed.details.candidates.first { $0.pop == "b" })
        #expect(!b.feasible)
        #expect(b.rejections.contains { $0.contains("pre-copy would not converge") && $0.contains("configured") }, "\(b.rejections)")
        #expect(b.cost?.preCopy?.converged == false)
        #expect(summary.migrations.isEmpty && summary.liveMovesPricedBy.isEmpty)
        #expect(summary.liveTargetsNotConverging >= 1)
        #expect(summary.oomKills >= 1, "with no way out, the jump past its allocation is an OOM kill")
    }

    @Test("the proxy worked by hand: growth + disk read + disk write + network receive, capped at memory per second; nothing measured → nil")
    func proxyArithmetic() throws {
        let current = [1, 1.3e9, 2e6, 4e6, 5e6, 1e6]
        let rate = try #require(DirtyRate.traceProxy(current: current, previous: [1, 1e9, 0, 0, 0, 0], intervalSeconds: 300))
        #expect(rate.source == .traceProxy && Self.close(rate.bytesPerSecond, 3e8 / 300 + 2e6 + 4e6 + 5e6))
        #expect(DirtyRate.traceProxy(current: current, previous: [1, 1.5e9, 0, 0, 0, 0], intervalSeconds: 300)?.bytesPerSecond == 1.1e7,
                "memory given back dirties nothing")
        #expect(DirtyRate.traceProxy(current: current, previous: nil, intervalSeconds: 300)?.bytesPerSecond == 1.1e7)
        #expect(DirtyRate.traceProxy(current: [1, 4e6, 0, 8e6, 0, 0], previous: nil, intervalSeconds: 300)?.bytesPerSecond == 4e6, "capped at M/s")
        #expect(DirtyRate.traceProxy(current: [1, .nan, .nan, 3e6, .nan, .nan], previous: nil, intervalSeconds: 300)?.bytesPerSecond == 3e6)
        #expect(DirtyRate.traceProxy(current: [1, .nan, .nan, .nan, .nan, 5], previous: nil, intervalSeconds: 300) == nil)
    }
}
