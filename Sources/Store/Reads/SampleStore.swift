import Forecast

/// The reads and writes the trainer and the scorer need from a store — the seam behind
/// which a PostgreSQL backend can later serve a fleet of scorers (DESIGN.md, scale-out).
public protocol SampleStore: Sendable {
    /// All workloads, ordered by name.
    func workloads() throws -> [WorkloadRecord]
    /// The workload called `name`, or nil.
    func workload(named name: String) throws -> WorkloadRecord?
    /// The last `count` samples of one workload (oldest first), optionally only those at or
    /// before `until` (Unix seconds). Fewer when the workload has fewer.
    func lastSamples(workload: String, count: Int, until: Int64?) throws -> SampleSeries
    /// Samples with `from ≤ timestamp < to` (Unix seconds) for each named workload, in
    /// the order given; a workload with no samples in the range gets an empty series.
    func samples(workloads: [String], from: Int64, to: Int64) throws -> [SampleSeries]
}
