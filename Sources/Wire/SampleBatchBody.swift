import Foundation
import Resources

/// One `POST /v1/samples` body, as the agent writes it and the scorer reads it:
///
/// ```json
/// {"pop": "ams1",
///  "samples": [{"workload": "w", "timestamp": 1375315200, "cpu_cores": 1.5, "memory_bytes": 2e9}],
///  "allocations": {"w": {"cpu_cores": 2, "memory_bytes": 4294967296}},
///  "checkpoints": {"w": 1375315000},
///  "live_migratable": ["w"],
///  "traces": [{"workload": "w", "timestamp": 1375315100.5, "kind": "phase", "name": "load"}]}
/// ```
///
/// - `samples` (required): resources by their snake_case names, each optional (absent or
///   null = not measured), no other keys.
/// - `pop` (optional): the POP the reporting agent runs on; the batch is its heartbeat and
///   places the workloads first seen there.
/// - `allocations` (optional): what each workload is given at the POP, resource names only,
///   each a value `InputRules` accepts.
/// - `checkpoints` (optional): Unix seconds of each workload's last good checkpoint.
/// - `live_migratable` (optional): workloads the agent can move live (its VMs).
/// - `traces` (optional): execution-trace events (`TraceEvent+Codable`).
///
/// Decoding (`SampleBatchBody+Codable`) checks the shape and the per-field rules that need no
/// clock or store, each failure a `WireError` naming the field; the scorer's intake then
/// applies what does (`InputRules` against its clock, cross-references, size limits).
public struct SampleBatchBody: Sendable, Equatable {
    public struct Sample: Sendable, Equatable {
        public var workload: String
        /// Unix seconds.
        public var timestamp: Int64
        /// SI values; NaN = not measured (left out on the wire).
        public var values: ResourceVector

        public init(workload: String, timestamp: Int64, values: ResourceVector) {
            self.workload = workload
            self.timestamp = timestamp
            self.values = values
        }

        /// `values` keyed by `Resource.snakeCaseName`; a key that names no resource is left
        /// out (the agent builds the keys from `Resource`, so there is none).
        public init(workload: String, timestamp: Int64, values: [String: Double]) {
            var vector = ResourceVector.absent
            for (key, value) in values {
                if let resource = Resource(snakeCaseName: key) { vector[resource] = value }
            }
            self.init(workload: workload, timestamp: timestamp, values: vector)
        }
    }

    public var pop: String?
    public var samples: [Sample] = []
    /// Per workload, SI values; NaN = not given.
    public var allocations: [String: ResourceVector] = [:]
    public var checkpoints: [String: Int64] = [:]
    /// Workloads this agent moves live (its VMs), sent as `live_migratable`.
    public var liveMigratable: Set<String> = []
    /// Trace events of this POP's workloads (workload always set), oldest first.
    public var traces: [TraceEvent] = []

    public init(pop: String?, samples: [Sample] = [], allocations: [String: ResourceVector] = [:], checkpoints: [String: Int64] = [:],
                liveMigratable: Set<String> = [], traces: [TraceEvent] = []) {
        self.pop = pop
        self.samples = samples
        self.allocations = allocations
        self.checkpoints = checkpoints
        self.liveMigratable = liveMigratable
        self.traces = traces
    }

    /// The body as the agent sends it: `allocations`, `checkpoints` and `live_migratable`
    /// only for workloads with a sample in this batch (the scorer refuses the others), empty
    /// sections left out.
    public func json() -> Data {
        let named = Set(samples.map(\.workload))
        var sent = self
        sent.allocations = allocations.filter { named.contains($0.key) }
        sent.checkpoints = checkpoints.filter { named.contains($0.key) }
        sent.liveMigratable = liveMigratable.intersection(named)
        return (try? WireJSON.encode(sent)) ?? Data()
    }
}
