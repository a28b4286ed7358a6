import Foundation
import Forecast
import Hummingbird
import Store
import Wire

/// One `POST /v1/samples` body, decoded strictly as a `SampleBatchBody` (the type the agent
/// encodes; its decoder checks the shape and the rules of single fields) and then checked
/// against what needs the scorer's clock and the store:
///
/// ```json
/// {"pop": "ams1",
///  "samples": [{"workload": "w", "timestamp": 1375315200, "cpu_cores": 1.5, "memory_bytes": 2e9}],
///  "allocations": {"w": {"cpu_cores": 2, "memory_bytes": 4294967296}},
///  "checkpoints": {"w": 1375315000}}
/// ```
///
/// - `samples` (required): resources by their snake_case names, each optional (absent or
///   null = not measured), no other keys.
/// - `pop` (optional): the POP the reporting agent runs on; the batch is its heartbeat and
///   places the workloads first seen there.
/// - `allocations` (optional, needs `pop`): what each workload is given at the POP, keyed by
///   workloads of this batch; used when the workload is placed (default: the scorer's
///   `AllocationRule`) and scored against.
/// - `checkpoints` (optional, needs `pop`): Unix seconds of each workload's last good
///   checkpoint (a restart after its POP goes down resumes from there).
/// - `traces` (optional): execution-trace events (`TraceEvent+Codable`), stored with
///   the samples in one transaction and fed to the workloads' online states.
///
/// Names, times and values follow `InputRules` (`SampleBatch+Rules`): names ≤ 253 bytes
/// without control characters, times from 1970 to a day after the scorer's clock, values
/// finite, ≥ 0 and below each resource's physical bound.
/// Every problem is a 400 naming the sample (or workload, or trace element) and field;
/// nothing is applied unless the whole batch parses. More than `maxSamples` samples or
/// `maxTraces` trace events is a 413.
public struct SampleBatch: Sendable {
    package var pop: String?
    package var samples: [IncomingSample]
    /// Per workload, `Resource.count` SI values, NaN = not given.
    package var allocations: [String: [Double]]
    package var checkpoints: [String: Int64]
    /// Workloads of the batch the agent can move live (its VMs: QEMU's live migration).
    package var liveMigratable: Set<String> = []
    /// In the order sent.
    package var traces: [TraceEvent]

    package init(pop: String? = nil, samples: [IncomingSample], allocations: [String: [Double]] = [:], checkpoints: [String: Int64] = [:],
         traces: [TraceEvent] = []) {
        self.pop = pop
        self.samples = samples
        self.allocations = allocations
        self.checkpoints = checkpoints
        self.traces = traces
    }

    /// - Parameter nowSeconds: the scorer's clock, Unix seconds: sample and trace times may
    ///   be up to a day ahead of it (`InputRules.liveTimestampViolation`).
    /// - Throws: `HTTPError` 400 (malformed, naming the field), `FieldViolation` 400 (a
    ///   name, time or value `InputRules` refuses, naming the element, workload and field)
    ///   or 413 (too many samples or trace events).
    public static func parse(_ body: ByteBuffer, maxSamples: Int, maxTraces: Int = 10_000,
                      nowSeconds: Int64 = Int64(Date().timeIntervalSince1970)) throws -> SampleBatch {
        let decoded: SampleBatchBody
        do {
            decoded = try WireJSON.decode(SampleBatchBody.self, from: Data(buffer: body), what: "a sample batch")
        } catch {
            throw HTTPError(.badRequest, message: error.message)
        }
        guard decoded.samples.count <= maxSamples else {
            throw HTTPError(.contentTooLarge, message: "\(decoded.samples.count) samples in one batch; at most \(maxSamples)")
        }
        let traces = decoded.traces
        guard traces.count <= maxTraces else {
            throw HTTPError(.contentTooLarge, message: "\(traces.count) trace events in one batch; at most \(maxTraces)")
        }
        let samples = decoded.samples.map { sample in
            let v = sample.values
            return IncomingSample(workload: sample.workload, timestamp: sample.timestamp,
                                  values: [v.cpuCores, v.memoryBytes, v.diskReadBytesPerSecond, v.diskWriteBytesPerSecond,
                                           v.networkReceiveBytesPerSecond, v.networkTransmitBytesPerSecond])
        }
        try checkRules(samples: samples, traces: traces, nowSeconds: nowSeconds)
        for (i, sample) in samples.enumerated() {
            if let problem = HeadroomStore.problem(with: sample) { throw HTTPError(.badRequest, message: "samples[\(i)]: \(problem)") }
        }
        for (i, event) in traces.enumerated() {
            if let problem = HeadroomStore.problem(with: event) { throw HTTPError(.badRequest, message: "traces[\(i)]: \(problem)") }
        }
        if let pop = decoded.pop, pop.isEmpty { throw HTTPError(.badRequest, message: "pop: is empty; give the name of the agent's POP or leave it out") }
        let named = Set(samples.map(\.workload))
        for (field, keys) in [("allocations", Array(decoded.allocations.keys)), ("checkpoints", Array(decoded.checkpoints.keys)),
                              ("live_migratable", Array(decoded.liveMigratable))] {
            if decoded.pop == nil, !keys.isEmpty {
                throw HTTPError(.badRequest, message: "\(field): needs \"pop\", the POP the reporting agent runs on")
            }
            for key in keys.sorted() where !named.contains(key) {
                throw HTTPError(.badRequest, message: "\(field).\(key): workload has no sample in this batch")
            }
        }
        let checkpoints = decoded.checkpoints
        for (workload, time) in checkpoints.sorted(by: { $0.key < $1.key }) {
            if let violation = InputRules.liveTimestampViolation(time, nowSeconds: nowSeconds) {
                throw HTTPError(.badRequest, message: "checkpoints.\(workload): expected \(violation.expected), found \(violation.found)")
            }
        }
        var batch = SampleBatch(pop: decoded.pop, samples: samples, allocations: decoded.allocations.mapValues(\.values),
                                checkpoints: checkpoints, traces: traces)
        batch.liveMigratable = decoded.liveMigratable
        return batch
    }
}
