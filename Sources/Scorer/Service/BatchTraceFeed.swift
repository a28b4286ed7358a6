import Decisions
import Store
import Wire

/// A batch's trace events, per workload in time order (ties in the order sent), handed to
/// the online states interleaved with the batch's samples by the one rule of `TraceCursor`.
struct BatchTraceFeed {
    private var cursors: [String: TraceCursor<TraceEvent>] = [:]
    /// The workloads with events, in first-seen order.
    private(set) var workloads: [String] = []

    init(_ traces: [TraceEvent]) {
        var events: [String: [TraceEvent]] = [:]
        for event in traces {
            let workload = Self.workloadName(event)
            if events[workload] == nil { workloads.append(workload) }
            events[workload, default: []].append(event)
        }
        for name in workloads {
            // A stable sort: agents send events in arrival order, not always time order.
            cursors[name] = TraceCursor(events[name]!.enumerated().sorted {
                $0.element.timestampSeconds != $1.element.timestampSeconds
                    ? $0.element.timestampSeconds < $1.element.timestampSeconds : $0.offset < $1.offset
            }.map(\.element))
        }
    }

    /// The earliest event of `workload` in the batch, Unix seconds.
    func firstTimestamp(of workload: String) -> Double? { cursors[workload]?.firstTimestamp }

    /// Hands `workload`'s events up to `timestamp` (inclusive) not yet handed on to `observe`.
    mutating func feed(_ workload: String, through timestamp: Double, to observe: (TraceEvent) -> Void) {
        cursors[workload]?.advance(through: timestamp, observe)
    }

    /// Hands on every event not yet handed on.
    mutating func feedRest(to observe: (TraceEvent) -> Void) {
        for name in workloads { cursors[name]?.rest(observe) }
    }

    /// `feed` into a core's online states.
    mutating func feed(_ workload: String, through timestamp: Double, into core: ScoringCore) {
        feed(workload, through: timestamp) { core.observeTrace(workload: Self.workloadName($0), kind: $0.kind.rawValue, name: $0.name) }
    }

    /// An event's workload: always set in a batch the intake accepted (`SampleBatch.parse`
    /// refuses an element without one).
    private static func workloadName(_ event: TraceEvent) -> String { event.workload ?? "" }

    /// `feedRest` into a core's online states.
    mutating func feedRest(into core: ScoringCore) {
        feedRest { core.observeTrace(workload: Self.workloadName($0), kind: $0.kind.rawValue, name: $0.name) }
    }
}
