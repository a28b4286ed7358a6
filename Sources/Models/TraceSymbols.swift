import Store

/// Turns a workload's execution-trace events into one HMM symbol per grid step.
///
/// Step k of a grid starting at `startTimestamp` covers `[t_k, t_k + interval)` with
/// t_k = start + k·interval (the slot `RegularSeries.resample` puts samples in). Its
/// symbol is, in order of preference:
/// 1. `phase:<name>` — the phase in effect at the step's end: the last `phase` event
///    with timestamp < t_k + interval (phases last until the next one, so a phase
///    announced an hour ago still holds). Phases are what the workload itself says it
///    is doing, the strongest signal of what comes next.
/// 2. the most frequent `state` name among the step's own events (kernel-state symbols
///    such as `S:futex`, or application states); ties go to the name first seen in the
///    step.
/// 3. `none`.
/// Spans and loops do not make symbols (they are stored for later use).
///
/// The vocabulary of a model is the `maximumSymbols` most frequent step symbols of its
/// training window (ties by name, so it is deterministic) followed by `other`, which
/// stands for every symbol outside it at scoring time. `none` is a symbol like the rest.
public enum TraceSymbols {
    public static let none = "none"
    public static let other = "other"
    /// Default vocabulary size K (before `other`): a few phases and the common kernel
    /// states (R, S:futex, S:epoll_wait, D:io_schedule, …) fit; each symbol costs K_states
    /// parameters in BIC, so a long tail would only be penalised away.
    public static let defaultMaximumSymbols = 15
    /// The event kinds the rule reads (the store query can be limited to them).
    public static let kinds = ["phase", "state"]

    /// One symbol per step for `steps` steps. `events` must be in time order (as
    /// `HeadroomStore.traceEvents` returns them); events of other kinds are ignored.
    /// O(events + steps).
    public static func stepSymbols(events: [TraceEventRecord], startTimestamp: Int64, intervalSeconds: Int64,
                                   steps: Int) -> [String] {
        precondition(intervalSeconds > 0, "TraceSymbols: intervalSeconds must be > 0")
        var out: [String] = []
        out.reserveCapacity(steps)
        var next = 0
        var phase: String?
        var counts: [String: Int] = [:]
        var order: [String] = []
        for k in 0..<steps {
            let stepStart = Double(startTimestamp + Int64(k) * intervalSeconds)
            let stepEnd = stepStart + Double(intervalSeconds)
            counts.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            while next < events.count, events[next].timestamp < stepEnd {
                let event = events[next]
                next += 1
                switch event.kind {
                case "phase": phase = event.name
                case "state" where event.timestamp >= stepStart:
                    if counts[event.name] == nil { order.append(event.name) }
                    counts[event.name, default: 0] += 1
                default: break
                }
            }
            if let phase {
                out.append("phase:" + phase)
            } else if let best = order.max(by: { counts[$0]! < counts[$1]! || (counts[$0]! == counts[$1]! && order.firstIndex(of: $0)! > order.firstIndex(of: $1)!) }) {
                out.append(best)
            } else {
                out.append(none)
            }
        }
        return out
    }

    /// The `maximumSymbols` most frequent symbols (ties by name) plus `other`, last.
    public static func vocabulary(_ symbols: [String], maximumSymbols: Int = defaultMaximumSymbols) -> [String] {
        var counts: [String: Int] = [:]
        for s in symbols where s != other { counts[s, default: 0] += 1 }
        let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(max(0, maximumSymbols))
        return top.map(\.key) + [other]
    }

    /// The index of `symbol` in `vocabulary`, `other`'s index when absent; nil for a nil
    /// symbol (missing: the filter marginalises it).
    public static func index(of symbol: String?, in vocabulary: [String]) -> Int32? {
        guard let symbol else { return nil }
        if let i = vocabulary.firstIndex(of: symbol) { return Int32(i) }
        return Int32(vocabulary.count - 1)
    }
}
