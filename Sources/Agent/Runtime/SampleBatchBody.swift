import Foundation

/// One `POST /v1/samples` body: `{"pop":…, "samples":[{"workload":…, "timestamp":…,
/// "cpu_cores":…, …}], "allocations":{…}, "checkpoints":{…}, "live_migratable":[…], "traces":[{"workload":…,
/// "timestamp":…, "kind":…, "name":…, "value":…, "attributes":{…}}]}`; unmeasured resources
/// are left out (JSON has no NaN), as are `traces` when there are none (docs/agent.md).
public struct SampleBatchBody: Sendable {
    public struct Sample: Sendable {
        public var workload: String
        /// Unix seconds.
        public var timestamp: Int64
        /// Snake_case resource name → SI value.
        public var values: [String: Double]

        public init(workload: String, timestamp: Int64, values: [String: Double]) {
            self.workload = workload
            self.timestamp = timestamp
            self.values = values
        }
    }

    public var pop: String
    public var samples: [Sample] = []
    public var allocations: [String: ResourceLimits] = [:]
    public var checkpoints: [String: Int64] = [:]
    /// Workloads this agent moves live (its VMs), sent as `live_migratable`.
    public var liveMigratable: Set<String> = []
    /// Trace events of this POP's workloads (workload always set), oldest first.
    public var traces: [TraceEvent] = []

    public init(pop: String) { self.pop = pop }

    public func json() -> Data {
        var object: [String: Any] = ["pop": pop]
        object["samples"] = samples.map { sample -> [String: Any] in
            var fields: [String: Any] = ["workload": sample.workload, "timestamp": sample.timestamp]
            for (key, value) in sample.values where value.isFinite { fields[key] = value }
            return fields
        }
        var allocationObject: [String: Any] = [:]
        for (workload, limits) in allocations where samples.contains(where: { $0.workload == workload }) {
            var fields: [String: Any] = [:]
            if let cores = limits.cpuCores { fields["cpu_cores"] = cores }
            if let bytes = limits.memoryBytes { fields["memory_bytes"] = bytes }
            allocationObject[workload] = fields
        }
        if !allocationObject.isEmpty { object["allocations"] = allocationObject }
        let checkpointObject = checkpoints.filter { entry in samples.contains { $0.workload == entry.key } }
        if !checkpointObject.isEmpty { object["checkpoints"] = checkpointObject }
        let live = liveMigratable.filter { name in samples.contains { $0.workload == name } }.sorted()
        if !live.isEmpty { object["live_migratable"] = live }
        if !traces.isEmpty { object["traces"] = traces.map(Self.traceObject) }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }

    /// One `traces` element: the event's fields, `attributes` as the object it was sent as.
    static func traceObject(_ event: TraceEvent) -> [String: Any] {
        var fields: [String: Any] = ["workload": event.workload ?? "", "timestamp": event.timestampSeconds,
                                     "kind": event.kind.rawValue, "name": event.name]
        if let value = event.value, value.isFinite { fields["value"] = value }
        if let text = event.attributesJSON, let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] {
            fields["attributes"] = object
        }
        return fields
    }
}
