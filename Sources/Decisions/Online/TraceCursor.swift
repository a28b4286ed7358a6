import Store
import Wire

/// A trace event as the cursor orders it: a stored row (`TraceEventRecord`) or one from a
/// batch (`TraceEvent`).
package protocol ObservedTraceEvent {
    /// Unix seconds, fractional.
    var observedAt: Double { get }
}

extension TraceEventRecord: ObservedTraceEvent {
    package var observedAt: Double { timestamp }
}

extension TraceEvent: ObservedTraceEvent {
    package var observedAt: Double { timestampSeconds }
}

/// The one rule for interleaving a workload's trace events with its samples, used by the
/// warm-up, the replay and the service alike: before the workload advances to a sample at
/// time t, its events with timestamp ≤ t are observed, so they belong to the step that
/// sample closes; events after its last sample are observed at the end (`rest`), as the
/// step in progress (the next sample closes it).
///
/// The events must be in time order (ties in the order they were sent).
package struct TraceCursor<Event: ObservedTraceEvent> {
    package let events: [Event]
    package private(set) var next = 0

    package init(_ events: [Event]) { self.events = events }

    /// The earliest event, Unix seconds.
    package var firstTimestamp: Double? { events.first?.observedAt }

    /// Hands every event at or before `timestamp` not yet handed on to `observe`.
    package mutating func advance(through timestamp: Double, _ observe: (Event) -> Void) {
        while next < events.count, events[next].observedAt <= timestamp {
            observe(events[next])
            next += 1
        }
    }

    /// Hands on every event not yet handed on.
    package mutating func rest(_ observe: (Event) -> Void) { advance(through: .infinity, observe) }
}
