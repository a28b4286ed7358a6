import Decisions
import Foundation

/// Per-tick wall times (nanoseconds) and their summary: nearest-rank percentiles, as
/// `bench/scorer/peer.py` reports them (the value at rank ⌈p·n⌉ of the sorted times).
struct TickTimings {
    private(set) var nanoseconds: [UInt64] = []

    init(capacity: Int) { nanoseconds.reserveCapacity(capacity) }

    mutating func record(_ ns: UInt64) { nanoseconds.append(ns) }

    var count: Int { nanoseconds.count }

    struct Summary: Codable {
        var ticks: Int
        var medianMicroseconds: Double
        var p99Microseconds: Double
        var p999Microseconds: Double
        var maxMicroseconds: Double
        var meanMicroseconds: Double

        enum CodingKeys: String, CodingKey {
            case ticks
            case medianMicroseconds = "median_us", p99Microseconds = "p99_us", p999Microseconds = "p999_us"
            case maxMicroseconds = "max_us", meanMicroseconds = "mean_us"
        }
    }

    /// Nil when nothing was recorded.
    func summary() -> Summary? {
        guard !nanoseconds.isEmpty else { return nil }
        let sorted = nanoseconds.sorted()
        let n = sorted.count
        func rank(_ p: Double) -> Double { Double(sorted[max(0, Int((p * Double(n)).rounded(.up)) - 1)]) / 1e3 }
        let median = n % 2 == 1 ? Double(sorted[n / 2]) : (Double(sorted[n / 2 - 1]) + Double(sorted[n / 2])) / 2
        return Summary(ticks: n, medianMicroseconds: median / 1e3, p99Microseconds: rank(0.99), p999Microseconds: rank(0.999),
                       maxMicroseconds: Double(sorted[n - 1]) / 1e3,
                       meanMicroseconds: Double(sorted.reduce(0, +)) / Double(n) / 1e3)
    }

    /// CLOCK_MONOTONIC in nanoseconds (vDSO: tens of ns per read).
    @inline(__always)
    static func monotonicNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }

    /// CPU time of this process in nanoseconds.
    static func processCPUNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }
}
