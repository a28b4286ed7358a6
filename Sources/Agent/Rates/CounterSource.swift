/// Something that reads the current counters of a workload.
public protocol CounterSource {
    /// The counters now, keyed by what they belong to.
    mutating func readCounters() throws(SamplingError) -> [CounterKey: Counters]
}
