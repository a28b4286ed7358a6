import Resources

#if canImport(Glibc)
import Glibc
#endif

/// Turns successive readings of a `CounterSource` into resource vectors.
///
/// The sampler does not sleep or read a clock itself: the caller passes the monotonic time
/// of each reading (`MonotonicClock.seconds()` in production, chosen values in tests), and
/// paces the calls by `configuration.intervalSeconds`.
public struct Sampler<Source: CounterSource> {
    public var source: Source
    public let configuration: SamplerConfiguration
    /// The snapshot of the last call, the baseline of the next interval.
    public private(set) var previous: CounterSnapshot?

    public init(source: Source, configuration: SamplerConfiguration = SamplerConfiguration()) {
        self.source = source
        self.configuration = configuration
    }

    /// Reads the counters, stamps them with `monotonicSeconds`, and returns the vector of
    /// the interval since the previous call (`nil` on the first call, which only sets the
    /// baseline). See `CounterSnapshot.rates(since:)` for the formulas.
    public mutating func sample(atMonotonicSeconds monotonicSeconds: Double) throws(SamplingError) -> ResourceVector? {
        let snapshot = CounterSnapshot(monotonicSeconds: monotonicSeconds, counters: try source.readCounters())
        defer { previous = snapshot }
        guard let previous else { return nil }
        return try snapshot.rates(since: previous)
    }
}

/// How often to sample.
public struct SamplerConfiguration: Sendable, Hashable {
    /// Seconds between samples; default 1. Rates are averages over this interval, so a
    /// burst shorter than it is smoothed.
    public var intervalSeconds: Double

    public init(intervalSeconds: Double = 1) {
        precondition(intervalSeconds > 0, "the sampling interval must be positive")
        self.intervalSeconds = intervalSeconds
    }
}

/// `CLOCK_MONOTONIC` in seconds: never jumps with wall-clock changes.
public enum MonotonicClock {
    public static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

extension SamplerConfiguration {
    /// Parses an interval such as `1s`, `500ms`, `2m` or plain seconds (`0.5`); `nil` for
    /// anything else, zero, negative or non-finite values.
    public init?(intervalText text: String) {
        let units: [(suffix: String, seconds: Double)] = [("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(text)
        var scale = 1.0
        for unit in units where text.hasSuffix(unit.suffix) {
            number = text.dropLast(unit.suffix.count)
            scale = unit.seconds
            break
        }
        guard let value = Double(number), value.isFinite, value > 0 else { return nil }
        self.init(intervalSeconds: value * scale)
    }
}
