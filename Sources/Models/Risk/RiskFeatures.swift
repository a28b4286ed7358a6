import Forecast
import Foundation

/// The learned risk's inputs for one workload, kept online: usage relative to the
/// allocation in force, recent breach rates, yesterday's same window, volatility-scaled
/// headroom, the time of day. The design and every definition come from the study in
/// `bench/risk/` (`risk_study.py`, whose `COMPACT` list and then `ONSET` list this is, in
/// that order): 22 features that lost at most 0.005 AUC against all 47 tried, then 5 about
/// breach onsets, which lifted the AUC on ticks not breaching now by 0.006 on the study's
/// tuning split (a tick not breaching now waits for a breach to *start*; the breach rates
/// above mix starts with long breaches); then one seasonal feature (`sbr3_7d`, the study's
/// `sbr3_7dr`, part 3 of `bench/risk/README.md`), which with deeper trees lifted the AUC on
/// ticks not breaching now on every held-out split of the study (+0.009 … +0.017); then the
/// study's `seas` family (breaches and onsets in the next hour of each of the last 7 days),
/// chosen afresh on the tuning week 08-09, which has a week of history behind it (part 4:
/// +0.005 AUC on ticks not breaching now there, on every split seed).
///
/// Notation: samples k, now i; `cpu(k)`, `mem(k)` the usage (NaN read as 0, as the
/// scorer's exports count it); `A_c`, `A_m` the allocation in force; `x_c = cpu/A_c`,
/// `x_m = mem/A_m`; `over(k) = cpu(k) > A_c or mem(k) > A_m`. Windows are durations
/// turned into steps by the workload's interval: an hour `h` = 3600/interval steps (12 at
/// 5 minutes), a day `d` = 86 400/interval (288), a week `w` = 7·d (2016). A window that
/// reaches before the first sample is truncated (means over the samples present).
///
/// | # | name | definition |
/// |---|---|---|
/// | 0 | `u` | max(x_c(i), x_m(i)) |
/// | 1, 2 | `xc`, `xm` | x_c(i), x_m(i) |
/// | 3, 4, 5 | `br_1h`, `br_1d`, `br_1w` | mean of over(k) over the last h, d, w samples; `br_1w` NaN before w samples |
/// | 6 | `brk_yd` | any over(k) for k in i−d+1 … i−d+h (yesterday's window of the next hour); NaN before i = d−h |
/// | 7, 8 | `mxc_yd`, `mxm_yd` | max x_c, x_m over that window |
/// | 9 | `zc` | (1 − x_c(i)) / (σ of the last h−1 CPU differences / A_c + 0.001) |
/// | 10 | `zm` | (1 − x_m(i)) / (`volm_1h` + 0.001) |
/// | 11 | `zm_1d` | (1 − x_m(i)) / (`volm_1d` + 0.001) |
/// | 12, 13 | `volm_1h`, `volm_1d` | σ (population) of the last h−1, d−1 memory differences, / A_m (the first sample's difference is 0) |
/// | 14 | `qm99_1d` | the 0.99 quantile (linear, numpy's default) of mem over the last d samples / A_m; NaN before d samples |
/// | 15 | `dc_yd` | x_c(i) − x_c(i−d); NaN before |
/// | 16, 17 | `mxc_1h`, `mxm_1h` | max x_c, x_m over the last h samples |
/// | 18 | `mxm_1d` | max x_m over the last d samples |
/// | 19 | `brm_1d` | mean of [mem(k) > A_m] over the last d samples |
/// | 20, 21 | `tod_s`, `tod_c` | sin, cos of 2π·(t mod 86 400)/86 400, t in UTC seconds |
/// | 22, 23 | `on_1d`, `on_1w` | mean of onset(k) over the last d, w samples (truncated, never NaN); onset(k) = over(k) and not over(k−1) (the first sample: over(0)) |
/// | 24, 25 | `hz_1d`, `hz_1w` | Σ onset(k) / max(1, Σ (1 − over(k))) over the last d, w samples: the hazard of a breach starting |
/// | 26 | `tsl` | log(1 + min(i − the newest k ≤ i with over(k), w)); w when none in the last w |
/// | 27 | `sbr3_7d` | over the days j = 1…7 whose window's last sample exists (i − j·d + 2h ≥ 0): the share with any over(k) for k in i − j·d − h + 1 … i − j·d + 2h (the next hour of that day, an hour either side), k ≥ max(0, i − w + 1); NaN when no day qualifies |
/// | 28–31 | `sbr_7d`, `sbn_7d`, `son_7d`, `sbr_dt` | over the days j = 1…7 whose next-hour window i − j·d + 1 … i − j·d + h has its last sample (i − j·d + h ≥ 0; from sample 0): the share of them with any over(k) in it, their number with one (0–7), the share with any onset(k) in it, and the share with any over(k) among the days whose clock time t_i − j·86 400 s is of t_i's day type (weekend: Saturday or Sunday UTC); NaN when no day qualifies (`sbr_dt`: no day of the type). The study's `seas` family, chosen on the tuning week 08-09 (`bench/risk/README.md` part 4) |
///
/// Cost: a week of breach flags as bits, the last day (+ 1 sample) of CPU and memory usage
/// exactly (kept here, or in the scorer read from the adaptive-window medians' rings:
/// `readsDay`), and the week of them in Float rounded toward zero (or read back from the
/// store: `keepsWeek`); breach counts per window
/// are kept as running sums, recomputed once over the week when the allocation changes.
/// Every feature reads only the exact day; the week's usage serves only that recount
/// (and the onset judgement of its oldest sample), for the samples older than the day.
/// Why Float there: the exact week was a third of what a workload cost the scorer
/// (2 × 2,016 Doubles at 5 minutes, issue 15 item 4), and a flag is only c > A: a value
/// rounded toward zero (x' ≤ x, x − x' < 2⁻²³·x) gives the exact flag unless the new
/// allocation A falls in [x', x), within 2⁻²³ below a usage sample a day or more old.
/// (Rounded to nearest instead, an allocation set to exactly a past peak, as the sizing
/// policies do, would find that peak over it half the time.) The day windows are incremental too, because they ran over 288 samples on
/// every tick of the scorer (about half of the learned risk's cost): the day's four
/// largest memory values (its maximum and, at 5 minutes, its 0.99 quantile, which lies
/// between the 4th and 3rd largest) are kept with their sample numbers and rescanned only
/// when one of them leaves the window; the day's memory-difference sums are compensated
/// (Neumaier) running sums, recomputed exactly once a day so rounding cannot build up.
/// What remains per tick is a loop over an hour.
public struct RiskFeatures: Sendable {
    public static let names = ["u", "xc", "xm", "br_1h", "br_1d", "br_1w", "brk_yd", "mxc_yd", "mxm_yd", "zc", "zm", "zm_1d",
                               "volm_1h", "volm_1d", "qm99_1d", "dc_yd", "mxc_1h", "mxm_1h", "mxm_1d", "brm_1d", "tod_s", "tod_c",
                               "on_1d", "on_1w", "hz_1d", "hz_1w", "tsl", "sbr3_7d", "sbr_7d", "sbn_7d", "son_7d", "sbr_dt"]
    /// The first 22 names: what versions trained before the onset features used (their
    /// trees read only those columns, which are unchanged).
    public static let compactCount = 22
    /// The feature sets of earlier versions, each a prefix of `names`: 22 (before the onset
    /// features), 27 (before `sbr3_7d`), 28 (before the next-hour windows of the last 7 days).
    /// Their trees read only those columns, which are unchanged, so a scorer serves a
    /// promoted version of any of them.
    public static let earlierCounts = [compactCount, 27, 28]
    public static var count: Int { names.count }

    /// Steps per hour, day and week at this workload's interval (each ≥ 2).
    public let hourSteps: Int
    public let daySteps: Int
    public let weekSteps: Int
    /// Each resource's day, the last `dayRing` samples' usage, is read as its measured
    /// samples (a `UsageDay`, newest first) and the bits of the samples that were not
    /// (`unmeasured`, read as 0). The measured samples are kept here (`cpuDay`, `memoryDay`:
    /// a ring of the last `dayRing`, with their counts) unless `readsDay`: then the caller
    /// hands in the adaptive-window medians' rings, which hold the same measured samples
    /// (`OnlineWorkload.withUsageDays`), so the scorer does not keep the day twice
    /// (issue 15 item 4: 4.6 KB per workload).
    private var cpuDay: [Double]
    private var memoryDay: [Double]
    private var cpuMeasured = 0, memoryMeasured = 0
    /// Whether the day is read from the rings handed in (`Days`) rather than kept here: asked
    /// at `init` and granted when the day fits the median's ring (an interval of 300 s or more).
    public let readsDay: Bool
    /// Per resource (CPU's words, then memory's) a bit per sample set when the sample was not
    /// measured, for at least the last `dayRing` samples (sample k at bit k mod 64·`unmeasuredWords`,
    /// a power of two).
    private var unmeasured: [UInt64]
    private let unmeasuredWords: Int
    /// Unmeasured samples among the last `dayRing`, per resource (0: the day is the measured
    /// samples as they are, no bit to count).
    private var cpuUnmeasured = 0, memoryUnmeasured = 0
    /// `daySteps + 1`: the features reach back `daySteps` samples (`dc_yd`, the day's
    /// leaving difference).
    private let dayRing: Int
    /// The last `weekSteps` samples' usage as Float rounded toward zero (slot k mod
    /// `weekSteps`, like `flags`): read only by the recount, for samples older than the day.
    /// Empty when not `keepsWeek`.
    private var cpuWeek: [Float]
    private var memoryWeek: [Float]
    /// Whether `cpuWeek` and `memoryWeek` are kept (else a recount reads the week back).
    public let keepsWeek: Bool
    /// Recounts whose week could not be read back (no reader, or rows not ending in the day
    /// kept): the flags older than a day then stayed as judged before.
    public private(set) var recountsNotReadBack = 0
    /// 1 when the sample was over the allocation in force (either resource), 2 when its
    /// memory was (bit 1), 4 when it was a breach onset (over, its predecessor not; bit 2),
    /// for the samples in the ring.
    /// The flags as bits: `over` for the week and the sample before it (sample k at bit k mod
    /// `overBits`, a power of two: 256 B at 5 minutes), then `memory over` for the day (k mod
    /// `memoryBits`, from word `overBits / 64`). An onset is not kept: it is over(k) and not
    /// over(k − 1) (`flag(number:)`), which every judgement of a flag keeps true, a recount
    /// too (it judges oldest first, each sample against its predecessor's flag, and writes
    /// the predecessor of the week's oldest when it judges it again). (Issue 15 item 4: the
    /// three bits per sample of a week were 1 KB.)
    private var flagBits: [UInt64]
    private let overBits: Int
    private let memoryBits: Int
    /// Samples seen (the newest is number `seen − 1`).
    public private(set) var seen = 0
    private var allocationCPU = Double.nan
    private var allocationMemory = Double.nan
    private var overHour = 0, overDay = 0, overWeek = 0, memoryOverDay = 0, onsetDay = 0, onsetWeek = 0
    /// Per day j = 1…7 (lane j − 1) the samples over the allocation in that day's 3-hour
    /// window (`sbr3_7d`), kept as running counts: each new sample moves every window by one.
    private var seasonal = SIMD8<Int16>()
    /// The newest sample number over the allocation (nil: none in the ring).
    private var lastOver: Int?
    /// The usage of the sample just before the ring's oldest (it decides whether the oldest
    /// was an onset when the allocation changes and the flags are recounted).
    private var evictedCPU = 0.0, evictedMemory = 0.0
    private var lastTimestamp: Int64 = 0
    /// The day window's (last `daySteps` samples) largest memory values, largest first,
    /// and their sample numbers; `topCount` of them valid (all the window's values while it
    /// holds fewer than 4). Among equal values the newest is kept (it leaves last).
    private var topValues = [Double](repeating: -.infinity, count: 4)
    private var topNumbers = [Int](repeating: -1, count: 4)
    private var topCount = 0
    /// Σ and Σ² of the memory differences of the last `daySteps − 1` samples (the first
    /// sample's difference is 0), with their Neumaier compensations.
    private var daySum = CompensatedSum(), daySquares = CompensatedSum()

    /// - Parameter intervalSeconds: the workload's sampling interval (> 0; clamped so each window has ≥ 2 steps).
    /// - Parameter keepsWeek: whether the week of CPU and memory usage that a recount reads is
    ///   kept here (16 KB at 5 minutes) or read back then (`setAllocation(…readWeek:)`).
    /// - Parameter readsDay: whether the day of CPU and memory usage is read from the rings
    ///   every call hands in (`Days`, the medians' of the same samples) instead of kept here.
    public init(intervalSeconds: Int64, keepsWeek: Bool = true, readsDay: Bool = false) {
        let interval = Double(max(1, intervalSeconds))
        hourSteps = max(2, Int((3600 / interval).rounded()))
        daySteps = max(hourSteps + 1, Int((86_400 / interval).rounded()))
        weekSteps = 7 * daySteps
        dayRing = daySteps + 1
        self.readsDay = readsDay && daySteps <= AdaptiveWindowMedian.windows.last!
        cpuDay = self.readsDay ? [] : [Double](repeating: 0, count: dayRing)
        memoryDay = cpuDay
        var words = 1
        while 64 * words < dayRing { words *= 2 }
        unmeasuredWords = words
        unmeasured = [UInt64](repeating: 0, count: 2 * unmeasuredWords)
        self.keepsWeek = keepsWeek
        cpuWeek = keepsWeek ? [Float](repeating: 0, count: weekSteps) : []
        memoryWeek = keepsWeek ? [Float](repeating: 0, count: weekSteps) : []
        var over = 64
        while over < weekSteps + 2 { over *= 2 }
        var memory = 64
        while memory < daySteps + 1 { memory *= 2 }
        overBits = over
        memoryBits = memory
        flagBits = [UInt64](repeating: 0, count: (over + memory) / 64)
    }

    /// CPU's and memory's measured samples, newest first, for a state that `readsDay`
    /// (`OnlineWorkload.withUsageDays`): they must be the samples pushed here, in order,
    /// without the unmeasured ones. Ignored by a state that keeps its day.
    public typealias Days = (cpu: UsageDay, memory: UsageDay)

    /// The day as the features read it: sample number k's usage (unmeasured: 0), for the
    /// last `dayRing` samples.
    private struct Day {
        let cpuDay: UsageDay, memoryDay: UsageDay
        /// Nil when neither resource needs them (`fastDay`).
        let bits: UnsafePointer<UInt64>?, words: Int
        let cpuGaps: Int, memoryGaps: Int
        /// The newest sample's number.
        let newest: Int
        /// Samples in the day so far (min(seen, `dayRing`)): gaps equal to it, none measured.
        let window: Int

        @inline(__always) func cpu(_ k: Int) -> Double { value(cpuDay, k, gaps: cpuGaps, bits: bits) }
        @inline(__always) func memory(_ k: Int) -> Double { value(memoryDay, k, gaps: memoryGaps, bits: bits.map { $0 + words }) }

        /// σ (population) of CPU's or memory's differences x(k) − x(k−1) for the `diffs` newest
        /// k (the very first sample's difference is 0, as numpy's `r_[0, diff]`), truncated to
        /// the samples present.
        @inline(__always) func differenceSigma(cpu: Bool, newest i: Int, diffs: Int) -> Double {
            let day = cpu ? cpuDay : memoryDay, gaps = cpu ? cpuGaps : memoryGaps
            let bits = cpu ? self.bits : self.bits.map { $0 + words }
            let n = Swift.min(diffs, i + 1)
            var s1 = 0.0, s2 = 0.0
            var newer = value(day, i, gaps: gaps, bits: bits)
            for back in 0..<n {
                let older = back == i ? newer : value(day, i - back - 1, gaps: gaps, bits: bits)
                let d = newer - older   // the very first sample's difference is 0
                s1 += d
                s2 += d * d
                newer = older
            }
            let mean = s1 / Double(n)
            return (Swift.max(0, s2 / Double(n) - mean * mean)).squareRoot()
        }

        @inline(__always) private func value(_ day: UsageDay, _ k: Int, gaps: Int, bits: UnsafePointer<UInt64>?) -> Double {
            let back = newest - k
            if gaps == 0 { return day.value(back: back) }
            if gaps == window { return 0 }   // a resource not measured all day (often one never measured)
            guard let bits else { return .nan }
            let b = 64 * words, p = k & (b - 1)
            if (bits[p >> 6] >> UInt64(p & 63)) & 1 == 1 { return 0 }
            // Back among the measured: less the unmeasured samples newer than k.
            return day.value(back: back - Self.countBits(bits, bitCount: b, from: (k + 1) & (b - 1), length: back))
        }

        /// The set bits of the `length` bits from `from` on, around a ring of `bitCount`.
        static func countBits(_ bits: UnsafePointer<UInt64>, bitCount: Int, from: Int, length: Int) -> Int {
            var total = 0, p = from, left = length
            while left > 0 {
                let o = p & 63, take = Swift.min(64 - o, left, bitCount - p)
                let mask: UInt64 = take == 64 ? ~0 : ((1 << UInt64(take)) - 1) << UInt64(o)
                total += (bits[p >> 6] & mask).nonzeroBitCount
                left -= take
                p += take
                if p == bitCount { p = 0 }
            }
            return total
        }
    }

    private static let noSamples = [Double](repeating: .nan, count: 1)

    /// What `withDay` reads, copied out of the state (the arrays shared, not copied) so the
    /// body may mutate the state, anything but these arrays.
    private struct DaySource {
        let readsDay: Bool
        let cpuDay: [Double], memoryDay: [Double]
        let cpuMeasured: Int, memoryMeasured: Int
        let unmeasured: [UInt64], words: Int
        let cpuGaps: Int, memoryGaps: Int, newest: Int, window: Int
    }

    private var daySource: DaySource {
        DaySource(readsDay: readsDay, cpuDay: cpuDay, memoryDay: memoryDay, cpuMeasured: cpuMeasured, memoryMeasured: memoryMeasured,
                  unmeasured: unmeasured, words: unmeasuredWords, cpuGaps: cpuUnmeasured, memoryGaps: memoryUnmeasured,
                  newest: seen - 1, window: Swift.min(seen, dayRing))
    }

    /// The day without its bits, when the state `readsDay` and neither resource needs them
    /// (each measured all day, or not at all): read with no array touched, the common case.
    @inline(__always)
    private func fastDay(_ days: Days?) -> Day? {
        guard readsDay, let days else { return nil }
        let window = Swift.min(seen, dayRing)
        guard cpuUnmeasured == 0 || cpuUnmeasured == window, memoryUnmeasured == 0 || memoryUnmeasured == window else { return nil }
        return Day(cpuDay: days.cpu, memoryDay: days.memory, bits: nil, words: unmeasuredWords, cpuGaps: cpuUnmeasured,
                   memoryGaps: memoryUnmeasured, newest: seen - 1, window: window)
    }

    /// Runs `body` on the day (from `days` when the state `readsDay`, else from its own rings).
    private static func withDay<R>(_ days: Days?, _ source: DaySource, _ body: (Day) -> R) -> R {
        source.unmeasured.withUnsafeBufferPointer { bits in
            func run(_ c: UsageDay, _ m: UsageDay) -> R {
                body(Day(cpuDay: c, memoryDay: m, bits: bits.baseAddress!, words: source.words, cpuGaps: source.cpuGaps,
                         memoryGaps: source.memoryGaps, newest: source.newest, window: source.window))
            }
            if source.readsDay {
                if let days { return run(days.cpu, days.memory) }
                // Not handed in (a caller's slip): no sample is held, every usage reads NaN.
                return noSamples.withUnsafeBufferPointer { none in
                    let empty = UsageDay(values: none.baseAddress!, size: 1, count: 0, evicted: .nan)
                    return run(empty, empty)
                }
            }
            return source.cpuDay.withUnsafeBufferPointer { c in
                source.memoryDay.withUnsafeBufferPointer { m in
                    run(UsageDay(values: c.baseAddress!, size: c.count, count: source.cpuMeasured, evicted: .nan),
                        UsageDay(values: m.baseAddress!, size: m.count, count: source.memoryMeasured, evicted: .nan))
                }
            }
        }
    }

    /// Whether the features are relative to this allocation already (`setAllocation` would
    /// change nothing).
    public func isAllocation(cpuCores: Double, memoryBytes: Double) -> Bool {
        func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }
        return same(cpuCores, allocationCPU) && same(memoryBytes, allocationMemory)
    }

    /// The last `count` samples' CPU and memory usage as ingested (oldest first; NaN where
    /// not measured), or nil when they cannot be had: what a recount reads back when the
    /// week is not kept (`keepsWeek` false; `StoredHistory.lastAccepted`).
    public typealias WeekReader = (_ count: Int) -> (cpu: [Double], memory: [Double])?

    /// The allocation the features are relative to (SI units; NaN or ≤ 0 = none: then no
    /// sample is over in that resource and its ratios are NaN). Recounts the breach flags of
    /// the samples in the ring when it changes: the last day's from the exact day kept, the
    /// older ones' from the week kept in Float or, when the week is not kept, from
    /// `readWeek` (the store). Without it, or when what it returns does not end in the day
    /// kept, the older samples keep the flags they were given against the allocation then
    /// in force, and only the day is judged again.
    /// `days`: the day's rings when the state `readsDay`.
    public mutating func setAllocation(cpuCores: Double, memoryBytes: Double, day days: Days? = nil, readWeek: WeekReader? = nil) {
        guard !isAllocation(cpuCores: cpuCores, memoryBytes: memoryBytes) else { return }
        if let day = fastDay(days) { return recount(cpuCores: cpuCores, memoryBytes: memoryBytes, day: day, readWeek: readWeek) }
        Self.withDay(days, daySource) { day in recount(cpuCores: cpuCores, memoryBytes: memoryBytes, day: day, readWeek: readWeek) }
    }

    private mutating func recount(cpuCores: Double, memoryBytes: Double, day: Day, readWeek: WeekReader?) {
        allocationCPU = cpuCores
        allocationMemory = memoryBytes
        overHour = 0; overDay = 0; overWeek = 0; memoryOverDay = 0; onsetDay = 0; onsetWeek = 0
        lastOver = nil
        let available = min(seen, weekSteps)
        // The samples older than the day: their usage, from the week kept or read back
        // (oldest first: the one before the ring's oldest, when evicted, then the ring's).
        var olderCPU: [Double] = [], olderMemory: [Double] = []
        let older = max(0, available - dayRing) + (seen > weekSteps ? 1 : 0)
        if !keepsWeek && older > 0, let readWeek {
            let wanted = older + min(seen, dayRing)
            if let read = readWeek(wanted), read.cpu.count == wanted, read.memory.count == wanted {
                let c = read.cpu.map { $0.isFinite ? $0 : 0 }, m = read.memory.map { $0.isFinite ? $0 : 0 }
                // The rows must end in the day kept, sample for sample, or they are not this state's.
                let matches = (0..<min(seen, dayRing)).allSatisfy { back in
                    c[wanted - 1 - back] == day.cpu(seen - 1 - back) && m[wanted - 1 - back] == day.memory(seen - 1 - back)
                }
                if matches { olderCPU = Array(c.prefix(older)); olderMemory = Array(m.prefix(older)) }
            }
        }
        let readBack = !olderCPU.isEmpty
        if !keepsWeek && older > 0 && !readBack { recountsNotReadBack += 1 }
        // Oldest first, so each sample's predecessor is judged before it.
        var previousOver: UInt8
        if seen > weekSteps {
            previousOver = keepsWeek ? flag(cpu: evictedCPU, memory: evictedMemory) & 1
                : readBack ? flag(cpu: olderCPU[0], memory: olderMemory[0]) & 1 : 0
            // Judged again: the week's oldest sample's onset reads it (`flag(number:)`).
            if keepsWeek || readBack { setOver(previousOver, number: seen - weekSteps - 1) }
        } else {
            previousOver = 0
        }
        let evictedOffset = seen > weekSteps ? 1 : 0
        for back in stride(from: available - 1, through: 0, by: -1) {
            let number = seen - 1 - back, slot = number % weekSteps
            var f: UInt8
            if back < dayRing {
                f = flag(cpu: day.cpu(number), memory: day.memory(number))
            } else if keepsWeek {
                f = flag(cpu: Double(cpuWeek[slot]), memory: Double(memoryWeek[slot]))
            } else if readBack {
                let k = evictedOffset + (available - 1 - back)
                f = flag(cpu: olderCPU[k], memory: olderMemory[k])
            } else {
                // Not read back: as judged then (its onset with it: its predecessor is older still).
                f = flag(number: number)
                if f & 1 == 1 { lastOver = number }
                previousOver = f & 1
                count(f, back: back, sign: 1)
                continue
            }
            if f & 1 == 1 {
                if previousOver == 0 { f |= 4 }
                lastOver = number
            }
            previousOver = f & 1
            setFlag(f, number: number)
            count(f, back: back, sign: 1)
        }
        recountSeasonal()
    }

    /// Appends one sample (`cpuCores`, `memoryBytes`: NaN read as 0) taken at `timestamp`.
    /// `days`: when the state `readsDay`, the day's rings with this sample already in them.
    public mutating func push(timestamp: Int64, cpuCores: Double, memoryBytes: Double, day days: Days? = nil) {
        // The seasonal windows move up by one (before any flag is overwritten: the sample
        // leaving day 7's window is the one the new sample evicts from the ring).
        let i = seen
        for j in 1...7 {
            let (high, low) = seasonalWindow(day: j, newest: i)
            guard high >= 0 else { continue }
            let lowBefore = seasonalWindow(day: j, newest: i - 1).low
            if low > lowBefore && high - 1 >= lowBefore { seasonal[j - 1] -= Int16(over(number: lowBefore)) }
            seasonal[j - 1] += Int16(over(number: high))
        }
        // The samples leaving each window: the one `window` steps back from the new one.
        if seen >= hourSteps { count(flag(number: seen - hourSteps), back: hourSteps - 1, sign: -1, only: .hour) }
        if seen >= daySteps { count(flag(number: seen - daySteps), back: daySteps - 1, sign: -1, only: .day) }
        if seen >= weekSteps { count(flag(number: seen - weekSteps), back: weekSteps - 1, sign: -1, only: .week) }
        let slot = seen % weekSteps
        if seen >= weekSteps && keepsWeek { evictedCPU = Double(cpuWeek[slot]); evictedMemory = Double(memoryWeek[slot]) }
        let previousOver = seen > 0 ? over(number: seen - 1) : 0
        let c = cpuCores.isFinite ? cpuCores : 0, m = memoryBytes.isFinite ? memoryBytes : 0
        let number = seen
        // Into the day: the measured values into the rings kept here (when kept), the
        // unmeasured bits (the one `dayRing` back leaving the counts).
        if !readsDay {
            if cpuCores.isFinite { cpuDay[cpuMeasured % dayRing] = cpuCores; cpuMeasured += 1 }
            if memoryBytes.isFinite { memoryDay[memoryMeasured % dayRing] = memoryBytes; memoryMeasured += 1 }
        }
        let bitCount = 64 * unmeasuredWords
        if number >= dayRing {
            let p = (number - dayRing) & (bitCount - 1)
            cpuUnmeasured -= Int((unmeasured[p >> 6] >> UInt64(p & 63)) & 1)
            memoryUnmeasured -= Int((unmeasured[unmeasuredWords + (p >> 6)] >> UInt64(p & 63)) & 1)
        }
        // Written only when it changes (a measured resource's bits stay 0: no write, no copy check).
        let p = number & (bitCount - 1), bit = UInt64(1) << UInt64(p & 63)
        for r in 0..<2 {
            let finite = r == 0 ? cpuCores.isFinite : memoryBytes.isFinite
            let w = r * unmeasuredWords + (p >> 6), word = unmeasured[w], next = finite ? word & ~bit : word | bit
            if next != word { unmeasured[w] = next }
        }
        if !cpuCores.isFinite { cpuUnmeasured += 1 }
        if !memoryBytes.isFinite { memoryUnmeasured += 1 }
        if keepsWeek {
            cpuWeek[slot] = Self.towardZero(c)
            memoryWeek[slot] = Self.towardZero(m)
        }
        var f = flag(cpu: c, memory: m)
        if f & 1 == 1 {
            if previousOver == 0 { f |= 4 }
            lastOver = number
        }
        setFlag(f, number: number)
        seen += 1
        count(f, back: 0, sign: 1)
        lastTimestamp = timestamp
        if let day = fastDay(days) { return pushDay(number: number, memory: m, day: day) }
        Self.withDay(days, daySource) { day in pushDay(number: number, memory: m, day: day) }
    }

    /// The day's running values after sample `number` (memory `m`) entered it.
    private mutating func pushDay(number: Int, memory m: Double, day: Day) {
        // The day's memory differences: the new one in, the one `daySteps − 1` back out.
        let diffs = daySteps - 1
        if number % daySteps == 0 {
            resyncDayDifferences(day: day)
        } else {
            let d = m - (number > 0 ? day.memory(number - 1) : m)
            daySum.add(d)
            daySquares.add(d * d)
            if number >= diffs {
                let leaving = number - diffs
                let old = leaving == 0 ? 0 : day.memory(leaving) - day.memory(leaving - 1)
                daySum.add(-old)
                daySquares.add(-(old * old))
            }
        }
        updateDayTop(value: m, number: number, day: day)
    }

    /// The top four after sample `number` (value `m`) entered the day window.
    private mutating func updateDayTop(value m: Double, number: Int, day: Day) {
        if number >= daySteps {
            let leaving = number - daySteps
            for j in 0..<topCount where topNumbers[j] == leaving {
                rescanDayTop(day: day)   // one of the four left: the next largest may be anywhere in the day
                return
            }
        }
        guard topCount < 4 || m >= topValues[3] else { return }
        // Insert before the first value ≤ m (the newest of equal values first).
        var j = Swift.min(topCount, 3)
        if topCount < 4 { topCount += 1 }
        while j > 0 && topValues[j - 1] <= m {
            topValues[j] = topValues[j - 1]; topNumbers[j] = topNumbers[j - 1]
            j -= 1
        }
        topValues[j] = m
        topNumbers[j] = number
    }

    /// The four largest of the day window, scanned newest first.
    private mutating func rescanDayTop(day: Day) {
        topCount = 0
        let n = Swift.min(seen, daySteps)
        for back in 0..<n {
            let number = seen - 1 - back, m = day.memory(number)
            guard topCount < 4 || m > topValues[3] else { continue }
            var j = Swift.min(topCount, 3)
            if topCount < 4 { topCount += 1 }
            while j > 0 && topValues[j - 1] < m {   // strictly: an older equal value goes after the newer
                topValues[j] = topValues[j - 1]; topNumbers[j] = topNumbers[j - 1]
                j -= 1
            }
            topValues[j] = m
            topNumbers[j] = number
        }
    }

    /// Σ and Σ² of the day window's memory differences summed afresh (once a day).
    private mutating func resyncDayDifferences(day: Day) {
        daySum = CompensatedSum(); daySquares = CompensatedSum()
        let i = seen - 1, n = Swift.min(daySteps - 1, i + 1)
        for back in 0..<n {
            let k = i - back
            let d = back == i ? 0 : day.memory(k) - day.memory(k - 1)
            daySum.add(d)
            daySquares.add(d * d)
        }
    }

    private enum Window { case hour, day, week, all }

    /// Adds (`sign` 1) or removes (−1) a sample's flag from the running sums of the windows
    /// it is in, `back` steps before the newest (or only of window `only`).
    private mutating func count(_ f: UInt8, back: Int, sign: Int, only: Window = .all) {
        let over = Int(f & 1) * sign, memoryOver = Int((f >> 1) & 1) * sign, onset = Int((f >> 2) & 1) * sign
        if (only == .all && back < hourSteps) || only == .hour { overHour += over }
        if (only == .all && back < daySteps) || only == .day { overDay += over; memoryOverDay += memoryOver; onsetDay += onset }
        if (only == .all && back < weekSteps) || only == .week { overWeek += over; onsetWeek += onset }
    }

    /// Day j's seasonal window for the sample numbered i: i − j·d − h + 1 … i − j·d + 2h, from
    /// sample 0 and within the week kept (i − w + 1 on). Empty while `high` < 0.
    @inline(__always) private func seasonalWindow(day j: Int, newest i: Int) -> (high: Int, low: Int) {
        (i - j * daySteps + 2 * hourSteps, Swift.max(0, i - j * daySteps - hourSteps + 1, i - weekSteps + 1))
    }

    /// Day j's next-hour window for the sample numbered i: i − j·d + 1 … i − j·d + h, from
    /// sample 0 (within the week kept: j·d ≤ w; its oldest sample's predecessor too). Empty
    /// while `high` < 0. Read from the flags' words when asked (`anyOverAndOnset`), no count kept.
    @inline(__always) private func nextHourWindow(day j: Int, newest i: Int) -> (high: Int, low: Int) {
        (i - j * daySteps + hourSteps, Swift.max(0, i - j * daySteps + 1))
    }

    /// The weekday of the UTC day of `t` (Unix seconds), 0 = Monday … 6 = Sunday (1970-01-01
    /// was a Thursday, 3); a weekend is 5 or 6. The day j days before is (weekday − j) mod 7.
    @inline(__always) static func weekday(_ t: Int64) -> Int {
        let day = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400   // floor
        return Int(((day + 3) % 7 + 7) % 7)
    }

    /// Over (1 or 0) and onset (over, its predecessor not; the first sample: its over) of sample k.
    @inline(__always) private func overAndOnset(number k: Int) -> (over: UInt8, onset: UInt8) {
        let o = over(number: k)
        return (o, k == 0 ? o : o & ~over(number: k - 1) & 1)
    }

    /// The over bits of samples `from` … `from + count − 1` (count ≤ 64, all in the ring),
    /// sample `from` in bit 0: one or two words of the ring.
    @inline(__always) private func overBits(from k: Int, count n: Int) -> UInt64 {
        let p = k & (overBits - 1), word = p >> 6, offset = p & 63
        var bits = flagBits[word] >> UInt64(offset)
        if offset + n > 64 { bits |= flagBits[(word + 1) & ((overBits >> 6) - 1)] << UInt64(64 - offset) }
        return n == 64 ? bits : bits & ((1 << UInt64(n)) - 1)
    }

    /// Whether samples `low` … `high` (in the ring) hold any over, and any onset.
    @inline(__always) private func anyOverAndOnset(low: Int, high: Int) -> (over: Bool, onset: Bool) {
        let n = high - low + 1
        guard n <= 63 else {
            // Windows over an hour of more than 63 samples (intervals under a minute): sample by sample.
            var over = false, onset = false
            for k in low...high { let f = overAndOnset(number: k); over = over || f.over == 1; onset = onset || f.onset == 1 }
            return (over, onset)
        }
        let bits = overBits(from: low, count: n)
        // Each sample's predecessor in the same bit; before sample 0, none is over.
        let before = low > 0 ? overBits(from: low - 1, count: n) : (overBits(from: 0, count: n) << 1) & ((1 << UInt64(n)) - 1)
        return (bits != 0, bits & ~before != 0)
    }

    /// The seasonal counts counted afresh from the flags (after a recount).
    private mutating func recountSeasonal() {
        seasonal = SIMD8<Int16>()
        let i = seen - 1
        guard i >= 0 else { return }
        for j in 1...7 {
            let (high, low) = seasonalWindow(day: j, newest: i)
            guard high >= low else { continue }
            var over: Int16 = 0
            for k in low...high { over += Int16(self.over(number: k)) }
            seasonal[j - 1] = over
        }
    }

    /// Whether sample k (in the week, or the one before it) was over: 1 or 0.
    @inline(__always) private func over(number k: Int) -> UInt8 {
        let p = k & (overBits - 1)
        return UInt8(truncatingIfNeeded: flagBits[p >> 6] >> UInt64(p & 63)) & 1
    }

    /// The flags of sample k: over (bit 0), memory over (bit 1, only for the last `dayRing`
    /// samples), onset (bit 2: over and its predecessor not; the first sample's is its over).
    @inline(__always) private func flag(number k: Int) -> UInt8 {
        let (o, onset) = overAndOnset(number: k)
        let m = flagBits[(overBits >> 6) + ((k & (memoryBits - 1)) >> 6)] >> UInt64(k & 63)
        return o | (UInt8(truncatingIfNeeded: m) & 1) << 1 | onset << 2
    }

    @inline(__always) private mutating func setOver(_ o: UInt8, number k: Int) {
        let p = k & (overBits - 1), bit = UInt64(1) << UInt64(p & 63)
        let word = flagBits[p >> 6], next = o & 1 == 1 ? word | bit : word & ~bit
        if next != word { flagBits[p >> 6] = next }
    }

    /// Keeps over and memory over of `f` for sample k (its onset follows from the overs).
    @inline(__always) private mutating func setFlag(_ f: UInt8, number k: Int) {
        setOver(f & 1, number: k)
        let w = (overBits >> 6) + ((k & (memoryBits - 1)) >> 6), bit = UInt64(1) << UInt64(k & 63)
        let word = flagBits[w], next = (f >> 1) & 1 == 1 ? word | bit : word & ~bit
        if next != word { flagBits[w] = next }
    }

    private func flag(cpu c: Double, memory m: Double) -> UInt8 {
        let cpuOver = allocationCPU > 0 && c > allocationCPU
        let memoryOver = allocationMemory > 0 && m > allocationMemory
        return (cpuOver || memoryOver ? 1 : 0) | (memoryOver ? 2 : 0)
    }

    /// x as a Float no farther from 0 than x (x ≥ 0 here: usage, NaN already read as 0);
    /// beyond Float's range, its largest finite value.
    static func towardZero(_ x: Double) -> Float {
        var f = Float(x)
        if Double(f) > x && x >= 0 { f = f.nextDown }
        if Double(f) < x && x < 0 { f = f.nextUp }
        return f
    }

    /// Writes the features (in `names` order) into `out` (count ≥ `count`); all NaN before
    /// the first sample. `days`: the day's rings when the state `readsDay`.
    public func features(into out: UnsafeMutableBufferPointer<Double>, day days: Days? = nil) {
        for k in 0..<Self.count { out[k] = .nan }
        guard seen > 0 else { return }
        if let day = fastDay(days) { return features(into: out, day: day) }
        Self.withDay(days, daySource) { day in features(into: out, day: day) }
    }

    private func features(into out: UnsafeMutableBufferPointer<Double>, day: Day) {
        let i = seen - 1
        let ac = allocationCPU > 0 ? allocationCPU : .nan, am = allocationMemory > 0 ? allocationMemory : .nan
        let c0 = day.cpu(i), m0 = day.memory(i)
        let xc = c0 / ac, xm = m0 / am
        out[0] = Swift.max(xc.isNaN ? -.infinity : xc, xm.isNaN ? -.infinity : xm)
        if !out[0].isFinite { out[0] = .nan }
        out[1] = xc
        out[2] = xm
        let nh = Swift.min(seen, hourSteps), nd = Swift.min(seen, daySteps)
        out[3] = Double(overHour) / Double(nh)
        out[4] = Double(overDay) / Double(nd)
        out[5] = seen >= weekSteps ? Double(overWeek) / Double(weekSteps) : .nan
        // Yesterday's window of the next hour: samples i−d+1 … i−d+h (those that exist).
        if i >= daySteps - hourSteps {
            var any = false, maxC = -Double.infinity, maxM = -Double.infinity
            let newest = i - (daySteps - hourSteps)           // i−d+h
            let oldest = Swift.max(0, i - daySteps + 1)       // i−d+1, truncated at the start
            if newest >= oldest {
                for k in oldest...newest {
                    if over(number: k) == 1 { any = true }
                    maxC = Swift.max(maxC, day.cpu(k)); maxM = Swift.max(maxM, day.memory(k))
                }
                out[6] = any ? 1 : 0
                out[7] = maxC / ac
                out[8] = maxM / am
            }
        }
        // Volatility: σ of the differences within the last h−1 (and d−1) samples.
        let volCHour = day.differenceSigma(cpu: true, newest: i, diffs: hourSteps - 1)
        let volMHour = day.differenceSigma(cpu: false, newest: i, diffs: hourSteps - 1)
        let dayDiffs = Double(Swift.min(daySteps - 1, i + 1))
        let dayMean = daySum.value / dayDiffs
        let volMDay = (Swift.max(0, daySquares.value / dayDiffs - dayMean * dayMean)).squareRoot()
        out[9] = (1 - xc) / (volCHour / ac + 0.001)
        out[12] = volMHour / am
        out[13] = volMDay / am
        out[10] = (1 - xm) / (out[12] + 0.001)
        out[11] = (1 - xm) / (out[13] + 0.001)
        // Maxima over the hour; the day's from its four largest memory values.
        var mxcHour = -Double.infinity, mxmHour = -Double.infinity
        for back in 0..<nh {
            mxcHour = Swift.max(mxcHour, day.cpu(i - back)); mxmHour = Swift.max(mxmHour, day.memory(i - back))
        }
        let mxmDay = topValues[0]
        if seen >= daySteps {
            // numpy linear: position p = 0.99·(d − 1) in ascending order; with d = 288, p = 284.13,
            // between the 4th and 3rd largest. `quantileFromTop` covers any d whose p falls within the top 4.
            let top = (topValues[0], topValues[1], topValues[2], topValues[3])
            out[14] = Self.quantileFromTop(top, count: daySteps, probability: 0.99, day: day) / am
        }
        if i >= daySteps { out[15] = xc - day.cpu(i - daySteps) / ac }
        out[16] = mxcHour / ac
        out[17] = mxmHour / am
        out[18] = mxmDay / am
        out[19] = Double(memoryOverDay) / Double(nd)
        let secondOfDay = Double(((lastTimestamp % 86_400) + 86_400) % 86_400)
        out[20] = sin(2 * Double.pi * secondOfDay / 86_400)
        out[21] = cos(2 * Double.pi * secondOfDay / 86_400)
        let nw = Swift.min(seen, weekSteps)
        out[22] = Double(onsetDay) / Double(nd)
        out[23] = Double(onsetWeek) / Double(nw)
        out[24] = Double(onsetDay) / Double(Swift.max(1, nd - overDay))
        out[25] = Double(onsetWeek) / Double(Swift.max(1, nw - overWeek))
        out[26] = log1p(Double(Swift.min(lastOver.map { i - $0 } ?? weekSteps, weekSteps)))
        // The same 3-hour window on each of the last 7 days, from the week's flags (the oldest
        // day clipped to the ring: 24 of its 36 samples at 5 minutes), counted as they come.
        var days = 0, daysOver = 0
        for j in 1...7 where seasonalWindow(day: j, newest: i).high >= 0 {
            days += 1
            if seasonal[j - 1] > 0 { daysOver += 1 }
        }
        if days > 0 { out[27] = Double(daysOver) / Double(days) }
        // The next-hour window on each of the last 7 days; `sbr_dt` over the days of today's type.
        var hourDays = 0, hourOver = 0, hourOnset = 0, sameDays = 0, sameOver = 0
        let today = Self.weekday(lastTimestamp), weekend = today >= 5
        for j in 1...7 {
            let (high, low) = nextHourWindow(day: j, newest: i)
            guard high >= 0 else { continue }
            hourDays += 1
            let (over, onset) = anyOverAndOnset(low: low, high: high)
            if over { hourOver += 1 }
            if onset { hourOnset += 1 }
            var then = today - j   // t − j·86 400 s falls j UTC days earlier
            if then < 0 { then += 7 }
            if (then >= 5) == weekend {
                sameDays += 1
                if over { sameOver += 1 }
            }
        }
        if hourDays > 0 {
            out[28] = Double(hourOver) / Double(hourDays)
            out[29] = Double(hourOver)
            out[30] = Double(hourOnset) / Double(hourDays)
        }
        if sameDays > 0 { out[31] = Double(sameOver) / Double(sameDays) }
    }

    /// The features as an array (tests, the trainer).
    public func features() -> [Double] {
        var out = [Double](repeating: .nan, count: Self.count)
        out.withUnsafeMutableBufferPointer { features(into: $0) }
        return out
    }


    /// numpy's linear quantile of the newest `count` values of `ring`, from their four
    /// largest (`top`, largest first) when the quantile's position falls among them, else by sorting.
    private static func quantileFromTop(_ top: (Double, Double, Double, Double), count: Int, probability: Double, day: Day) -> Double {
        let position = probability * Double(count - 1)
        let lower = Int(position.rounded(.down))
        let fraction = position - Double(lower)
        let fromTop = count - 1 - lower   // 0 = the largest
        let values = [top.0, top.1, top.2, top.3]
        if fromTop >= 1 && fromTop <= 3 {
            let lo = values[fromTop], hi = values[fromTop - 1]
            return lo + (hi - lo) * fraction
        }
        var window = (0..<count).map { day.memory(day.newest - $0) }
        window.sort()
        let hi = window[Swift.min(lower + 1, count - 1)]
        return window[lower] + (hi - window[lower]) * fraction
    }
}

/// A running sum with Neumaier's compensation: adding a value and later its negative
/// leaves (almost) no rounding residue, so a sliding window's sum of squares returns to 0
/// when the series goes flat after a jump.
struct CompensatedSum: Sendable {
    private var sum = 0.0, compensation = 0.0

    mutating func add(_ x: Double) {
        let t = sum + x
        if abs(sum) >= abs(x) { compensation += (sum - t) + x } else { compensation += (x - t) + sum }
        sum = t
    }

    var value: Double { sum + compensation }
}
