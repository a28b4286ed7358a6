import Forecast
import Foundation
import Models
import Store
import Testing
@testable import Decisions

/// What the scoring core no longer keeps per workload (issue 15 item 4) — the long windows
/// (read back from the store), the forecast rows (computed again when asked) — changes no
/// score: a core over a real store scores as the core that keeps everything, and reading a
/// forecast between ticks perturbs nothing.
@Suite("Scoring core memory")
struct ScoringCoreMemoryTests {
    static let start: Int64 = 1_700_006_400

    /// 3,000 samples at 300 s (Float values) with jitter, a few unmeasured values and a gap: CPU on a daily
    /// cycle with spikes, memory drifting, disk read and network transmit noisy (the naive
    /// member serves them; the median serves CPU and memory once warm).
    static func samples() -> [IncomingSample] {
        var state: UInt64 = 42
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var out: [IncomingSample] = [], memory = 4e9, slot: Int64 = 0
        for k in 0..<3000 {
            let phase = 2 * Double.pi * Double(k % 288) / 288
            memory += 2e7 * (uniform() - 0.5)
            var row = [Double](repeating: .nan, count: Resource.count)
            row[Resource.cpuCores.rawValue] = 2 + sin(phase) + (uniform() < 0.03 ? 3 : 0.3 * uniform())
            row[Resource.memoryBytes.rawValue] = memory
            row[Resource.diskReadBytesPerSecond.rawValue] = k % 61 == 0 ? .nan : 1e6 * (1 + uniform())
            row[Resource.networkTransmitBytesPerSecond.rawValue] = 3e5 * uniform()
            // Float values: the core that keeps its naive week keeps it in Float, so only then can the two agree bit for bit.
            out.append(IncomingSample(workload: "w", timestamp: start + slot * 300 + Int64(uniform() * 120) - 60,
                                      values: row.map { $0.isNaN ? $0 : Double(Float($0)) }))
            slot += k == 1500 ? 20 : 1
        }
        return out
    }

    @Test("a core reading the long windows back from its store, its forecasts asked between ticks, scores what the core keeping them does, bit for bit")
    func readBackSameScores() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-core-memory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try HeadroomStore(location: directory.appendingPathComponent("s.sqlite").path)
        let samples = Self.samples()
        _ = try store.append(samples: samples, now: Self.start)
        let naive = BlendWeights(arima: 0, lstm: 0, naive: 1)
        let models = TrainedModels(version: "t", arima: [:], lstm: nil, behaviour: [:],
                                   blendWeights: [BlendWeights](repeating: naive, count: Resource.count))
        let keeping = ScoringCore(models: models, horizonSteps: 12)
        let reading = ScoringCore(models: models, horizonSteps: 12, stored: StoredHistory(store: store))
        let warm = 600
        let history = try store.lastSamples(workload: "w", count: warm, until: samples[warm - 1].timestamp)
        let limits = [8, 16e9, Double.nan, .nan, .nan, .nan]
        try keeping.register(name: "w", intervalSeconds: 300, limits: limits, history: history)
        try reading.register(name: "w", intervalSeconds: 300, limits: limits, history: history)
        var compared = 0
        for (k, sample) in samples.enumerated().dropFirst(warm) {
            // Resized now and then, as the decision loop does.
            if k % 400 == 0 {
                let allocation = [1.5 + Double(k % 3), 4.1e9, .nan, .nan, .nan, .nan]
                keeping.setAllocation(workload: "w", allocation: allocation)
                reading.setAllocation(workload: "w", allocation: allocation)
            }
            let a = keeping.ingest(workload: "w", timestamp: sample.timestamp, values: sample.values)
            let b = reading.ingest(workload: "w", timestamp: sample.timestamp, values: sample.values)
            #expect((a == nil) == (b == nil))
            guard let a, let b else { continue }
            #expect(a.risk.bitPattern == b.risk.bitPattern && a.rawRisk.bitPattern == b.rawRisk.bitPattern, "sample \(k)")
            #expect(zip(a.plannedDemand, b.plannedDemand).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) })
            // Asked twice in a row, and of one core only: the same rows, and (checked at the next
            // sample) the same later scores.
            if k % 7 == 0 {
                let first = try #require(reading.forecast("w")), second = try #require(reading.forecast("w"))
                #expect(first.count == Resource.count && zip(first, second).allSatisfy { $0.elementsEqual($1) { $0.bitPattern == $1.bitPattern } })
                let kept = try #require(keeping.forecast("w"))
                #expect(zip(first, kept).allSatisfy { $0.elementsEqual($1) { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) } })
            }
            compared += 1
        }
        #expect(compared > 2300)
        #expect(reading.entry("w")?.online.staleNaiveRefreshes == 0)
        #expect(reading.forecast("nobody") == nil)
    }
}
