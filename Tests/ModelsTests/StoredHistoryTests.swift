import Forecast
import Foundation
@testable import Models
import Store
import Testing

/// The long windows read back from the store (issue 15 item 4): a state that keeps no naive
/// week and no week of usage for the risk's recount computes what the state that keeps
/// them does, over a real SQLite store holding the samples it was fed — irregular ones
/// included (jitter, a second sample in one grid step, short and long gaps, unmeasured
/// values) — and keeps what it had when the store does not hold them.
@Suite("Stored history: long windows read back")
struct StoredHistoryTests {
    static let interval = OnlineWorkloadTests.interval

    /// `OnlineWorkloadMemoryTests.history` rounded to Float (so the state that keeps its
    /// naive week in Float holds it exactly, and the comparison can be exact), at irregular
    /// timestamps: jitter of up to ±100 s, a second sample 40 s after every 97th (refused:
    /// the same grid step), 3 missing steps after every 250th, and 400 missing steps (more
    /// than a day: the gap the state does not feed) after sample 1,300.
    static func samples(count: Int, seed: UInt64) -> (timestamps: [Int64], rows: [[Double]]) {
        let values = OnlineWorkloadMemoryTests.history(steps: count, seed: seed)
        var generator = SeededGenerator(seed: seed + 1)
        var timestamps: [Int64] = [], rows: [[Double]] = []
        var slot: Int64 = 0
        for k in 0..<count {
            let row = (0..<Resource.count).map { r -> Double in
                let v = values[k * Resource.count + r]
                return v.isNaN ? .nan : Double(Float(v))
            }
            let jitter = Int64((generator.nextUniform() * 200).rounded()) - 100
            timestamps.append(OnlineWorkloadTests.start + slot * interval + jitter)
            rows.append(row)
            if k % 97 == 0 {
                timestamps.append(timestamps.last! + 40)
                rows.append(row.map { $0 * 2 })
            }
            slot += k % 250 == 249 ? 4 : k == 1300 ? 401 : 1
        }
        return (timestamps, rows)
    }

    /// A SQLite store in a temporary folder holding `samples` of workload "w".
    static func store(_ samples: (timestamps: [Int64], rows: [[Double]]), in directory: URL) throws -> HeadroomStore {
        let store = try HeadroomStore(location: directory.appendingPathComponent("s.sqlite").path)
        _ = try store.append(samples: zip(samples.timestamps, samples.rows).map { IncomingSample(workload: "w", timestamp: $0, values: $1) },
                             now: OnlineWorkloadTests.start)
        return store
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-stored-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("the rows a state accepts, and their grid slots, by the ingest rule (worked by hand)")
    func acceptedByHand() {
        // Anchor 1,000 at 300 s: 100 → ⌊−750/300⌋ = −3; 390 → ⌊−460/300⌋ = −2; 400 → −2 again
        // (refused: the state snapped 390 to 400 and 400 is not after it); 700 → −1; 1,000 → 0.
        let series = SampleSeries(workload: "w", timestamps: [100, 390, 400, 700, 1000],
                                  values: [Double](repeating: 1, count: 5 * Resource.count))
        let accepted = StoredHistory.acceptedSamples(series, anchor: 1000, intervalSeconds: 300)
        #expect(accepted.map(\.row) == [0, 1, 3, 4])
        #expect(accepted.map(\.slot) == [-3, -2, -1, 0])
        // And the state itself: the same rows accepted, its last grid timestamp the anchor.
        var online = OnlineWorkload(name: "w", models: TrainedModels(version: "t", arima: [:], lstm: nil, behaviour: [:]), intervalSeconds: 300, horizonSteps: 12,
                                    limits: [Double](repeating: .nan, count: Resource.count))
        let fed = series.timestamps.map { online.ingest(timestamp: $0, values: [Double](repeating: 1, count: Resource.count)) }
        #expect(fed == [true, true, false, true, true])
        #expect(online.lastTimestamp == 1000)
    }

    @Test("the naive member read back from the store at each refresh equals the one kept in memory, through gaps, refused samples and unmeasured values")
    func naiveReadBack() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let samples = Self.samples(count: 2600, seed: 11)   // the week wraps; the median warms up for CPU and memory
        let store = try Self.store(samples, in: directory)
        let history = OnlineWorkloadMemoryTests.history(steps: 600, seed: 11)
        var models = try OnlineWorkloadTests.models(history: history, steps: 600)
        // The naive member serves disk read and network transmit (and CPU and memory until the median is warm).
        models.blendWeights = [BlendWeights(arima: 0, lstm: 0, naive: 1), BlendWeights(arima: 0, lstm: 0.5, naive: 0.5),
                               BlendWeights(arima: 0, lstm: 0, naive: 1), BlendWeights(arima: 0, lstm: 1, naive: 0),
                               BlendWeights(arima: 0, lstm: 1, naive: 0), BlendWeights(arima: 0, lstm: 0.75, naive: 0.25)]
        let limits = [8, 16e9, Double.nan, .nan, .nan, .nan]
        var kept = OnlineWorkload(name: "w", models: models, intervalSeconds: Self.interval, horizonSteps: 12, limits: limits,
                                  advance: .weightedMembers)
        var readBack = OnlineWorkload(name: "w", models: models, intervalSeconds: Self.interval, horizonSteps: 12, limits: limits,
                                      advance: .weightedMembers, readsBack: true)
        #expect(readBack.readsBack && !kept.readsBack)
        let stored = StoredHistory(store: store)
        var scratch = OnlineWorkload.Scratch()
        var outKept: [[Double]] = [], outBack: [[Double]] = []
        var compared = 0
        for (k, t) in samples.timestamps.enumerated() {
            let a = kept.ingest(timestamp: t, values: samples.rows[k]), b = readBack.ingest(timestamp: t, values: samples.rows[k])
            #expect(a == b)
            // Every tick forecasts (refreshes happen when due, as in the scorer).
            kept.forecast(into: &outKept, scratch: &scratch)
            readBack.forecast(into: &outBack, scratch: &scratch, stored: stored)
            for r in 0..<Resource.count {
                for i in 0..<36 {
                    #expect(outKept[r][i].bitPattern == outBack[r][i].bitPattern || (outKept[r][i].isNaN && outBack[r][i].isNaN),
                            "sample \(k) resource \(r) value \(i)")
                    if r >= 2 && outBack[r][i].isFinite { compared += 1 }
                }
            }
        }
        #expect(compared > 2000 * 36)
        #expect(readBack.staleNaiveRefreshes == 0)
        #expect(samples.timestamps.count > 2600 + 20)   // the refused second samples are in the store
    }

    @Test("a store that does not end in the state's newest sample leaves the naive spread as it was, counted")
    func naiveStale() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let samples = Self.samples(count: 400, seed: 12)
        let store = try Self.store((Array(samples.timestamps.prefix(200)), Array(samples.rows.prefix(200))), in: directory)
        var models = try OnlineWorkloadTests.models(history: OnlineWorkloadMemoryTests.history(steps: 300, seed: 12), steps: 300)
        models.blendWeights = [BlendWeights](repeating: BlendWeights(arima: 0, lstm: 0, naive: 1), count: Resource.count)
        var state = OnlineWorkload(name: "w", models: models, intervalSeconds: Self.interval, horizonSteps: 12,
                                   limits: [8, 16e9, .nan, .nan, .nan, .nan], advance: .weightedMembers, readsBack: true)
        var scratch = OnlineWorkload.Scratch()
        var out: [[Double]] = []
        for (k, t) in samples.timestamps.enumerated() {
            state.ingest(timestamp: t, values: samples.rows[k])
            state.forecast(into: &out, scratch: &scratch, stored: StoredHistory(store: store))
        }
        #expect(state.staleNaiveRefreshes > 0)
        // Without fresh changes the spread is the one last refreshed; the forecast still stands.
        #expect(out[Resource.diskReadBytesPerSecond.rawValue].allSatisfy { $0.isFinite })
    }

    @Test("the risk features' recount reads the week back from the store and equals the one over the week kept; rows that are not the state's leave the older flags as judged")
    func riskRecountReadBack() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let samples = Self.samples(count: 2500, seed: 13)
        let store = try Self.store(samples, in: directory)
        let stored = StoredHistory(store: store)
        // The state decides which samples count (the ones it accepts), as in `ScoringCore`.
        var online = OnlineWorkload(name: "w", models: TrainedModels(version: "t", arima: [:], lstm: nil, behaviour: [:]), intervalSeconds: Self.interval, horizonSteps: 12,
                                    limits: [Double](repeating: .nan, count: Resource.count))
        var kept = RiskFeatures(intervalSeconds: Self.interval), readBack = RiskFeatures(intervalSeconds: Self.interval, keepsWeek: false)
        var notTheState = RiskFeatures(intervalSeconds: Self.interval, keepsWeek: false)
        #expect(kept.keepsWeek && !readBack.keepsWeek)
        // Allocations between the samples' values (none equals a sample: the kept week is
        // exact for these Float values anyway), changed every 150 samples.
        let allocations: [(Double, Double)] = [(2.2, 4.05e9), (2.9, 3.98e9), (1.7, 4.2e9), (3.3, 3.9e9), (2.45, 4.01e9)]
        var recounts = 0, comparedRows = 0
        for (k, t) in samples.timestamps.enumerated() {
            guard online.ingest(timestamp: t, values: samples.rows[k]) else { continue }
            let c = samples.rows[k][0], m = samples.rows[k][1]
            kept.push(timestamp: t, cpuCores: c, memoryBytes: m)
            readBack.push(timestamp: t, cpuCores: c, memoryBytes: m)
            notTheState.push(timestamp: t, cpuCores: c, memoryBytes: m)
            let (ac, am) = allocations[(k / 150) % allocations.count]
            if !kept.isAllocation(cpuCores: ac, memoryBytes: am) { recounts += 1 }
            let last = online.lastTimestamp!, newest = online.lastValues
            kept.setAllocation(cpuCores: ac, memoryBytes: am)
            readBack.setAllocation(cpuCores: ac, memoryBytes: am) { count in
                stored.lastAccepted(workload: "w", count: count, anchor: last, intervalSeconds: Self.interval,
                                    newestCPU: newest[0], newestMemory: newest[1])
            }
            // Rows that are not this state's (another workload's usage): refused by the day check.
            notTheState.setAllocation(cpuCores: ac, memoryBytes: am) { count in
                (cpu: [Double](repeating: 5, count: count), memory: [Double](repeating: 5e9, count: count))
            }
            let a = kept.features(), b = readBack.features()
            for j in a.indices {
                #expect(a[j].bitPattern == b[j].bitPattern || (a[j].isNaN && b[j].isNaN), "sample \(k) feature \(RiskFeatures.names[j])")
            }
            comparedRows += 1
        }
        #expect(recounts >= 15 && comparedRows > 2400)
        #expect(readBack.recountsNotReadBack == 0)
        #expect(notTheState.recountsNotReadBack > 0)
        // Judged again only over the day, the week-long features differ from the recounted ones somewhere.
        let weekly = [RiskFeatures.names.firstIndex(of: "br_1w")!, RiskFeatures.names.firstIndex(of: "on_1w")!]
        #expect(weekly.contains { kept.features()[$0] != notTheState.features()[$0] })
    }
}
