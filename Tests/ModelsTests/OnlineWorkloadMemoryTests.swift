import Forecast
import Foundation
@testable import Models
import Testing

/// What a workload keeps (issue 15 item 4): the scorer's state drops what it never reads
/// again — the CPU and memory naive window once their median is warm, ARIMA states it never
/// advances, the members' buffers (shared between workloads through a `Scratch`) — and its
/// forecasts stay those of the state that keeps everything.
@Suite("Online workload memory")
struct OnlineWorkloadMemoryTests {
    /// `OnlineWorkloadTests.history` with disk read and network transmit filled in (so the
    /// naive member serves resources besides CPU and memory), scaled by `scale`.
    static func history(steps: Int, seed: UInt64, scale: Double = 1) -> [Double] {
        var values = OnlineWorkloadTests.history(steps: steps, seed: seed)
        var generator = SeededGenerator(seed: seed + 100)
        for k in 0..<steps {
            values[k * Resource.count] *= scale
            values[k * Resource.count + 1] *= scale
            values[k * Resource.count + Resource.diskReadBytesPerSecond.rawValue] = 1e6 * scale * (1 + generator.nextUniform())
            values[k * Resource.count + Resource.networkTransmitBytesPerSecond.rawValue] = k % 50 == 0 ? .nan : 3e5 * generator.nextUniform()
        }
        return values
    }

    @Test("past the median's warm-up the scorer's state, its CPU and memory naive window released and its buffers shared with another workload, forecasts what the full state does")
    func releasedWindowSameForecast() throws {
        let steps = 1200   // past the median's warm-up (24 samples)
        let a = Self.history(steps: steps, seed: 7), b = Self.history(steps: steps, seed: 8, scale: 1.7)
        var models = try OnlineWorkloadTests.models(history: a, steps: steps)
        // The demo version's shape: naive for CPU, memory, disk read; LSTM for the rest; ARIMA nowhere.
        models.blendWeights = [BlendWeights(arima: 0, lstm: 0, naive: 1), BlendWeights(arima: 0, lstm: 0, naive: 1),
                               BlendWeights(arima: 0, lstm: 0, naive: 1), BlendWeights(arima: 0, lstm: 1, naive: 0),
                               BlendWeights(arima: 0, lstm: 1, naive: 0), BlendWeights(arima: 0, lstm: 0.75, naive: 0.25)]
        let limits = [8, 16e9, Double.nan, .nan, .nan, .nan]
        func state(_ advance: OnlineWorkload.MemberAdvance) -> OnlineWorkload {
            OnlineWorkload(name: "w", models: models, intervalSeconds: OnlineWorkloadTests.interval, horizonSteps: 12, limits: limits,
                           advance: advance)
        }
        var scorerA = state(.weightedMembers), scorerB = state(.weightedMembers), fullA = state(.allMembers), fullB = state(.allMembers)
        #expect(scorerA.hasARIMA && fullA.hasARIMA)   // the model exists, its state is not kept
        var scratch = OnlineWorkload.Scratch()
        var outA: [[Double]] = [], outB: [[Double]] = []
        var compared = 0, warmCompared = 0
        for k in 0..<steps {
            let t = OnlineWorkloadTests.start + Int64(k) * OnlineWorkloadTests.interval
            let rowA = Array(a[(k * 6)..<(k * 6 + 6)]), rowB = Array(b[(k * 6)..<(k * 6 + 6)])
            scorerA.ingest(timestamp: t, values: rowA); fullA.ingest(timestamp: t, values: rowA)
            scorerB.ingest(timestamp: t, values: rowB); fullB.ingest(timestamp: t, values: rowB)
            guard k % 31 == 0 || k == steps - 1 else { continue }
            // The two workloads take turns in one scratch, as in the scorer's tick.
            scorerA.forecast(into: &outA, scratch: &scratch)
            scorerB.forecast(into: &outB, scratch: &scratch)
            let expectedA = fullA.forecast(), expectedB = fullB.forecast()
            for r in 0..<Resource.count {
                for i in 0..<36 {
                    #expect(outA[r][i].bitPattern == expectedA[r][i].bitPattern || (outA[r][i].isNaN && expectedA[r][i].isNaN),
                            "A: step \(k) resource \(r) value \(i)")
                    #expect(outB[r][i].bitPattern == expectedB[r][i].bitPattern || (outB[r][i].isNaN && expectedB[r][i].isNaN),
                            "B: step \(k) resource \(r) value \(i)")
                    if outA[r][i].isFinite { compared += 1; if k > 900 { warmCompared += 1 } }
                }
            }
        }
        #expect(compared > 30 * 4 * 36 && warmCompared > 0)
        // CPU and memory's naive windows are gone in the scorer's state (NaN members), kept in
        // the full one; disk read's is kept in both and gives the same member.
        let scorerMembers = scorerA.memberForecasts(), fullMembers = fullA.memberForecasts()
        for r in 0..<2 {
            #expect(scorerMembers.naive[r].allSatisfy { $0.isNaN })
            #expect(fullMembers.naive[r].allSatisfy { $0.isFinite })
        }
        #expect(scorerMembers.naive[2] == fullMembers.naive[2] && scorerMembers.naive[2].allSatisfy { $0.isFinite })
    }

    @Test("one scratch serves workloads of different horizons and levels in turn")
    func scratchAcrossShapes() throws {
        let steps = 200
        let a = Self.history(steps: steps, seed: 9)
        let models = try OnlineWorkloadTests.models(history: a, steps: steps)
        let limits = [8, 16e9, Double.nan, .nan, .nan, .nan]
        var states = [OnlineWorkload(name: "w", models: models, intervalSeconds: 300, horizonSteps: 12, limits: limits, advance: .weightedMembers),
                      OnlineWorkload(name: "w", models: models, intervalSeconds: 300, horizonSteps: 6, levels: [0.5, 0.9],
                                     limits: limits, advance: .weightedMembers),
                      OnlineWorkload(name: "x", models: models, intervalSeconds: 300, horizonSteps: 12, limits: limits, advance: .weightedMembers)]
        var scratch = OnlineWorkload.Scratch()
        var outs = [[[Double]]](repeating: [], count: states.count)
        for k in 0..<steps {
            let row = Array(a[(k * 6)..<(k * 6 + 6)])
            for s in states.indices {
                states[s].ingest(timestamp: OnlineWorkloadTests.start + Int64(k) * 300, values: row)
                guard k % 17 == 0 else { continue }
                states[s].forecast(into: &outs[s], scratch: &scratch)
                var copy = states[s]
                let fresh = copy.forecast()   // its own fresh scratch
                #expect(outs[s].count == fresh.count)
                for r in fresh.indices {
                    #expect(outs[s][r].count == fresh[r].count)
                    for i in fresh[r].indices {
                        #expect(outs[s][r][i].bitPattern == fresh[r][i].bitPattern || (outs[s][r][i].isNaN && fresh[r][i].isNaN),
                                "state \(s) step \(k) resource \(r) value \(i)")
                    }
                }
            }
        }
    }

    @Test("the naive window: Float values, a released column reads NaN, the ring wraps")
    func naiveHistoryColumns() {
        var history = NaiveHistory(capacity: 5, resources: 2)
        for step in 0..<8 { history.record(step: step, row: [Double(step) + 0.1, 1e300]) }
        var out = [Double](repeating: 0, count: 5)
        out.withUnsafeMutableBufferPointer { history.column(0, start: 3, count: 5, into: $0.baseAddress!) }
        #expect(out == (3..<8).map { Double(Float(Double($0) + 0.1)) })
        out.withUnsafeMutableBufferPointer { history.column(1, start: 3, count: 5, into: $0.baseAddress!) }
        #expect(out.allSatisfy { $0 == .infinity })   // beyond Float: its changes are left out
        #expect(history.holds(1))
        history.release(1)
        #expect(!history.holds(1) && history.holds(0))
        history.record(step: 8, row: [8.1, 2])
        out.withUnsafeMutableBufferPointer { history.column(1, start: 4, count: 5, into: $0.baseAddress!) }
        #expect(out.allSatisfy { $0.isNaN })
        out.withUnsafeMutableBufferPointer { history.column(0, start: 4, count: 5, into: $0.baseAddress!) }
        #expect(out == (4..<9).map { Double(Float(Double($0) + 0.1)) })
    }
}
