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
    /// `HeadroomStore.traceEvents` returns them); events of other kinds are ignored, and
    /// of the events before the grid only phases count. O(events + steps).
    public static func stepSymbols(events: [TraceEventRecord], startTimestamp: Int64, intervalSeconds: Int64,
                                   steps: Int) -> [String] {
        // The interval is a store value (data): a non-positive one is taken as 1 s.
        let intervalSeconds = max(1, intervalSeconds)
        var out: [String] = []
        out.reserveCapacity(steps)
        var tracker = TraceSymbolTracker()
        var next = 0
        while next < events.count, events[next].timestamp < Double(startTimestamp) {
            if events[next].kind == "phase" { tracker.observe(kind: "phase", name: events[next].name) }
            next += 1
        }
        for k in 0..<steps {
            let stepEnd = Double(startTimestamp + Int64(k + 1) * intervalSeconds)
            while next < events.count, events[next].timestamp < stepEnd {
                tracker.observe(kind: events[next].kind, name: events[next].name)
                next += 1
            }
            out.append(tracker.closeStep())
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

/// The same rule step by step, for the online scorer: feed the events of the step in
/// progress (in time order) to `observe`, then take the step's symbol with `closeStep()`
/// when the step ends. The phase persists across steps; state counts start afresh.
public struct TraceSymbolTracker: Sendable, Equatable {
    /// The phase in effect (nil until the first `phase` event).
    public private(set) var phase: String?
    private var counts: [String: Int] = [:]
    /// State names in first-seen order within the step (ties go to the earliest).
    private var order: [String] = []

    public init(phase: String? = nil) { self.phase = phase }

    /// One event of the current step; kinds other than `phase` and `state` are ignored.
    public mutating func observe(kind: String, name: String) {
        switch kind {
        case "phase": phase = name
        case "state":
            if counts[name] == nil { order.append(name) }
            counts[name, default: 0] += 1
        default: break
        }
    }

    /// The symbol of the step that just ended (`TraceSymbols`' rule); resets the counts.
    public mutating func closeStep() -> String {
        defer {
            counts.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
        }
        if let phase { return "phase:" + phase }
        var best: String?, bestCount = 0
        for name in order where counts[name]! > bestCount {
            best = name
            bestCount = counts[name]!
        }
        return best ?? TraceSymbols.none
    }
}
