import Forecast
import Foundation
import Models
import Store
import Testing
@testable import Decisions

/// The sizing policies' ceiling (`ReplayOptions.limitCeiling`), on a VM worked by hand: a real
/// Bitbrains-format trace through the real importer and the replay.
///
/// The VM is provisioned 4 cores at 2,600 MHz (10,400 MHz) and 8 GiB, and uses 10,920 MHz all
/// the time: 4.2 cores, 5 % above its provisioned cores (as Bitbrains' busiest VMs do), and
/// 4 GiB of memory. Sixteen days of history, then a replay of six hours (72 samples of 5
/// minutes) with the VPA policy. Its first allocation is the allocation rule's (the day's p95 ×
/// 1.2 capped at the limit): 4 cores.
/// - Ceiling 1 (the limit is every policy's maxAllowed): the VPA's target, 4 × 1.15 or more
///   from the censored observations, is capped to 4; the allocation never moves, and every
///   sample is throttled by 0.2 cores: 0.2 × 72 × 5 = 72 core-minutes.
/// - No ceiling: the VPA's target is above 4 × 1.15 = 4.6 and its lower bound above 4, so the
///   updater resizes at once; from then on nothing is throttled.
/// - Ceiling 1.1: the target is capped at 4.4 (above 4.2): the same, but the allocation
///   never exceeds 4.4.
@Suite("Replay: the sizing policies' ceiling over the recorded limit")
struct ReplayCeilingTests {
    static let from: Int64 = 1_700_006_400          // a multiple of 300
    static let to: Int64 = from + 6 * 3600

    static func store() throws -> (HeadroomStore, URL) {
        // 8388608 KB = 8 GiB provisioned, 4194304 KB = 4 GiB used.
        let (store, directory) = try BitbrainsTraceStore.make("ceiling", from: from - 16 * 86_400, to: to) { _ in
            "4;\t10400;\t10920;\t105;\t8388608;\t4194304;\t0;\t0;\t0;\t0"
        }
        let record = try #require(try store.workload(named: "vm"))
        #expect(record.limits[.cpuCores] == 4)
        return (store, directory)
    }

    final class Allocations: ReplayRecorder {
        var cpu: [Double] = []
        func score(timestamp: Int64, workload: String, score: WorkloadScore) {}
        func forecast(timestamp: Int64, workload: String, forecast: [[Double]], levels: [Double], horizonSteps: Int) {}
        func decision(timestamp: Int64, decision: Decision) {}
        func allocation(timestamp: Int64, workload: String, pop: String, allocation: ResourceVector) { cpu.append(allocation[.cpuCores]) }
        func finish() {}
    }

    static func replay(_ store: HeadroomStore, ceiling: Double?) throws -> (ReplaySummary, [Double]) {
        let fleet = try Fleet(pops: [POP(name: "a", capacity: ResourceVector(cpuCores: 64, memoryBytes: 1e12), pricePerHour: 0.1)], declaredLinks: [])
        let recorder = Allocations()
        var options = ReplayOptions(policy: .vpa, from: from, to: to)
        options.limitCeiling = ceiling
        options.recorder = recorder
        let models = TrainedModels(version: "t", arima: [:], lstm: nil, behaviour: [:])
        let summary = try ReplaySimulation(store: store, models: models, fleet: fleet).run(options)
        return (summary, recorder.cpu)
    }

    @Test("ceiling 1: held at its 4 provisioned cores, throttled 0.2 cores × 360 minutes = 72 core-minutes")
    func atTheLimit() throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (summary, cpu) = try Self.replay(store, ceiling: 1)
        #expect(cpu.count == 72)
        #expect(cpu.allSatisfy { $0 == 4 })
        #expect(abs(summary.throttledCoreMinutes - 72) < 1e-9)
        #expect(summary.limitCeiling == 1)
    }

    @Test("no ceiling: the VPA grows it past 4.6 cores at once; throttled at most the first sample (0.2 × 5 core-minutes)")
    func noCeiling() throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (summary, cpu) = try Self.replay(store, ceiling: nil)
        #expect(cpu.count == 72)
        #expect(cpu.first == 4, "the first allocation is the rule's, capped at the limit")
        #expect(cpu.dropFirst().allSatisfy { $0 >= 4.6 }, "\(cpu.prefix(4))")
        #expect(summary.throttledCoreMinutes <= 1 + 1e-9)
        #expect(summary.resizes >= 1)
        #expect(summary.limitCeiling == nil)
    }

    @Test("ceiling 1.1: grown to 4.4 cores at most, above the 4.2 used")
    func aTenthAbove() throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (summary, cpu) = try Self.replay(store, ceiling: 1.1)
        #expect(cpu.dropFirst().allSatisfy { abs($0 - 4.4) < 1e-9 }, "\(cpu.prefix(4))")
        #expect(summary.throttledCoreMinutes <= 1 + 1e-9)
    }

    @Test("the ceilings handed to a policy: limits × the factor, none without a factor or a limit")
    func sizingLimits() {
        var options = ReplayOptions(policy: .predictive, from: 0, to: 1)
        let limits: [Double] = [4, 8e9, .nan, 0, 1, 1]
        #expect(options.sizingLimits(limits).allSatisfy { $0.isNaN })
        options.limitCeiling = 1.5
        let capped = options.sizingLimits(limits)
        #expect(capped[0] == 6 && capped[1] == 1.2e10 && capped[2].isNaN && capped[3].isNaN && capped[4] == 1.5)
    }
}
