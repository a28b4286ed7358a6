import Foundation

/// The trade-off of right-sizing policies: each policy replayed over its knob values, and
/// the comparison of one policy with another at the second's slack (issue 11, item 6).
package struct ReplayFrontier: Sendable {
    /// One replay: the policy at one knob value.
    package struct Point: Sendable, Equatable {
        package var policy: ReplayPolicy
        package var knob: Double
        package var summary: ReplaySummary
        package init(policy: ReplayPolicy, knob: Double, summary: ReplaySummary) {
            self.policy = policy
            self.knob = knob
            self.summary = summary
        }
    }

    package var points: [Point]
    /// Replays of a candidate at a knob per resource (the read-offs at the baseline's
    /// slacks), which `matchingKnobs` reads beside the sweep: each resource's slack against
    /// its own knob.
    package var readOffs: [ReadOff] = []

    /// One replay of a policy at a CPU knob and a memory knob of their own.
    package struct ReadOff: Sendable, Equatable {
        package var policy: ReplayPolicy
        package var cpuKnob: Double
        package var memoryKnob: Double
        package var summary: ReplaySummary
        package init(policy: ReplayPolicy, cpuKnob: Double, memoryKnob: Double, summary: ReplaySummary) {
            self.policy = policy
            self.cpuKnob = cpuKnob
            self.memoryKnob = memoryKnob
            self.summary = summary
        }
    }

    package init(points: [Point]) { self.points = points }

    /// The points of `policy`, in knob order.
    package func line(_ policy: ReplayPolicy) -> [Point] {
        points.filter { $0.policy == policy }.sorted { $0.knob < $1.knob }
    }

    /// y at `x` by linear interpolation between the neighbouring points of the curve
    /// (sorted by x; ties keep their mean); nil when x lies outside [min x, max x] or fewer
    /// than one point is finite. One point: its y when x equals its x.
    package static func interpolate(_ curve: [(x: Double, y: Double)], at x: Double) -> Double? {
        let pts = curve.filter { $0.x.isFinite && $0.y.isFinite }.sorted { $0.x < $1.x }
        guard let first = pts.first, let last = pts.last, x.isFinite, x >= first.x, x <= last.x else { return nil }
        for k in 0..<pts.count {
            if pts[k].x == x {
                let same = pts.filter { $0.x == x }
                return same.map(\.y).reduce(0, +) / Double(same.count)
            }
            if k + 1 < pts.count, pts[k].x < x, x < pts[k + 1].x {
                let t = (x - pts[k].x) / (pts[k + 1].x - pts[k].x)
                return pts[k].y + t * (pts[k + 1].y - pts[k].y)
            }
        }
        return nil
    }

    /// `candidate` against `baseline` at the baseline's point `at` (its default knob): the
    /// candidate's OOM kills interpolated at the baseline's GiB-hours of slack, its throttled
    /// core-minutes and cost at the baseline's core-hours of slack, its cost also at the
    /// GiB-hours, each as a ratio to the baseline's (nil: that slack lies outside the
    /// candidate's swept range, or the baseline's figure is 0).
    package struct Comparison: Sendable, Equatable, Codable {
        package var candidate: String
        package var baseline: String
        package var baselineKnob: Double
        package var slackCoreHours: Double
        package var slackGibHours: Double
        package var oomKillsRatio: Double?
        package var throttledRatio: Double?
        package var costRatioAtCPUSlack: Double?
        package var costRatioAtMemorySlack: Double?
        /// The candidate replayed once more with a knob per resource, each read off its curve
        /// at the baseline's slack of that resource (`matchingKnobs`): one configuration at
        /// both slacks at once, so its cost is comparable (nil: not run, or the candidate has
        /// no CPU knob of its own).
        package var matched: Matched?
        /// When `matched` costs more than the baseline (it serves demand the baseline throttles
        /// or kills, and allocation is what is priced): the candidate with both slacks scaled by
        /// one factor (`Matched.slackScale` < 1) chosen so its cost meets the baseline's.
        package var matchedAtCost: Matched?
    }

    /// The next share s of the baseline's slacks to replay the candidate at, from the shares
    /// tried so far and their costs: linear interpolation between the nearest tried share
    /// whose cost is above the baseline's and the nearest below (regula falsi) once the two
    /// are bracketed, else the secant through the two tried shares nearest the baseline's
    /// cost; clamped to [0.5, 1]; nil when no two tried shares give a cost that falls with s
    /// (or one already meets the cost: at most the baseline's, by less than 1 %; a cost
    /// above it does not, "at no higher cost" being the aim). The cost is nearly linear in slack near
    /// s = 1 but not far below it (allocations squeezed below demand start to cost restarts
    /// and moves), so one secant step from s = 1 and 0.9 can overshoot: iterate.
    package static func costMatchingScale(tried: [(scale: Double, cost: Double)], baselineCost: Double) -> Double? {
        guard baselineCost.isFinite, baselineCost > 0, tried.count >= 2,
              !tried.contains(where: { $0.cost <= baselineCost && baselineCost - $0.cost <= 0.01 * baselineCost }) else { return nil }
        let above = tried.filter { $0.cost > baselineCost }.min { $0.scale < $1.scale }
        let below = tried.filter { $0.cost < baselineCost }.max { $0.scale < $1.scale }
        let (a, b): ((scale: Double, cost: Double), (scale: Double, cost: Double))
        if let above, let below, below.scale < above.scale {
            (a, b) = (below, above)
        } else {
            let nearest = tried.sorted { abs($0.cost - baselineCost) < abs($1.cost - baselineCost) }
            (a, b) = nearest[0].scale < nearest[1].scale ? (nearest[0], nearest[1]) : (nearest[1], nearest[0])
        }
        let slope = (b.cost - a.cost) / (b.scale - a.scale)
        guard slope > 0, slope.isFinite else { return nil }
        return min(1, max(0.5, a.scale + (baselineCost - a.cost) / slope))
    }

    /// Of the replays below the baseline's slacks (s < 1: 0.9 and those `costMatchingScale`
    /// placed), the one at no higher cost than the baseline's that comes closest to it, else
    /// (every one costs more) the cheapest (the first on a tie; nil: none, or none with a cost
    /// ratio). The replay at 0.9 is one of them: when it already meets the cost, no other is
    /// placed, and it is the answer.
    package static func closestInCost(_ replays: [Matched]) -> Matched? {
        let priced = replays.compactMap { replay in replay.costRatio.map { (replay: replay, ratio: $0) } }
        if let atMost = priced.filter({ $0.ratio <= 1 }).max(by: { $0.ratio < $1.ratio }) { return atMost.replay }
        return priced.min { $0.ratio < $1.ratio }?.replay
    }

    /// A replay of the candidate at (CPU knob, memory knob), against the baseline's point.
    package struct Matched: Sendable, Equatable, Codable {
        /// The share of the baseline's slacks aimed at (1: equal slack).
        package var slackScale: Double
        package var cpuKnob: Double
        package var memoryKnob: Double
        /// Its slack as a ratio to the baseline's (≈ 1 when the two resources' knobs do not interact).
        package var slackCoreHoursRatio: Double?
        package var slackGibHoursRatio: Double?
        package var oomKillsRatio: Double?
        package var throttledRatio: Double?
        package var costRatio: Double?

        package init(slackScale: Double = 1, cpuKnob: Double, memoryKnob: Double, summary: ReplaySummary, baseline: ReplaySummary) {
            func ratio(_ value: Double, _ of: Double) -> Double? { of > 0 ? value / of : nil }
            self.slackScale = slackScale
            self.cpuKnob = cpuKnob
            self.memoryKnob = memoryKnob
            slackCoreHoursRatio = ratio(summary.slackCoreHours, baseline.slackCoreHours)
            slackGibHoursRatio = ratio(summary.slackGibHours, baseline.slackGibHours)
            oomKillsRatio = ratio(Double(summary.oomKills), Double(baseline.oomKills))
            throttledRatio = ratio(summary.throttledCoreMinutes, baseline.throttledCoreMinutes)
            costRatio = ratio(summary.cost, baseline.cost)
        }
    }

    /// The baseline's summary at `knob`.
    package func summary(_ policy: ReplayPolicy, at knob: Double) -> ReplaySummary? {
        line(policy).first(where: { abs($0.knob - knob) < 1e-12 })?.summary
    }

    /// The candidate's knob values at which its curve reaches `slackCoreHours` of CPU slack
    /// and `slackGibHours` of memory slack (inverse linear interpolation of knob against
    /// each slack over the swept points and the read-offs replayed so far, `readOffs`: the
    /// CPU knob against CPU slack, the memory knob against memory slack; nil when a slack
    /// lies outside their range). The sweep moves both resources with one knob, and each
    /// resource's slack is set mostly by its own side, so these are the knobs of one
    /// configuration with both slacks. A read-off replayed near the aim narrows the
    /// interpolation there: the curves are far from linear between swept knobs (a CPU slack
    /// 9 % above the aim from the sweep alone), so `FrontierCommand` replays again from them.
    package func matchingKnobs(_ candidate: ReplayPolicy, slackCoreHours: Double, slackGibHours: Double) -> (cpu: Double, memory: Double)? {
        let pts = line(candidate)
        let extra = readOffs.filter { $0.policy == candidate }
        guard let cpu = Self.interpolate(pts.map { ($0.summary.slackCoreHours, $0.knob) } + extra.map { ($0.summary.slackCoreHours, $0.cpuKnob) },
                                         at: slackCoreHours),
              let memory = Self.interpolate(pts.map { ($0.summary.slackGibHours, $0.knob) } + extra.map { ($0.summary.slackGibHours, $0.memoryKnob) },
                                            at: slackGibHours) else { return nil }
        return (cpu, memory)
    }

    /// How far a replay's slacks are from `slackCoreHours` and `slackGibHours`: the larger of
    /// the two relative distances (∞ when an aim is not positive).
    package static func slackMiss(_ summary: ReplaySummary, slackCoreHours: Double, slackGibHours: Double) -> Double {
        guard slackCoreHours > 0, slackGibHours > 0 else { return .infinity }
        return max(abs(summary.slackCoreHours / slackCoreHours - 1), abs(summary.slackGibHours / slackGibHours - 1))
    }

    package func compare(_ candidate: ReplayPolicy, with baseline: ReplayPolicy, at knob: Double) -> Comparison? {
        guard let base = summary(baseline, at: knob) else { return nil }
        let c = line(candidate).map(\.summary)
        func ratio(_ value: Double?, _ of: Double) -> Double? { value.flatMap { of > 0 ? $0 / of : nil } }
        let atCPU = base.slackCoreHours, atMemory = base.slackGibHours
        return Comparison(
            candidate: candidate.rawValue, baseline: baseline.rawValue, baselineKnob: knob,
            slackCoreHours: atCPU, slackGibHours: atMemory,
            oomKillsRatio: ratio(Self.interpolate(c.map { ($0.slackGibHours, Double($0.oomKills)) }, at: atMemory), Double(base.oomKills)),
            throttledRatio: ratio(Self.interpolate(c.map { ($0.slackCoreHours, $0.throttledCoreMinutes) }, at: atCPU), base.throttledCoreMinutes),
            costRatioAtCPUSlack: ratio(Self.interpolate(c.map { ($0.slackCoreHours, $0.cost) }, at: atCPU), base.cost),
            costRatioAtMemorySlack: ratio(Self.interpolate(c.map { ($0.slackGibHours, $0.cost) }, at: atMemory), base.cost),
            matched: nil, matchedAtCost: nil)
    }
}
