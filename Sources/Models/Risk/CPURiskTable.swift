import Forecast
import Foundation

/// The predictive policy's CPU sizing, learned globally (issue 11, items 4–6): how far a
/// workload's CPU demand over the next hour goes above its reference, by how full it is
/// now, how far its week's peak lies above the reference and how large it is; allocated as a
/// newsvendor quantile of that distribution.
///
/// Why a quantile and not the memory table's Lagrangian: throttling is counted in
/// core-minutes, E[(demand − a)⁺], which scales with the reference as slack does, so
/// minimising E[throttled] + λ · E[slack] gives the same critical ratio τ = 1 / (1 + λ) in
/// every bin (an OOM kill is counted per sample, whatever the size: hence memory's λ · ref term).
///
/// Design and constants from the CPU policy study (`bench/policy/README.md`, part 3,
/// "Swift port spec: cpu-nv"; `bench/policy/cpu_study.py`, policy `nv-h1-floor`), chosen on
/// the weeks 2013-08-02 and 08-09 only (tables learned before each), on bench/risk/holdout.sh's
/// VM splits. At the VPA's CPU slack it throttled 0.30–0.78 × as much as the seasonal-margin
/// rule it replaces on those weeks (both observation modes), 0.50–0.97 × on the held-out weeks
/// 08-16 / 08-23 (0.27–0.70 × of the avoidable part), with fewer CPU changes; see the README for
/// every split, and for the throttling no policy can avoid: demand above the provisioned cores.
///
/// **Features** at tick t of a workload (CPU c, observed; hours are UTC hours):
/// - `ref` = max(SC, RC): SC the 95th percentile of the values at the same time of day as the
///   next hour on each of the last 7 days (rank ⌈0.95 n⌉), RC the maximum of the last hour
///   (12 samples at 5 minutes) — the previous rule's base;
/// - p = max(W7, ref) / ref, W7 the maximum over the last 7 days' hourly maxima (the current
///   hour included); l = cur / ref, cur the last observed value; z = log₂(ref / 1 core);
/// - SC and W7 refreshed when the UTC hour changes; bin b = bp + 7·bl + 42·bz with bp, bl, bz
///   the number of edges ≤ p, l, z (7 × 6 × 5 bins; NaN counts as 0).
///
/// **Table**: per bin, the survival S_b(q) = P(c[t+k] > q · ref(t)), k = 1…12 (the next hour),
/// pooled over every training tick of every workload, on the grid q_j = 64^{(j − 208)/208}
/// (j = 0…416, 2 % steps, rounded to 6 decimals); only the points where S decreases are kept.
///
/// **Rule**: cpu = max(RC, ref · Q_b(τ)), Q_b(τ) the smallest grid ratio with S_b ≤ 1 − τ (the
/// last grid ratio when none is), then the policy's throttle bump, hold and decrease gap.
public struct CPURiskTable: Sendable, Equatable {
    public static let peakEdges = [1.1, 1.8, 2.9, 4.6, 7.0, 15.0]
    public static let levelEdges = [0.02, 0.4, 0.7, 0.9, 0.98]
    public static let sizeEdges = [-5.0, -3.7, -1.0, 2.0]
    public static var binCount: Int { (peakEdges.count + 1) * (levelEdges.count + 1) * (sizeEdges.count + 1) }
    /// Seconds ahead the distribution looks (k = 1…12 at 5 minutes).
    public static let horizonSeconds = 3600.0
    /// The ratio grid 64^{(j − 208)/208}, j = 0…416, rounded to 6 decimals as the study's.
    public static let grid: [Double] = (0...416).map { j in
        (exp(log(1.0 / 64) + Double(j) * (log(64.0) - log(1.0 / 64)) / 416) * 1e6).rounded() / 1e6
    }

    /// Per bin the grid ratios (increasing) at which the survival steps down, and the
    /// survival there (decreasing); a bin without training rows has the single point (1, 0).
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

    /// The critical ratio of the newsvendor that prices one core-hour of slack at λ
    /// core-hours of throttling: τ = 1 / (1 + λ) (λ ≤ 0 or NaN: 1).
    public static func criticalRatio(lambda: Double) -> Double {
        lambda.isFinite && lambda > 0 ? 1 / (1 + lambda) : (lambda == .infinity ? 0 : 1)
    }

    /// The bin of the features; NaN ratios count as 0.
    public static func bin(_ f: CPUFeatures.Values) -> Int {
        func count(_ x: Double, _ edges: [Double]) -> Int {
            let v = x.isNaN ? 0 : x
            return edges.reduce(0) { $0 + ($1 <= v ? 1 : 0) }
        }
        let ref = f.reference > 0 ? f.reference : .nan
        let peak = f.weekPeak.isNaN ? ref : Swift.max(f.weekPeak, ref)
        let bp = count(peak / ref, peakEdges)
        let bl = count(f.current / ref, levelEdges)
        let bz = count(log2(ref), sizeEdges)
        return bp + (peakEdges.count + 1) * bl + (peakEdges.count + 1) * (levelEdges.count + 1) * bz
    }

    /// Q_b(τ): the smallest grid ratio whose survival in `bin` is ≤ 1 − τ; the last grid
    /// ratio when none is; 1 for a bin out of range.
    public func quantile(bin: Int, tau: Double) -> Double {
        guard bin >= 0, bin < ratios.count, !ratios[bin].isEmpty else { return 1 }
        let alpha = 1 - tau + 1e-12
        for k in 0..<ratios[bin].count where survivals[bin][k] <= alpha { return ratios[bin][k] }
        return Self.grid[Self.grid.count - 1]
    }

    /// The CPU to allocate: max(RC, ref · Q_b(τ)) with τ = 1 / (1 + λ); NaN when the
    /// reference is not a number ≥ 0 (the policy then keeps the allocation).
    public func target(_ f: CPUFeatures.Values, lambda: Double) -> Double {
        guard f.reference.isFinite, f.reference >= 0 else { return .nan }
        let raw = f.reference * quantile(bin: Self.bin(f), tau: Self.criticalRatio(lambda: lambda))
        return f.recentPeak.isFinite ? Swift.max(raw, f.recentPeak) : raw
    }

    /// Index of the first grid point ≥ r (r > grid[j'] for every j' below it; grid.count: above).
    static func cell(_ r: Double) -> Int {
        var lo = 0, hi = grid.count
        while lo < hi { let mid = (lo + hi) / 2; if grid[mid] < r { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    // MARK: - Learning

    /// Accumulates the table over workloads' raw (uncensored) CPU history.
    public struct Learner: Sendable {
        public let intervalSeconds: Int64
        /// counts[b][j]: ratios r with grid[j−1] < r ≤ grid[j] (j = 417: r > the last grid point).
        var counts: [[Double]]
        var totals: [Double]

        public init(intervalSeconds: Int64) {
            self.intervalSeconds = intervalSeconds
            counts = .init(repeating: .init(repeating: 0, count: CPURiskTable.grid.count + 1), count: CPURiskTable.binCount)
            totals = .init(repeating: 0, count: CPURiskTable.binCount)
        }

        /// Adds one workload's CPU history (on its grid: `timestamps` increasing, values NaN
        /// where not measured). Rows are the ticks at least `warmupSeconds` after the first
        /// whose whole hour ahead lies inside the series (as the study's training rows end an
        /// hour before its cutoff); each counts its future samples that are present.
        /// Malformed input (lengths that differ, timestamps out of order) adds nothing.
        public mutating func add(timestamps: [Int64], cpu: [Double], warmupSeconds: Double = 7 * 86_400) {
            guard let first = timestamps.first, let last = timestamps.last, timestamps.count == cpu.count,
                  zip(timestamps, timestamps.dropFirst()).allSatisfy({ $0 < $1 }) else { return }
            var features = CPUFeatures(intervalSeconds: Double(intervalSeconds))
            let ahead = Swift.max(1, Int((CPURiskTable.horizonSeconds / Double(intervalSeconds)).rounded()))
            for i in timestamps.indices {
                let t = Double(timestamps[i])
                features.observe(cpu[i], at: t)
                let f = features.compute(at: t)
                guard t - Double(first) >= warmupSeconds, timestamps[i] + Int64(ahead) * intervalSeconds <= last else { continue }
                guard f.reference.isFinite, f.reference > 0 else { continue }
                let b = CPURiskTable.bin(f)
                for k in 1...ahead {
                    // The sample k steps later, if the series has it.
                    let target = timestamps[i] + Int64(k) * intervalSeconds
                    var j = Swift.min(i + k, timestamps.count - 1)
                    while j > i, timestamps[j] > target { j -= 1 }
                    guard j > i, timestamps[j] == target, cpu[j].isFinite else { continue }
                    counts[b][CPURiskTable.cell(cpu[j] / f.reference)] += 1
                    totals[b] += 1
                }
            }
        }

        /// The table: per bin the survival on the grid, kept where it steps down.
        public func table() -> CPURiskTable {
            var ratios: [[Double]] = [], survivals: [[Double]] = []
            let n = CPURiskTable.grid.count
            for b in 0..<CPURiskTable.binCount {
                guard totals[b] > 0 else { ratios.append([1]); survivals.append([0]); continue }
                var s = [Double](repeating: 0, count: n)
                var above = 0.0
                for j in stride(from: n, through: 1, by: -1) {   // above(j−1) = Σ_{j' > j−1} counts
                    above += counts[b][j]
                    s[j - 1] = above / totals[b]
                }
                var q: [Double] = [], kept: [Double] = []
                for j in 0..<n where j == 0 || s[j] < s[j - 1] {
                    q.append(CPURiskTable.grid[j])
                    kept.append(s[j])
                }
                ratios.append(q)
                survivals.append(kept)
            }
            return CPURiskTable(ratios: ratios, survivals: survivals, intervalSeconds: intervalSeconds, counts: totals)
        }
    }

    // MARK: - File

    static let prefix = "cpu_table."
    static let intervalKey = "cpu_table_interval_seconds"

    static let codec = SurvivalTableCodec(name: "CPU table", prefix: Self.prefix, intervalKey: Self.intervalKey,
                                          edges: Self.peakEdges + Self.levelEdges + Self.sizeEdges, binCount: binCount)

    public func encode(into bundle: inout TensorBundle) {
        Self.codec.encode(ratios: ratios, survivals: survivals, counts: counts, intervalSeconds: intervalSeconds, into: &bundle)
    }

    /// Nil when the bundle has none (a version trained before it existed: the policy keeps
    /// its margin rule for CPU).
    /// - Throws: `TensorBundleError` for a table that is present but malformed.
    public static func decode(_ bundle: TensorBundle) throws -> CPURiskTable? {
        guard let c = try codec.decode(bundle) else { return nil }
        return CPURiskTable(ratios: c.ratios, survivals: c.survivals, intervalSeconds: c.intervalSeconds, counts: c.counts)
    }
}

/// The CPU table's features for one workload, kept online from its observed CPU: the last 8
/// days of samples and hourly maxima (see `CPURiskTable`). The trainer runs it over raw
/// history; the predictive policy over what it observes (censored at the allocation).
public struct CPUFeatures: Sendable, Equatable {
    public struct Values: Sendable, Equatable {
        /// max(SC, RC) in cores.
        public var reference: Double
        /// RC: the maximum of the last hour's samples.
        public var recentPeak: Double
        /// W7: the maximum of the last 7 days' hourly maxima.
        public var weekPeak: Double
        /// The last observed value.
        public var current: Double

        public init(reference: Double, recentPeak: Double, weekPeak: Double, current: Double) {
            self.reference = reference
            self.recentPeak = recentPeak
            self.weekPeak = weekPeak
            self.current = current
        }
    }

    public let intervalSeconds: Double
    private var steps: [Int64]
    private var values: [Double]
    private var hours: [Int64]
    private var hourMax: [Double]
    private var current = Double.nan
    private var cachedHour: Int64?
    private var seasonal = Double.nan
    private var weekPeak = Double.nan

    public init(intervalSeconds: Double) {
        let interval = intervalSeconds.isFinite && intervalSeconds > 0 ? intervalSeconds : 300
        self.intervalSeconds = interval
        let capacity = Swift.max(1, Int((8 * 86_400 / interval).rounded(.up)))
        steps = .init(repeating: .min, count: capacity)
        values = .init(repeating: .nan, count: capacity)
        hours = .init(repeating: .min, count: 8 * 24)
        hourMax = .init(repeating: -.infinity, count: 8 * 24)
    }

    private func slot(_ s: Int64, _ n: Int) -> Int { Int(((s % Int64(n)) + Int64(n)) % Int64(n)) }

    private func value(atStep s: Int64) -> Double {
        let j = slot(s, steps.count)
        return steps[j] == s ? values[j] : .nan
    }

    private func hourly(_ h: Int64) -> Double {
        let j = slot(h, hours.count)
        return hours[j] == h ? hourMax[j] : -.infinity
    }

    /// Records the observed CPU cores (NaN = not measured) at Unix time `t`.
    public mutating func observe(_ cpu: Double, at t: Double) {
        guard cpu.isFinite, t.isFinite else { return }
        let s = Int64((t / intervalSeconds).rounded(.down)), k = slot(s, steps.count)
        steps[k] = s
        values[k] = cpu
        let h = Int64((t / 3600).rounded(.down)), j = slot(h, hours.count)
        if hours[j] != h { hours[j] = h; hourMax[j] = -.infinity }
        hourMax[j] = Swift.max(hourMax[j], cpu)
        current = cpu
    }

    /// The features at Unix time `t` (after observing its sample).
    public mutating func compute(at t: Double) -> Values {
        guard t.isFinite else { return Values(reference: .nan, recentPeak: .nan, weekPeak: .nan, current: current) }
        let h = Int64((t / 3600).rounded(.down))
        let now = Int64((t / intervalSeconds).rounded(.down))
        let perHour = Int64(Swift.max(1, (3600 / intervalSeconds).rounded()))
        if cachedHour != h {
            cachedHour = h
            let perDay = Int64((86_400 / intervalSeconds).rounded())
            var found: [Double] = []
            for d in 1...Int64(7) {
                for k in 1...perHour {
                    let v = value(atStep: now + k - d * perDay)
                    if v.isFinite { found.append(v) }
                }
            }
            if found.isEmpty {
                seasonal = .nan
            } else {
                found.sort()
                seasonal = found[Swift.min(Swift.max(Int((0.95 * Double(found.count)).rounded(.up)) - 1, 0), found.count - 1)]
            }
            var peak = -Double.infinity
            for back in 0...Int64(168) { peak = Swift.max(peak, hourly(h - back)) }
            weekPeak = peak.isFinite ? peak : .nan
        }
        var recent = -Double.infinity
        for back in 0..<perHour {
            let v = value(atStep: now - back)
            if v.isFinite { recent = Swift.max(recent, v) }
        }
        let rc = recent.isFinite ? recent : .nan
        let reference = seasonal.isNaN ? rc : (rc.isNaN ? seasonal : Swift.max(seasonal, rc))
        return Values(reference: reference, recentPeak: rc, weekPeak: weekPeak, current: current)
    }
}
