import GRDB
import Wire

/// What `append(samples:traceEvents:)` did.
public struct BatchAppendResult: Sendable, Equatable {
    public var samples: AppendResult
    public var traces: TraceAppendResult
    /// Workloads created by this batch (by a sample or a trace event), in creation order.
    public var newWorkloads: [String]
}

extension HeadroomStore {
    /// Appends an agent's batch — samples and trace events — in ONE transaction, with the
    /// rules of `append(samples:)` and `append(traceEvents:)`: either all of it is written
    /// or, on any error, nothing. Workloads named only by trace events are created too.
    /// - Throws: `StoreError.invalidArgument` naming the first bad sample (`sample i: …`)
    ///   or trace event (`trace event i: …`) before anything is written.
    public func append(samples: [IncomingSample], traceEvents: [TraceEvent], source: String = "agent",
                       now: Int64) throws -> BatchAppendResult {
        for (i, sample) in samples.enumerated() {
            if let problem = Self.problem(with: sample) { throw StoreError.invalidArgument("sample \(i): \(problem)") }
        }
        for (i, event) in traceEvents.enumerated() {
            if let problem = Self.problem(with: event) { throw StoreError.invalidArgument("trace event \(i): \(problem)") }
        }
        if let postgres { return try postgres.append(samples: samples, traceEvents: traceEvents, source: source, now: now) }
        return try writer.write { db in
            var workloads = WorkloadResolver(source: source, now: now)
            let samplesResult = try Self.insert(samples: samples, into: db, workloads: &workloads)
            let tracesResult = try Self.insert(traceEvents: traceEvents, into: db, workloads: &workloads)
            return BatchAppendResult(samples: samplesResult, traces: tracesResult, newWorkloads: workloads.created)
        }
    }
}
