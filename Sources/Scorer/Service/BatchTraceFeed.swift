import Store

/// A batch's trace events, per workload in time order (ties in the order sent), handed to
/// the online states interleaved with the batch's samples: before a workload advances to a
/// sample at time t, its events with timestamp ≤ t are observed, so they belong to the
/// step that sample closes; the events after its last sample are observed at the end, as
/// the step in progress (the next batch's sample closes it).
struct BatchTraceFeed {
    private var events: [String: [IncomingTraceEvent]] = [:]
    private var next: [String: Int] = [:]
    /// The workloads with events, in first-seen order.
    private(set) var workloads: [String] = []

    init(_ traces: [IncomingTraceEvent]) {
        for event in traces {
            if events[event.workload] == nil { workloads.append(event.workload) }
            events[event.workload, default: []].append(event)
        }
        for name in workloads {
            // A stable sort: agents send events in arrival order, not always time order.
            events[name] = events[name]!.enumerated().sorted {
                $0.element.timestampSeconds != $1.element.timestampSeconds
                    ? $0.element.timestampSeconds < $1.element.timestampSeconds : $0.offset < $1.offset
            }.map(\.element)
        }
    }

    /// The earliest event of `workload` in the batch, Unix seconds.
    func firstTimestamp(of workload: String) -> Double? { events[workload]?.first?.timestampSeconds }

    /// Hands `workload`'s events up to `timestamp` (inclusive) not yet handed on to `observe`.
    mutating func feed(_ workload: String, through timestamp: Double, to observe: (IncomingTraceEvent) -> Void) {
        guard let list = events[workload] else { return }
        var i = next[workload] ?? 0
        while i < list.count, list[i].timestampSeconds <= timestamp {
            observe(list[i])
            i += 1
        }
        next[workload] = i
    }

    /// Hands on every event not yet handed on.
    mutating func feedRest(to observe: (IncomingTraceEvent) -> Void) {
        for name in workloads { feed(name, through: .infinity, to: observe) }
    }

    /// `feed` into a core's online states.
    mutating func feed(_ workload: String, through timestamp: Double, into core: ScoringCore) {
        feed(workload, through: timestamp) { core.observeTrace(workload: $0.workload, kind: $0.kind, name: $0.name) }
    }

    /// `feedRest` into a core's online states.
    mutating func feedRest(into core: ScoringCore) {
        feedRest { core.observeTrace(workload: $0.workload, kind: $0.kind, name: $0.name) }
    }
}
