import Synchronization

/// The agent's bounded queue of trace events between the intake (the trace server's
/// thread, the kernel-state sampler) and the run loop that pushes them to the scorer.
///
/// `append` never waits beyond a short lock: past `capacity` events it drops the newest
/// and counts them (`dropped`), so neither a flood of events nor a scorer that is down can
/// grow the agent's memory or hold up sampling. `drain` takes the oldest events, up to a
/// count and an estimate of their JSON size, so one batch stays under the scorer's body
/// limit; the rest wait for the next push.
public final class TraceBuffer: Sendable {
    public struct Counters: Sendable, Equatable {
        /// Events accepted since the start.
        public var appended = 0
        /// Events dropped because the buffer was full.
        public var dropped = 0
        /// Events waiting now.
        public var pending = 0
    }

    public let capacity: Int
    private struct State {
        var events: [TraceEvent] = []
        /// Index of the oldest pending event in `events` (compacted on drain).
        var head = 0
        var counters = Counters()
    }
    private let state = Mutex(State())

    /// - Parameter capacity: events held at most, > 0.
    public init(capacity: Int) {
        precondition(capacity > 0, "TraceBuffer: capacity must be > 0")
        self.capacity = capacity
    }

    /// Adds `events` (oldest first) as far as there is room; returns how many were dropped.
    @discardableResult
    public func append(_ events: [TraceEvent]) -> Int {
        state.withLock { s in
            let room = max(0, capacity - (s.events.count - s.head))
            let taken = min(room, events.count)
            s.events.append(contentsOf: events.prefix(taken))
            s.counters.appended += taken
            s.counters.dropped += events.count - taken
            s.counters.pending = s.events.count - s.head
            return events.count - taken
        }
    }

    /// Removes and returns the oldest events: at most `maximumEvents`, and no more than
    /// fit in `maximumBytes` by `estimatedJSONBytes` (at least one, whatever its size).
    public func drain(maximumEvents: Int = .max, maximumBytes: Int = .max) -> [TraceEvent] {
        state.withLock { s in
            var end = s.head, bytes = 0
            while end < s.events.count, end - s.head < maximumEvents {
                bytes += Self.estimatedJSONBytes(s.events[end])
                if bytes > maximumBytes, end > s.head { break }
                end += 1
            }
            let out = Array(s.events[s.head..<end])
            s.head = end
            if s.head == s.events.count {
                s.events.removeAll(keepingCapacity: true)
                s.head = 0
            } else if s.head > capacity {
                s.events.removeFirst(s.head)
                s.head = 0
            }
            s.counters.pending = s.events.count - s.head
            return out
        }
    }

    public var counters: Counters { state.withLock { $0.counters } }

    /// An estimate of the event's size in a batch's `traces` array: its strings as they
    /// are (JSON escaping seldom lengthens names and attributes) plus 120 bytes for the
    /// keys, the timestamp and the value.
    public static func estimatedJSONBytes(_ event: TraceEvent) -> Int {
        120 + (event.workload?.utf8.count ?? 0) + event.name.utf8.count + (event.attributesJSON?.utf8.count ?? 0)
    }
}
