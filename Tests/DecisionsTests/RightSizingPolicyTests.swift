import Foundation
@testable import Models
import Testing
@testable import Decisions

/// The predictive and reactive right-sizing rules, the VPA updater's rules and the
/// frontier's interpolation, on cases worked by hand.
@Suite("Right-sizing policies")
struct RightSizingPolicyTests {
    static let gib = 1_073_741_824.0
    static let day = 86_400.0
    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

    /// 7 days of 5-minute samples ending at `end` (exclusive): CPU 1 core and memory 1 GiB,
    /// except CPU 2 cores yesterday during the hour after `end`.
    static func week(end: Double) -> UsageHistory {
        var h = UsageHistory(intervalSeconds: 300, capacitySteps: 15 * 288)
        var t = end - 7 * day
        while t < end {
            let yesterdaysNextHour = t > end - day && t <= end - day + 3600
            h.append([yesterdaysNextHour ? 2 : 1, gib], at: t)
            t += 300
        }
        return h
    }

    @Test("seasonal quantile: rank ⌈q·n⌉ over the coming hour on each past day")
    func seasonal() {
        let end = 20_000 * 3600.0
        var h = Self.week(end: end)
        h.append([1, Self.gib], at: end)
        let now = h.lastStep!
        // 7 days × 12 steps = 84 values (the oldest day's are just inside the ring), 12 of them 2:
        // rank ⌈0.95 · 84⌉ = 80 > 72 → 2; ⌈0.8 · 84⌉ = 68 ≤ 72 → 1.
        #expect(h.seasonalQuantile(0, 0.95, now: now, aheadSteps: 12, days: 7) == 2)
        #expect(h.seasonalQuantile(0, 0.8, now: now, aheadSteps: 12, days: 7) == 1)
        #expect(h.max(0, steps: 12, endingAt: now) == 1)
        #expect(h.seasonalQuantile(1, 1, now: now, aheadSteps: 12, days: 14) == Self.gib, "missing days are skipped")
    }

    @Test("predictive: (1 + m_cpu) × max(seasonal p95, last hour), 1.5 × on throttling, held 2 h; memory (1 + m) × peaks, OOM bump")
    func predictive() {
        let end = 20_000 * 3600.0
        var h = Self.week(end: end)
        h.append([1, Self.gib], at: end)
        // The study's pair (CPU margin −0.66, memory margin 0.23), with the CPU knob at the
        // default 0.40 so the hold is the full 2 h.
        var configuration = PredictiveSizing.Configuration(margin: 0.23, cpuKnob: 0.40)
        configuration.cpuMarginOffset = -1.06
        var p = PredictiveSizing(configuration: configuration)
        // CPU: (1 + 0.23 − 0.89) × max(2, 1) = 0.34 × 2 = 0.68; memory 1.23 × 1 GiB.
        let t = p.target(history: h, now: end, allocation: [1, Self.gib], throttled: false, oomKilled: false, score: nil, enterThreshold: 0.3)
        #expect(Self.close(t[0], 0.68) && Self.close(t[1], 1.23 * Self.gib))
        // Throttled at allocation 1: ≥ 1.5; OOM at 1 GiB: max(1.2 GiB, 1 GiB + 100 MiB) = 1.2 GiB, × 1.23.
        h.append([1, Self.gib], at: end + 300)
        let hot = p.target(history: h, now: end + 300, allocation: [1, Self.gib], throttled: true, oomKilled: true, score: nil, enterThreshold: 0.3)
        #expect(Self.close(hot[0], 1.5) && Self.close(hot[1], 1.2 * 1.23 * Self.gib))
        // One hour later, not throttled: the coming hour is plain 1s, 0.34 < the allocation 1.5, but within 2 h of the throttle: held at 1.5.
        h.append([1, Self.gib], at: end + 3900)
        let held = p.target(history: h, now: end + 3900, allocation: [1.5, Self.gib], throttled: false, oomKilled: false, score: nil, enterThreshold: 0.3)
        #expect(held[0] == 1.5)
        // 2 h after the throttle it may go down again: 0.34.
        h.append([1, Self.gib], at: end + 7500)
        let free = p.target(history: h, now: end + 7500, allocation: [1.5, Self.gib], throttled: false, oomKilled: false, score: nil, enterThreshold: 0.3)
        #expect(Self.close(free[0], 0.34))
        // Below the default knob the hold halves per −0.1: at the CPU knob 0.30 (same CPU
        // margin) it is 1 h, so 45 min after the throttle it holds and 75 min after it does not.
        var low = PredictiveSizing.Configuration(margin: 0.23, cpuKnob: 0.30)
        low.cpuMarginOffset = -0.96
        #expect(Self.close(low.cpuHoldScale, 0.5))
        func afterThrottle(_ seconds: Double) -> Double {
            var q = PredictiveSizing(configuration: low)
            _ = q.target(history: h, now: end + 300, allocation: [1, Self.gib], throttled: true, oomKilled: false, score: nil, enterThreshold: 0.3)
            return q.target(history: h, now: end + 300 + seconds, allocation: [1.5, Self.gib], throttled: false, oomKilled: false,
                            score: nil, enterThreshold: 0.3)[0]
        }
        #expect(afterThrottle(45 * 60) == 1.5)
        #expect(Self.close(afterThrottle(75 * 60), 0.34))
        // The online score's growth alarm: risk 0.9 > 0.3 lifts CPU to the planned demand 3 cores.
        var planned = [Double](repeating: .nan, count: 6)
        planned[0] = 3
        let score = WorkloadScore(timestamp: Int64(end + 7800), risk: 0.9, rawRisk: 0.9, heavyPhaseProbability: nil, resourceAtRisk: "cpu_cores",
                                  expectedSecondsToBreach: nil, plannedDemand: planned, exceedance: planned)
        h.append([1, Self.gib], at: end + 7800)
        let alarmed = p.target(history: h, now: end + 7800, allocation: [1.5, Self.gib], throttled: false, oomKilled: false, score: score, enterThreshold: 0.3)
        #expect(alarmed[0] == 3)
        let calm = p.target(history: h, now: end + 7800, allocation: [1.5, Self.gib], throttled: false, oomKilled: false, score: score, enterThreshold: 0.95)
        #expect(Self.close(calm[0], 0.34))
    }

    @Test("predictive, younger than a day without a table: max(last hour's peak, the forecast's peak at a knob-set quantile), 2-h decrease gap; gaps halve per −0.1 of knob below 0.40, the peak's window doubles per +0.1 above")
    func predictiveYoung() {
        // Five hours of 5-minute samples: no past day, so no seasonal term.
        var h = UsageHistory(intervalSeconds: 300, capacitySteps: 15 * 288)
        let start = 20_000 * 3600.0
        for k in 0..<60 { h.append([k == 50 ? 0.7 : 0.5, Self.gib], at: start + Double(k) * 300) }
        let now = start + 59 * 300
        #expect(h.seasonalQuantile(0, 0.95, now: h.lastStep!, aheadSteps: 12, days: 7).isNaN)
        // The forecast's CPU peaks over the horizon: p50 0.5, p90 0.9, p99 1.2.
        var planned = [Double](repeating: .nan, count: 6)
        planned[0] = 0.9
        var peaks = [Double](repeating: .nan, count: 18)
        peaks[0] = 0.5; peaks[1] = 0.9; peaks[2] = 1.2
        let z90 = 1.2815515655446004, z99 = 2.3263478740408408   // scipy norm.ppf(0.9), norm.ppf(0.99)
        var score = WorkloadScore(timestamp: Int64(now), risk: 0.01, rawRisk: 0.01, heavyPhaseProbability: nil, resourceAtRisk: nil,
                                  expectedSecondsToBreach: nil, plannedDemand: planned, exceedance: planned)
        score.levelPeaks = peaks
        score.levelScores = [0, z90, z99]
        func cpu(_ configuration: PredictiveSizing.Configuration, score: WorkloadScore?, allocation: Double = 2,
                 lastChange: Double? = nil) -> Double {
            var p = PredictiveSizing(configuration: configuration)
            return p.target(history: h, now: now, allocation: [allocation, Self.gib], throttled: false, oomKilled: false, score: score,
                            enterThreshold: 0.3, lastCPUChangeAt: lastChange)[0]
        }
        // Default knob 0.40: z = Φ⁻¹(0.9), the p90 peak 0.9 over the last hour's 0.7, though
        // the risk 0.01 raises no alarm (the margin rule gave 0.95 × 0.7).
        #expect(Self.close(cpu(.init(), score: score), 0.9))
        // Knob 0.50: z = z90 + 0.4, between p90 and p99: 0.9 + 0.3 × 0.4 / (z99 − z90) = 1.014855.
        #expect(abs(cpu(.init(margin: 0.50), score: score) - 1.0148549) < 1e-6)
        // The CPU knob alone at 0.30: z = z90 − 0.4, between p50 and p90: 0.5 + 0.4 × (z90 − 0.4) / z90 = 0.775151.
        #expect(abs(cpu(.init(margin: 0.40, cpuKnob: 0.30), score: score) - 0.7751513) < 1e-6)
        // At 0.00 (z = z90 − 1.6 < 0, extrapolated to 0.40) the last hour's peak 0.7 is the floor.
        #expect(Self.close(cpu(.init(margin: 0.40, cpuKnob: 0.0), score: score), 0.7))
        // Above 0.40 the peak's window doubles per +0.1. A spike of 0.9 at step 30 of 60,
        // 2.4 h back, no score: at 0.40 the last hour's peak 0.5 (× 1); at 0.50 the last 2 h
        // (steps 36…59) still miss it (1.1 × 0.5); at 0.60 the last 4 h (steps 12…59) hold it:
        // 1.2 × 0.9.
        var spiky = UsageHistory(intervalSeconds: 300, capacitySteps: 15 * 288)
        for k in 0..<60 { spiky.append([k == 30 ? 0.9 : 0.5, Self.gib], at: start + Double(k) * 300) }
        func spikyCPU(_ knob: Double) -> Double {
            var p = PredictiveSizing(configuration: .init(margin: knob))
            return p.target(history: spiky, now: now, allocation: [2, Self.gib], throttled: false, oomKilled: false, score: nil,
                            enterThreshold: 0.3)[0]
        }
        #expect(Self.close(PredictiveSizing.Configuration(margin: 0.60).youngCPURecentScale, 4))
        #expect(PredictiveSizing.Configuration(margin: 0.20).youngCPURecentScale == 1)
        #expect(Self.close(spikyCPU(0.40), 0.5))
        #expect(Self.close(spikyCPU(0.50), 0.55))
        #expect(Self.close(spikyCPU(0.60), 1.08))
        // A knob of 5 asks for 2^46 hours: the window stops at the ring (15 days), no trap.
        #expect(Self.close(spikyCPU(5), 5.6 * 0.9))
        #expect(spiky.max(0, steps: 0, endingAt: spiky.lastStep!).isNaN)
        #expect(spiky.max(0, steps: .max, endingAt: spiky.lastStep!) == 0.9)
        // No score (or one without level peaks): (1 + knob − 0.40) × the last hour's peak.
        #expect(Self.close(cpu(.init(), score: nil), 0.7))
        #expect(Self.close(cpu(.init(margin: 0.50), score: nil), 0.77))
        var bare = score
        bare.levelPeaks = []
        #expect(Self.close(cpu(.init(margin: 0.50), score: bare), 0.77))
        // A decrease from 2 cores: allowed 3 h after the last CPU change, not 1 h after (2-h gap).
        #expect(Self.close(cpu(.init(), score: score, lastChange: now - 3 * 3600), 0.9))
        #expect(cpu(.init(), score: score, lastChange: now - 3600) == 2)
        // Below the default knob the gap halves per −0.1: at the CPU knob 0.30 it is 1 h.
        #expect(cpu(.init(), score: score, lastChange: now - 1.5 * 3600) == 2)
        #expect(abs(cpu(.init(margin: 0.40, cpuKnob: 0.30), score: score, lastChange: now - 1.5 * 3600) - 0.7751513) < 1e-6)
        #expect(cpu(.init(margin: 0.40, cpuKnob: 0.30), score: score, lastChange: now - 0.5 * 3600) == 2)
        // At 23 h 25 min (step 281) the coming hour a day ago holds 6 of its 12 steps (0…5): still young.
        for k in 60...281 { h.append([0.5, Self.gib], at: start + Double(k) * 300) }
        #expect(!h.seasonalQuantile(0, 0.95, now: h.lastStep!, aheadSteps: 12, days: 7).isNaN)
        #expect(h.seasonalQuantile(0, 0.95, now: h.lastStep!, aheadSteps: 12, days: 7, minimumCount: 12).isNaN)
        var y = PredictiveSizing()
        #expect(Self.close(y.target(history: h, now: start + 281 * 300, allocation: [2, Self.gib], throttled: false, oomKilled: false,
                                    score: score, enterThreshold: 0.3)[0], 0.9))
        // A day later the seasonal term exists and the margin rule serves again, with its 6-h gap.
        for k in 282..<(60 + 288) { h.append([0.5, Self.gib], at: start + Double(k) * 300) }
        let later = start + Double(60 + 287) * 300
        #expect(!h.seasonalQuantile(0, 0.95, now: h.lastStep!, aheadSteps: 12, days: 7).isNaN)
        var r = PredictiveSizing()
        let old = r.target(history: h, now: later, allocation: [2, Self.gib], throttled: false, oomKilled: false, score: score, enterThreshold: 0.3)
        // max(seasonal p95, last hour's peak) × 0.95: the coming hour a day ago is steps 60…71,
        // all 0.5 (the 0.7 was step 50), and no older day has it; the last hour is 0.5 too.
        #expect(Self.close(old[0], 0.95 * 0.5))
        var s = PredictiveSizing()
        let held = s.target(history: h, now: later, allocation: [2, Self.gib], throttled: false, oomKilled: false, score: score,
                            enterThreshold: 0.3, lastCPUChangeAt: later - 3 * 3600)
        #expect(held[0] == 2)
        // At the CPU knob 0.30 the 6-h gap is 3 h: 4 h after a change it comes down to
        // (1 + 0.30 − 0.45) × 0.5 = 0.425; 2 h after, it holds.
        func margin(_ knob: Double, since: Double) -> Double {
            var p = PredictiveSizing(configuration: .init(margin: 0.40, cpuKnob: knob))
            return p.target(history: h, now: later, allocation: [2, Self.gib], throttled: false, oomKilled: false, score: score,
                            enterThreshold: 0.3, lastCPUChangeAt: later - since)[0]
        }
        #expect(Self.close(margin(0.30, since: 4 * 3600), 0.425))
        #expect(margin(0.30, since: 2 * 3600) == 2)
        #expect(PredictiveSizing.Configuration(margin: 0.6).cpuHoldScale == 1)
        #expect(Self.close(PredictiveSizing.Configuration(margin: 0.4, cpuKnob: 0.2).cpuHoldScale, 0.25))
    }

    @Test("reactive: factor × the 6-h peak, at least factor × the allocation on a breach (memory also + 100 MiB)")
    func reactive() {
        var h = UsageHistory(intervalSeconds: 300, capacitySteps: 200)
        let t0 = 1_000_000 * 300.0
        h.append([3, 3 * Self.gib], at: t0)
        for k in 1...72 { h.append([1, Self.gib], at: t0 + Double(k) * 300) }
        // 72 steps after the 3s: the 6-h window (72 steps) no longer holds them → 1.2 × 1.
        let r = ReactiveSizing(factor: 1.2)
        let t = r.target(history: h, allocation: [2, 2 * Self.gib], throttled: false, oomKilled: false)
        #expect(Self.close(t[0], 1.2) && Self.close(t[1], 1.2 * Self.gib))
        let hot = r.target(history: h, allocation: [2, 2 * Self.gib], throttled: true, oomKilled: true)
        #expect(Self.close(hot[0], 2.4) && Self.close(hot[1], 2.4 * Self.gib))
        // Factor 1.02 on 2 GiB: + 100 MiB beats × 1.02.
        let small = ReactiveSizing(factor: 1.02).target(history: h, allocation: [2, 2 * Self.gib], throttled: false, oomKilled: true)
        #expect(small[1] == 2 * Self.gib + 100 * 1_048_576)
    }

    @Test("VPA updater: outside [lower, upper]; or ≥ 12 h old and Σ relative difference ≥ 10 %; or a quick OOM")
    func vpaUpdater() {
        let lower = [0.5, 1.0], upper = [2.0, 4.0], target = [1.1, 2.0]
        func update(_ allocation: [Double], age: Double?, oom: Bool = false, target: [Double] = target) -> Bool {
            VPARecommender.updaterWouldUpdate(target: target, lower: lower, upper: upper, allocation: allocation,
                                              secondsSinceStart: age, oomKilled: oom)
        }
        #expect(update([0.4, 2.0], age: 60), "CPU below its lower bound")
        #expect(update([1.0, 4.5], age: 60), "memory above its upper bound")
        // Inside: |1 − 1.1|/1 + |2 − 2|/2 = 0.1 ≥ 0.1 → only once 12 h old.
        #expect(!update([1.0, 2.0], age: 11 * 3600))
        #expect(update([1.0, 2.0], age: 12 * 3600))
        #expect(update([1.0, 2.0], age: nil), "no change yet: an old pod")
        // 0.05 + 0.04 = 0.09 < 0.1: never.
        #expect(!update([1.0, 2.0], age: 13 * 3600, target: [1.05, 2.08]))
        // Quick OOM (5 min after the last change): any difference.
        #expect(update([1.0, 2.0], age: 300, oom: true, target: [1.0, 2.4]))
        #expect(!update([1.0, 2.0], age: 300, oom: true, target: [1.0, 2.0]))
    }

    @Test("frontier interpolation: linear between neighbours, nil outside the swept range")
    func interpolation() {
        let curve: [(x: Double, y: Double)] = [(10, 100), (30, 20), (20, 40)]
        #expect(ReplayFrontier.interpolate(curve, at: 15) == 70)
        #expect(ReplayFrontier.interpolate(curve, at: 25) == 30)
        #expect(ReplayFrontier.interpolate(curve, at: 30) == 20)
        #expect(ReplayFrontier.interpolate(curve, at: 5) == nil)
        #expect(ReplayFrontier.interpolate(curve, at: 31) == nil)
    }

    static func summary(oom: Int, throttled: Double, slackCores: Double, slackGiB: Double) -> ReplaySummary {
        var s = ReplaySummary(policy: "predictive", knob: nil, from: 0, to: 1, modelVersion: "v", workloads: 1)
        s.oomKills = oom
        s.throttledCoreMinutes = throttled
        s.slackCoreHours = slackCores
        s.slackGibHours = slackGiB
        return s
    }

    @Test("equal-slack judgement: the candidate's curve read at the reference's slack, by hand")
    func equalSlack() {
        // Candidate curve: (GiB-h, kills) = (100, 30), (200, 10); (core-h, min) = (50, 400), (150, 100).
        let curve = [Self.summary(oom: 30, throttled: 400, slackCores: 50, slackGiB: 100),
                     Self.summary(oom: 10, throttled: 100, slackCores: 150, slackGiB: 200)]
        // Reference at 150 GiB-h / 100 core-h: the candidate has 20 kills (midway) and 250 min.
        let worse = EqualSlackJudgement(candidate: curve, reference: Self.summary(oom: 18, throttled: 300, slackCores: 100, slackGiB: 150))
        #expect(worse.candidateOOMKills == 20)
        #expect(worse.candidateThrottledCoreMinutes == 250)
        // Allowed: 18 × 1.05 + 1 = 19.9 < 20 kills → fails; 300 × 1.05 + 1 = 316 ≥ 250 → passes.
        #expect(!worse.oomKillsPass)
        #expect(worse.throttlingPass)
        #expect(!worse.passes)
        let better = EqualSlackJudgement(candidate: curve, reference: Self.summary(oom: 19, throttled: 300, slackCores: 100, slackGiB: 150))
        #expect(better.passes)  // 19 × 1.05 + 1 = 20.95 ≥ 20
        // A reference slack outside the swept range cannot be judged: refused.
        let outside = EqualSlackJudgement(candidate: curve, reference: Self.summary(oom: 100, throttled: 1000, slackCores: 100, slackGiB: 250))
        #expect(outside.candidateOOMKills == nil)
        #expect(!outside.passes)
    }

    @Test("a read-off replayed at its own knobs narrows the curves: the next read-off interpolates between it and the nearest swept point")
    func readOffs() {
        // Sweep: knob 0 → (100 core-h, 1000 GiB-h), knob 0.4 → (300, 1400). Aim: 150 core-h, 1300 GiB-h.
        let a = Self.summary(oom: 10, throttled: 500, slackCores: 100, slackGiB: 1000), b = Self.summary(oom: 2, throttled: 100, slackCores: 300, slackGiB: 1400)
        var frontier = ReplayFrontier(points: [.init(policy: .predictive, knob: 0, summary: a), .init(policy: .predictive, knob: 0.4, summary: b)])
        // The first read-off, (0.1, 0.3), replayed: its CPU slack came out 200 (the curve is not
        // linear), memory 1300 as aimed. Miss: max(|200/150 − 1|, 0) = 1/3.
        let replayed = Self.summary(oom: 4, throttled: 200, slackCores: 200, slackGiB: 1300)
        #expect(abs(ReplayFrontier.slackMiss(replayed, slackCoreHours: 150, slackGibHours: 1300) - 1.0 / 3) < 1e-12)
        frontier.readOffs.append(.init(policy: .predictive, cpuKnob: 0.1, memoryKnob: 0.3, summary: replayed))
        // CPU: 150 lies between (100, knob 0) and (200, knob 0.1) → 0.05. Memory: 1300 is the read-off's own → 0.3.
        let next = frontier.matchingKnobs(.predictive, slackCoreHours: 150, slackGibHours: 1300)
        #expect(next.map { abs($0.cpu - 0.05) < 1e-12 && abs($0.memory - 0.3) < 1e-12 } == true)
        // Another policy's read-offs are not read.
        frontier.readOffs.append(.init(policy: .vpa, cpuKnob: 9, memoryKnob: 9, summary: Self.summary(oom: 0, throttled: 0, slackCores: 140, slackGiB: 1290)))
        #expect(frontier.matchingKnobs(.predictive, slackCoreHours: 150, slackGibHours: 1300).map { abs($0.cpu - 0.05) < 1e-12 } == true)
        #expect(ReplayFrontier.slackMiss(replayed, slackCoreHours: 0, slackGibHours: 1300) == .infinity)
    }

    @Test("at the baseline's cost: the replay below its slacks closest to it at no higher cost, the one at 0.9 included")
    func closestInCost() {
        var base = Self.summary(oom: 8, throttled: 400, slackCores: 150, slackGiB: 1300)
        base.cost = 100
        func matched(_ scale: Double, cost: Double) -> ReplayFrontier.Matched {
            var run = Self.summary(oom: 4, throttled: 100, slackCores: 150 * scale, slackGiB: 1300 * scale)
            run.cost = cost
            return ReplayFrontier.Matched(slackScale: scale, cpuKnob: 0, memoryKnob: 0, summary: run, baseline: base)
        }
        // s = 0.9 costs 99.5 (met: no further replay is placed) → it is the answer.
        #expect(ReplayFrontier.closestInCost([matched(0.9, cost: 99.5)])?.slackScale == 0.9)
        // 0.9 at 97, 0.95 at 100.3, 0.93 at 99.2 → 0.93: the closest at no higher cost (100.3 is nearer, but above).
        #expect(ReplayFrontier.closestInCost([matched(0.9, cost: 97), matched(0.95, cost: 100.3), matched(0.93, cost: 99.2)])?.slackScale == 0.93)
        // Every one above the cost: the cheapest.
        #expect(ReplayFrontier.closestInCost([matched(0.9, cost: 103), matched(0.8, cost: 101)])?.slackScale == 0.8)
        #expect(ReplayFrontier.closestInCost([]) == nil)
        base.cost = 0
        #expect(ReplayFrontier.closestInCost([ReplayFrontier.Matched(slackScale: 0.9, cpuKnob: 0, memoryKnob: 0, summary: base, baseline: base)]) == nil,
                "no cost ratio against a baseline that costs nothing")
    }

    @Test("two knobs: each resource's knob read off its own slack curve; the CPU knob moves only the CPU target")
    func matchingKnobs() {
        // Predictive at knobs 0 and 0.4: (core-h, GiB-h) = (100, 1000) and (300, 1400).
        var a = Self.summary(oom: 10, throttled: 500, slackCores: 100, slackGiB: 1000), b = Self.summary(oom: 2, throttled: 100, slackCores: 300, slackGiB: 1400)
        a.cost = 10; b.cost = 14
        let frontier = ReplayFrontier(points: [.init(policy: .predictive, knob: 0, summary: a), .init(policy: .predictive, knob: 0.4, summary: b)])
        // vpa at 150 core-h, 1300 GiB-h: CPU knob 0.1 (a quarter of the way), memory knob 0.3 (three quarters).
        let knobs = frontier.matchingKnobs(.predictive, slackCoreHours: 150, slackGibHours: 1300)
        #expect(knobs.map { abs($0.cpu - 0.1) < 1e-12 && abs($0.memory - 0.3) < 1e-12 } == true)
        #expect(frontier.matchingKnobs(.predictive, slackCoreHours: 350, slackGibHours: 1300) == nil, "outside the swept CPU slack")
        // The matched replay against a baseline: every figure a ratio to the baseline's.
        var base = Self.summary(oom: 8, throttled: 400, slackCores: 150, slackGiB: 1300)
        base.cost = 12
        var run = Self.summary(oom: 2, throttled: 100, slackCores: 147, slackGiB: 1326)
        run.cost = 12.6
        let m = ReplayFrontier.Matched(cpuKnob: 0.1, memoryKnob: 0.3, summary: run, baseline: base)
        #expect(m.oomKillsRatio == 0.25 && m.throttledRatio == 0.25 && m.slackCoreHoursRatio == 0.98 && m.slackGibHoursRatio == 1.02)
        #expect(abs(m.costRatio! - 1.05) < 1e-12)
        #expect(m.slackScale == 1)
        // Equal cost (worked by hand): 105 at s = 1, 95 at s = 0.9 bracket the baseline's 100 →
        // 100 per unit of s, met at s = 0.95.
        #expect(abs(ReplayFrontier.costMatchingScale(tried: [(1, 105), (0.9, 95)], baselineCost: 100)! - 0.95) < 1e-12)
        #expect(ReplayFrontier.costMatchingScale(tried: [(1, 105), (0.9, 104)], baselineCost: 50) == 0.5, "clamped (10 per unit of s: 50 lies at s = −4.5)")
        // Not bracketed: the secant through the two nearest, 5 per unit of s from 101.5 at 0.9 → 0.6 …
        #expect(abs(ReplayFrontier.costMatchingScale(tried: [(1, 102), (0.9, 101.5)], baselineCost: 100)! - 0.6) < 1e-12)
        // … which overshoots to 91: between 0.6 (91) and 0.9 (101.5), 35 per unit → 0.6 + 9/35.
        #expect(abs(ReplayFrontier.costMatchingScale(tried: [(1, 102), (0.9, 101.5), (0.6, 91)], baselineCost: 100)! - (0.6 + 9.0 / 35)) < 1e-12)
        #expect(ReplayFrontier.costMatchingScale(tried: [(1, 102), (0.9, 101.5), (0.86, 99.6)], baselineCost: 100) == nil, "met: at most the cost, by less than 1 %")
        // 100.4 is above the cost, so not met: the secant through (0.86, 100.4) and (0.9, 101.5), 27.5 per unit → 0.86 − 0.4/27.5.
        #expect(abs(ReplayFrontier.costMatchingScale(tried: [(1, 102), (0.9, 101.5), (0.86, 100.4)], baselineCost: 100)! - (0.86 - 0.4 / 27.5)) < 1e-12)
        // 101 at s = 1 (above) and 94 at 0.9 bracket it: 70 per unit → 0.9 + 6/70.
        #expect(abs(ReplayFrontier.costMatchingScale(tried: [(1, 101), (0.9, 94)], baselineCost: 100)! - (0.9 + 6.0 / 70)) < 1e-12)
        #expect(ReplayFrontier.costMatchingScale(tried: [(1, 102), (0.9, 103)], baselineCost: 100) == nil, "cost does not fall with slack")
        // PredictiveSizing: the CPU knob replaces the margin on the CPU side only.
        let end = 20_000 * 3600.0
        var h = Self.week(end: end)
        h.append([1, Self.gib], at: end)
        var one = PredictiveSizing.Configuration(margin: 0.23)
        one.cpuMarginOffset = -0.89
        var two = one
        two.cpuKnob = 0.43
        var p1 = PredictiveSizing(configuration: one), p2 = PredictiveSizing(configuration: two)
        let t1 = p1.target(history: h, now: end, allocation: [1, Self.gib], throttled: false, oomKilled: false, score: nil, enterThreshold: 0.3)
        let t2 = p2.target(history: h, now: end, allocation: [1, Self.gib], throttled: false, oomKilled: false, score: nil, enterThreshold: 0.3)
        // CPU (1 + 0.43 − 0.89) × 2 = 1.08 instead of 0.68; memory 1.23 GiB both.
        #expect(Self.close(t1[0], 0.68) && Self.close(t2[0], 1.08))
        #expect(t1[1] == t2[1])
    }
}
