import Forecast
import Foundation

/// The predictive policy's memory sizing, learned globally (issue 11, items 4–6): how far
/// memory rises above a workload's reference peak in the next 30 minutes, by how volatile,
/// how full and how large the workload is; and the rule that spends slack where a GiB buys
/// the most OOM kills avoided.
///
/// Design and every constant from the policy study (`bench/policy/README.md`, part 2,
/// "Swift port spec: mem-risk"; `bench/policy/mem_study.py`), chosen on the weeks before the
/// ones it reports: at the VPA recommender's memory slack it had 0.44–0.45 (week 08-16) and
/// 0.13 (08-23) of the VPA's OOM samples on 250 Bitbrains VMs, against 0.54–0.61 for the
/// best hand rule (a margin over the same reference).
///
/// **Features** at tick t of a workload (memory m, observed; hours are UTC hours):
/// - `ref` = max(P24, S14, OOMP): P24 the maximum over the current hour and the 23 before,
///   S14 the maximum at the same time of day as the next hour on each of the last 14 days,
///   OOMP after an OOM kill at allocation a, max(1.2 a, a + 100 MiB), for 24 h;
/// - v = J7 / ref, J7 the largest rise between consecutive hourly maxima over the last 7 days
///   (missing hours skipped); c = cur / ref, cur the last observed value; z = log₂(ref / GiB).
/// - bin b = bv + 6·bc + 30·bz with bv, bc, bz the number of edges ≤ v, c, z (6 × 5 × 5 bins).
///
/// **Table**: per bin, the survival S_b(q) = P(m[t+k] > q · ref(t)), k = 1…6 (the next 30
/// minutes at 5-minute samples), pooled over every training tick of every workload, on the
/// grid q_j = 0.5 · 32^{j/350} (j = 0…350, 1 % steps); only the vertices of its lower convex
/// hull are kept (up to the first q with S = 0): for any λ ≥ 0 the minimiser below is one of
/// them.
///
/// **Rule**: memory = ref · q*, q* = argmin over the bin's vertices of S_b(q) + λ · (ref/GiB) · q
/// (expected OOM samples per tick plus λ per GiB allocated: a Lagrangian whose λ sets the
/// total slack and whose solution puts it where a GiB prevents the most breaches; large quiet
/// workloads may get less than their reference peak). Ties: the smallest q.
public struct MemoryRiskTable: Sendable, Equatable {
    public static let volatilityEdges = [0.5, 0.7, 0.9, 1.2, 2.0]
    public static let levelEdges = [0.02, 0.15, 0.35, 0.6]
    public static let sizeEdges = [-1.5, -0.6, 0.4, 2.5]
    public static var binCount: Int { (volatilityEdges.count + 1) * (levelEdges.count + 1) * (sizeEdges.count + 1) }
    /// Seconds ahead the survival looks (k = 1…6 at 5 minutes).
    public static let horizonSeconds = 1800.0
    /// The ratio grid q_j = 0.5 · 32^{j/350}, rounded to 6 decimals as the study's.
    public static let grid: [Double] = (0...350).map { j in
        (exp(log(0.5) + Double(j) * (log(16.0) - log(0.5)) / 350) * 1e6).rounded() / 1e6
    }

    /// Per bin the hull's ratios (increasing) and survivals (decreasing); a bin without
    /// training rows has the single vertex (1, 0): the reference itself.
    public var ratios: [[Double]]
    public var survivals: [[Double]]
    /// The sampling interval of the training workloads; the policy uses the table only for
    /// workloads at this interval (the features count steps of it).
    public var intervalSeconds: Int64
    /// Training rows (ticks × future samples) per bin.
    public var counts: [Double]

    public init(ratios: [[Double]], survivals: [[Double]], intervalSeconds: Int64 = 300, counts: [Double]? = nil) {
        self.ratios = ratios
        self.survivals = survivals
        self.intervalSeconds = intervalSeconds
        self.counts = counts ?? .init(repeating: 0, count: ratios.count)
    }

    /// The bin of (ref, J7, cur); NaN ratios count as 0.
    public static func bin(reference: Double, largestRise: Double, current: Double) -> Int {
        func count(_ x: Double, _ edges: [Double]) -> Int {
            let v = x.isNaN ? 0 : x
            return edges.reduce(0) { $0 + ($1 <= v ? 1 : 0) }
        }
        let gib = 1_073_741_824.0
        let bv = count(largestRise / reference, volatilityEdges)
        let bc = count(current / reference, levelEdges)
        let bz = count(log2(reference / gib), sizeEdges)
        return bv + (volatilityEdges.count + 1) * bc + (volatilityEdges.count + 1) * (levelEdges.count + 1) * bz
    }

    /// q* for `bin` at reference `reference` bytes and λ; 1 when the bin has no vertex.
    public func multiplier(bin: Int, reference: Double, lambda: Double) -> Double {
        guard bin >= 0, bin < ratios.count, !ratios[bin].isEmpty else { return 1 }
        let perGiB = lambda * reference / 1_073_741_824
        var best = 0, bestCost = Double.infinity
        for k in 0..<ratios[bin].count {
            let cost = survivals[bin][k] + perGiB * ratios[bin][k]
            if cost < bestCost { bestCost = cost; best = k }
        }
        return ratios[bin][best]
    }

    /// The memory to allocate: reference · q* (NaN when the reference is not a positive number).
    public func target(reference: Double, largestRise: Double, current: Double, lambda: Double) -> Double {
        guard reference.isFinite, reference > 0 else { return .nan }
        let b = Self.bin(reference: reference, largestRise: largestRise, current: current)
        return reference * multiplier(bin: b, reference: reference, lambda: lambda)
    }

    // MARK: - Learning

    /// Indices of the lower convex hull of (grid[j], s[j]) from j = 0 to the first j with
    /// s = 0 (monotone chain; a point not strictly below the chord of its neighbours is dropped).
    public static func lowerHull(_ s: [Double]) -> [Int] {
        let last = s.firstIndex(where: { $0 <= 0 }) ?? (s.count - 1)
        var hull: [Int] = []
        for j in 0...last {
            while hull.count >= 2 {
                let a = hull[hull.count - 2], b = hull[hull.count - 1]
                if (s[b] - s[a]) * (grid[j] - grid[a]) >= (s[j] - s[a]) * (grid[b] - grid[a]) { hull.removeLast() } else { break }
            }
            hull.append(j)
        }
        return hull
    }

    /// Accumulates the training counts: per bin, how many future ratios fall above each grid point.
    public struct Learner: Sendable {
        public let intervalSeconds: Int64
        /// counts[b][j]: ratios r with grid[j−1] < r ≤ grid[j] (j = 351: r > the last grid point).
        var counts: [[Double]]
        var totals: [Double]

        public init(intervalSeconds: Int64) {
            self.intervalSeconds = intervalSeconds
            counts = .init(repeating: .init(repeating: 0, count: MemoryRiskTable.grid.count + 1), count: MemoryRiskTable.binCount)
            totals = .init(repeating: 0, count: MemoryRiskTable.binCount)
        }

        /// Adds one workload's memory history (on its grid: `timestamps` increasing, values
        /// NaN where not measured); ticks before `warmupSeconds` of history are not rows; a row
        /// needs its whole 30-minute future inside the series.
        public mutating func add(timestamps: [Int64], memory: [Double], warmupSeconds: Double = 7 * 86_400) {
            guard let first = timestamps.first, timestamps.count == memory.count else { return }
            var features = MemoryFeatures(intervalSeconds: Double(intervalSeconds))
            let ahead = Swift.max(1, Int((MemoryRiskTable.horizonSeconds / Double(intervalSeconds)).rounded()))
            for i in timestamps.indices {
                let t = Double(timestamps[i])
                features.observe(memory[i], at: t)
                guard t - Double(first) >= warmupSeconds else { continue }
                let f = features.compute(at: t)
                guard f.reference.isFinite, f.reference > 0 else { continue }
                let b = MemoryRiskTable.bin(reference: f.reference, largestRise: f.largestRise, current: f.current)
                for k in 1...ahead {
                    // The sample k steps later, if the series has it.
                    let target = timestamps[i] + Int64(k) * intervalSeconds
                    var j = i + k
                    if j >= timestamps.count { j = timestamps.count - 1 }
                    while j > i, timestamps[j] > target { j -= 1 }
                    guard j > i, timestamps[j] == target, memory[j].isFinite else { continue }
                    let r = memory[j] / f.reference
                    // index of the first grid point ≥ r: r > grid[j'] for every j' below it.
                    var lo = 0, hi = MemoryRiskTable.grid.count
                    while lo < hi { let mid = (lo + hi) / 2; if MemoryRiskTable.grid[mid] < r { lo = mid + 1 } else { hi = mid } }
                    counts[b][lo] += 1
                    totals[b] += 1
                }
            }
        }

        /// The table: survival per bin on the grid, reduced to its lower hull.
        public func table() -> MemoryRiskTable {
            var ratios: [[Double]] = [], survivals: [[Double]] = []
            let n = MemoryRiskTable.grid.count
            for b in 0..<MemoryRiskTable.binCount {
                guard totals[b] > 0 else { ratios.append([1]); survivals.append([0]); continue }
                var s = [Double](repeating: 0, count: n)
                var above = 0.0
                for j in stride(from: n, through: 1, by: -1) {   // above(j−1) = Σ_{j' > j−1} counts
                    above += counts[b][j]
                    s[j - 1] = above / totals[b]
                }
                let hull = MemoryRiskTable.lowerHull(s)
                ratios.append(hull.map { MemoryRiskTable.grid[$0] })
                survivals.append(hull.map { s[$0] })
            }
            return MemoryRiskTable(ratios: ratios, survivals: survivals, intervalSeconds: intervalSeconds, counts: totals)
        }
    }

    // MARK: - File

    static let prefix = "memory_table."

    static let codec = SurvivalTableCodec(name: "memory table", prefix: Self.prefix, intervalKey: "memory_table_interval_seconds",
                                          edges: Self.volatilityEdges + Self.levelEdges + Self.sizeEdges, binCount: binCount)

    public func encode(into bundle: inout TensorBundle) {
        Self.codec.encode(ratios: ratios, survivals: survivals, counts: counts, intervalSeconds: intervalSeconds, into: &bundle)
    }

    /// Nil when the bundle has none (a version trained before it existed).
    /// - Throws: `TensorBundleError` for a table that is present but malformed.
    public static func decode(_ bundle: TensorBundle) throws -> MemoryRiskTable? {
        guard let c = try codec.decode(bundle) else { return nil }
        return MemoryRiskTable(ratios: c.ratios, survivals: c.survivals, intervalSeconds: c.intervalSeconds, counts: c.counts)
    }
}

/// The memory table's features for one workload, kept online from its observed memory:
/// the hourly maxima of the last 15 days and the OOM peak (see `MemoryRiskTable`). The
/// trainer runs it over raw history; the predictive policy over what it observes.
public struct MemoryFeatures: Sendable, Equatable {
    public struct Values: Sendable, Equatable {
        public var reference: Double
        public var largestRise: Double
        public var current: Double
    }

    public let intervalSeconds: Double
    /// Observed values per step for the last 15 days (ring), with the step each slot holds.
    private var steps: [Int64]
    private var values: [Double]
    /// Hourly maxima (−∞ = no observation) of the last 15 days by UTC hour, with the hour each slot holds.
    private var hours: [Int64]
    private var hourMax: [Double]
    private var current = Double.nan
    private var oomPeak = Double.nan
    private var oomAt = -Double.infinity
    private var cachedHour: Int64?
    private var seasonal = Double.nan
    private var largestRise = 0.0

    public init(intervalSeconds: Double) {
        let interval = intervalSeconds.isFinite && intervalSeconds > 0 ? intervalSeconds : 300
        self.intervalSeconds = interval
        let capacity = Swift.max(1, Int((15 * 86_400 / interval).rounded(.up)))
        steps = .init(repeating: .min, count: capacity)
        values = .init(repeating: .nan, count: capacity)
        hours = .init(repeating: .min, count: 15 * 24)
        hourMax = .init(repeating: -.infinity, count: 15 * 24)
    }

    private func slot(_ s: Int64, _ n: Int) -> Int { Int(((s % Int64(n)) + Int64(n)) % Int64(n)) }

    /// Records the observed memory (NaN = not measured) at Unix time `t`.
    public mutating func observe(_ memory: Double, at t: Double) {
        guard memory.isFinite else { return }
        let s = Int64((t / intervalSeconds).rounded(.down)), k = slot(s, steps.count)
        steps[k] = s
        values[k] = memory
        let h = Int64((t / 3600).rounded(.down)), j = slot(h, hours.count)
        if hours[j] != h { hours[j] = h; hourMax[j] = -.infinity }
        hourMax[j] = Swift.max(hourMax[j], memory)
        current = memory
    }

    /// An OOM kill at Unix time `t` with `allocation` bytes in force.
    public mutating func recordOOM(allocation: Double, at t: Double) {
        guard allocation.isFinite, allocation > 0 else { return }
        oomPeak = Swift.max(1.2 * allocation, allocation + 100 * 1_048_576)
        oomAt = t
    }

    private func hourly(_ h: Int64) -> Double {
        let j = slot(h, hours.count)
        return hours[j] == h ? hourMax[j] : -.infinity
    }

    /// The features at Unix time `t` (after observing its sample). S14 and J7 are refreshed
    /// when the UTC hour changes.
    public mutating func compute(at t: Double) -> Values {
        let h = Int64((t / 3600).rounded(.down))
        let now = Int64((t / intervalSeconds).rounded(.down))
        if cachedHour != h {
            cachedHour = h
            let perDay = Int64((86_400 / intervalSeconds).rounded()), ahead = Int64(Swift.max(1, (3600 / intervalSeconds).rounded()))
            var best = -Double.infinity
            for d in 1...Int64(14) {
                for k in 1...ahead {
                    let s = now + k - d * perDay, j = slot(s, steps.count)
                    if steps[j] == s { best = Swift.max(best, values[j]) }
                }
            }
            seasonal = best.isFinite ? best : .nan
            var rise = 0.0
            for back in stride(from: Int64(168), through: 1, by: -1) {
                let a = hourly(h - back), b = hourly(h - back + 1)
                if a.isFinite, b.isFinite { rise = Swift.max(rise, b - a) }
            }
            largestRise = rise
        }
        var p24 = -Double.infinity
        for back in 0..<Int64(24) { p24 = Swift.max(p24, hourly(h - back)) }
        var reference = p24.isFinite ? p24 : .nan
        if seasonal.isFinite { reference = reference.isNaN ? seasonal : Swift.max(reference, seasonal) }
        if t - oomAt < 86_400, oomPeak.isFinite { reference = reference.isNaN ? oomPeak : Swift.max(reference, oomPeak) }
        return Values(reference: reference, largestRise: largestRise, current: current)
    }
}
