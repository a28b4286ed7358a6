import Resources

/// Turns Prometheus series (remote write requests, `query_range` chunks) into rows of the
/// resource vector per workload and second, by a `PrometheusMapping`.
///
/// **State** (what makes a counter a rate and a retry harmless): per series (its full label
/// set) the last sample's time and value, and the mapping's verdict on it; per workload its newest rows (`rowsPerWorkload`),
/// whose per-resource sums are still open to series arriving in a later request — Prometheus
/// splits one scrape's series over requests (`max_samples_per_send`, shards), so a row is
/// the sum of what every request brought for it.
///
/// **Two steps**, so that nothing is remembered unless it was stored: `plan` reads the state
/// and returns the rows to write and the state it would leave; the caller writes the rows in
/// one transaction and only then `commit`s. A request that failed (5xx, retried by the
/// sender) therefore leaves no trace, and a retried request that *was* stored finds each
/// sample not newer than its series' last one and skips it (`Counts.duplicates`): the
/// sums are not counted twice.
///
/// **Rows**: a sample at t milliseconds lands in the row of second ⌊t / 1000⌋. A counter
/// gives (v − v_prev) / (t − t_prev) × scale at its later sample (a decrease is a reset:
/// the increase is v); its first sample, and any after a gap over `counterGapMilliseconds`,
/// only sets the baseline. A gauge gives v × scale. NaN (Prometheus' staleness marker, a
/// value that is not a number) is skipped and counted.
///
/// **Closed rows**: once a workload has a row newer than t, the row at t is whole (the next
/// scrape has started arriving) and is handed out once as `closed`, which the scorer feeds
/// to the online state: rows are stored at once, scored one scrape later.
package struct SeriesAssembler: Sendable {
    /// One row of the resource vector.
    package struct Row: Sendable, Equatable {
        package var workload: String
        /// The POP the mapping names for it (nil: none).
        package var pop: String?
        /// Unix seconds.
        package var timestamp: Int64
        /// `Resource.count` SI values; NaN = no series gave this resource.
        package var values: [Double]
        /// What the workload is allocated (`role = "allocation"` rules), `Resource.count`
        /// values, NaN = none given.
        package var allocation: [Double]
    }

    /// What a plan saw, by outcome (sample counts).
    package struct Counts: Sendable, Equatable {
        /// Samples that gave a value to a row.
        package var taken = 0
        /// Samples of series no rule takes, by reason.
        package var unmatched: [PrometheusMapping.Unmatched: Int] = [:]
        /// NaN values (staleness markers) skipped.
        package var stale = 0
        /// A counter's first sample (or first after a gap): the baseline of the next rate.
        package var counterBaselines = 0
        /// Counter decreases read as resets.
        package var counterResets = 0
        /// Samples not after their series' last one (a retried request, overlapping chunks).
        package var duplicates = 0
        /// Samples for a row older than the workload's open rows (dropped).
        package var late = 0
        /// Allocation samples ≤ 0: no limit.
        package var noLimit = 0
        /// Samples of series whose workload another shard owns, by that shard (`shard`).
        package var otherShards: [Int: Int] = [:]

        package var unmatchedTotal: Int { unmatched.values.reduce(0, +) }
    }

    /// The rows a request makes, and the state it leaves once they are stored.
    package struct Plan: Sendable {
        /// Rows to store, merged with what is stored: each carries the full sum of every
        /// resource it touched (NaN for the others), by workload then time.
        package var rows: [Row] = []
        /// Rows that became whole with this request (feed them to the online state), by
        /// workload then time; rows without any usage value are left out.
        package var closed: [Row] = []
        /// Per workload, the allocation of its latest whole row that has one (a sum of 0 —
        /// cAdvisor's "no limit" — is NaN).
        package var allocations: [String: [Double]] = [:]
        package var counts = Counts()
        /// New last samples of series the assembler knows, by their slot in `entries` as
        /// it was at `generation`.
        fileprivate var updates: [Int: SeriesUpdate] = [:]
        /// Series first seen in this request, with what the mapping made of them.
        fileprivate var added: [SeriesKey: SeriesEntry] = [:]
        fileprivate var generation = 0
        fileprivate var workloads: [String: [OpenRow]] = [:]
    }

    struct SeriesState: Sendable {
        var milliseconds: Int64
        var value: Double
    }

    /// A known series: its last sample and the mapping's verdict (a series' labels always
    /// map the same way, so the rule is matched and the names rendered once per series).
    struct SeriesEntry: Sendable {
        var state: SeriesState
        let rule: Int
        let workload: String
        let pop: String?
    }

    struct SeriesUpdate: Sendable {
        /// The series (its request's labels), to find it again should the slots have moved.
        let key: SeriesKey
        var state: SeriesState
    }

    struct OpenRow: Sendable {
        var timestamp: Int64
        var pop: String?
        var values: ResourceVector
        var allocation: ResourceVector
        var fed: Bool
    }

    /// What `plan` reads of a rule per sample (a copy of `Rule` per series retained each of
    /// its strings and arrays).
    struct RuleFacts: Sendable {
        let kind: PrometheusMapping.Kind
        let role: PrometheusMapping.Role
        let resource: Resource
        let scale: Double
    }

    package let mapping: PrometheusMapping
    /// The shard of workloads kept (a sharded scorer's); the series of other shards'
    /// workloads are counted by owner (`Counts.otherShards`) and not taken. nil: all.
    package let shard: WorkloadShard?
    /// Rows per workload kept open to later requests (8: a scrape split over requests
    /// arrives within seconds, and 8 rows are 8 scrapes).
    package let rowsPerWorkload: Int
    /// A counter sample further than this from its series' last is a new baseline, not a
    /// rate over the gap (15 minutes: the scorer's grid is 5 minutes; longer is an outage).
    package let counterGapMilliseconds: Int64
    /// Series not seen for this long are forgotten at the next commit (an hour), so series
    /// churn (pods that come and go) does not grow the state without bound.
    package let forgetAfterMilliseconds: Int64
    /// Per known series (one with state), its slot in `entries`.
    var index: [SeriesKey: Int] = [:]
    /// Known series by slot, and their keys (packed) by the same slot. Slots only grow
    /// between sweeps; a sweep that forgets series renumbers them and bumps `generation`.
    var entries: [SeriesEntry] = []
    var keys: [SeriesKey] = []
    var generation = 0
    var workloads: [String: [OpenRow]] = [:]
    var newestMilliseconds: Int64?
    var lastForget: Int64?
    let facts: [RuleFacts]

    package init(mapping: PrometheusMapping, rowsPerWorkload: Int = 8, counterGapMilliseconds: Int64 = 900_000,
                 forgetAfterMilliseconds: Int64 = 3_600_000, shard: WorkloadShard? = nil) {
        self.mapping = mapping
        self.shard = shard
        self.rowsPerWorkload = max(1, rowsPerWorkload)
        self.counterGapMilliseconds = counterGapMilliseconds
        self.forgetAfterMilliseconds = forgetAfterMilliseconds
        facts = mapping.rules.map { RuleFacts(kind: $0.kind, role: $0.role, resource: $0.resource, scale: $0.scale) }
    }

    /// Series with state.
    package var seriesCount: Int { entries.count }

    /// The rows `timeseries` make, without changing the assembler.
    /// - Parameter nowSeconds: the receiver's clock: sample times must be within
    ///   `InputRules`' live range (up to a day ahead); nil applies the import range
    ///   (1970…2099).
    /// - Throws: `RemoteWriteError.invalidSample` for a sample of a *taken* series that can
    ///   never be stored — a time outside the range, a negative or infinite gauge, a rate or
    ///   value over the resource's physical bound — naming the series and field. Series no
    ///   rule takes are never judged.
    package func plan(_ timeseries: [Prometheus_TimeSeries], nowSeconds: Int64?) throws(RemoteWriteError) -> Plan {
        var plan = Plan()
        plan.generation = generation
        plan.updates.reserveCapacity(timeseries.count)
        // The open rows of the workload the last series named, changed in place and put
        // into the plan when another workload comes: a request holds a workload's series
        // one after another (senders sort by labels), so this is one dictionary access per
        // workload, not one per sample.
        var currentName: String?
        var currentRows: [OpenRow] = []
        for (i, ts) in timeseries.enumerated() {
            guard !ts.samples.isEmpty else { continue }
            let key = SeriesKey(labels: ts.labels)
            let slot = index[key]
            let entry: SeriesEntry
            var last: SeriesState?
            if let slot {
                entry = entries[slot]
                last = plan.updates[slot]?.state ?? entry.state
            } else if let seen = plan.added[key] {
                entry = seen
                last = seen.state
            } else {
                switch mapping.match(ts.labels) {
                case .unmatched(let reason):
                    plan.counts.unmatched[reason, default: 0] += ts.samples.count
                    continue
                case .rule(_, let workload, _) where shard.map({ !$0.owns(workload) }) ?? false:
                    plan.counts.otherShards[WorkloadShard.index(of: workload, count: shard?.count ?? 1), default: 0] += ts.samples.count
                    continue
                case .rule(let index, let workload, let pop):
                    entry = SeriesEntry(state: SeriesState(milliseconds: .min, value: 0), rule: index, workload: workload, pop: pop)
                    last = nil
                }
            }
            let rule = facts[entry.rule]
            if currentName != entry.workload {
                if let currentName { plan.workloads[currentName] = currentRows }
                currentName = entry.workload
                currentRows = plan.workloads.removeValue(forKey: entry.workload) ?? workloads[entry.workload] ?? []
            }
            for (j, sample) in ts.samples.enumerated() {
                let (seconds, remainder) = sample.timestamp.quotientAndRemainder(dividingBy: 1000)
                let second = remainder < 0 ? seconds - 1 : seconds
                let violation = nowSeconds.map { InputRules.liveTimestampViolation(second, nowSeconds: $0) }
                    ?? InputRules.importTimestampViolation(second)
                if let violation {
                    throw .invalidSample(field: Self.field(i, ts.labels, j, "timestamp"),
                                         expected: violation.expected + " (milliseconds since 1970 in the sample)", found: "\(sample.timestamp) ms")
                }
                if sample.value.isNaN { plan.counts.stale += 1; continue }
                if let previous = last, sample.timestamp <= previous.milliseconds {
                    plan.counts.duplicates += 1
                    continue
                }
                guard sample.value.isFinite else {
                    throw .invalidSample(field: Self.field(i, ts.labels, j, "value"), expected: "a finite number", found: "\(sample.value)")
                }
                let value: Double
                switch rule.kind {
                case .gauge:
                    value = sample.value * rule.scale
                    last = SeriesState(milliseconds: sample.timestamp, value: sample.value)
                case .counter:
                    guard sample.value >= 0 else {
                        throw .invalidSample(field: Self.field(i, ts.labels, j, "value"), expected: "a counter ≥ 0", found: "\(sample.value)")
                    }
                    defer { last = SeriesState(milliseconds: sample.timestamp, value: sample.value) }
                    guard let previous = last, sample.timestamp - previous.milliseconds <= counterGapMilliseconds,
                          Self.second(previous.milliseconds) < second else {
                        plan.counts.counterBaselines += 1
                        continue
                    }
                    var increase = sample.value - previous.value
                    if increase < 0 { increase = sample.value; plan.counts.counterResets += 1 }
                    value = increase / (Double(sample.timestamp - previous.milliseconds) / 1000) * rule.scale
                }
                // A limit of 0 or below is "none" (cAdvisor's 0 for an unlimited container,
                // -1 for an unset CFS quota): not an invalid sample, and not a limit.
                if rule.role == .allocation, value <= 0 {
                    plan.counts.noLimit += 1
                    continue
                }
                if let violation = InputRules.valueViolation(value, resource: rule.resource) {
                    let source = mapping.rules[entry.rule]
                    throw .invalidSample(field: Self.field(i, ts.labels, j, "value"),
                                         expected: "\(violation.expected) as \(rule.resource.snakeCaseName) (after the mapping's \(rule.kind == .counter ? "rate and " : "")scale \(rule.scale), \(source.keyPath))",
                                         found: "\(value)")
                }
                guard Self.add(value, resource: rule.resource, role: rule.role, at: second, pop: entry.pop,
                               to: &currentRows, limit: rowsPerWorkload) else {
                    plan.counts.late += 1
                    continue
                }
                plan.counts.taken += 1
            }
            if let last {
                if let slot {
                    plan.updates[slot] = SeriesUpdate(key: key, state: last)
                } else {
                    var added = entry
                    added.state = last
                    plan.added[key] = added
                }
            }
        }
        if let currentName { plan.workloads[currentName] = currentRows }
        // Rows to store: every row a sample touched this request (its full sums); closed
        // rows: those now older than their workload's newest, not handed out before.
        for name in plan.workloads.keys.sorted() {
            guard var rows = plan.workloads[name] else { continue }
            let before = workloads[name] ?? []
            for k in rows.indices {
                let old = before.first { $0.timestamp == rows[k].timestamp }
                let hasUsage = rows[k].values.hasAnyValue
                let changed = old.map { $0.values != rows[k].values } ?? true
                let closes = k < rows.count - 1 && !rows[k].fed
                guard (hasUsage && changed) || closes else { continue }
                let row = Row(workload: name, pop: rows[k].pop, timestamp: rows[k].timestamp, values: rows[k].values.values,
                              allocation: rows[k].allocation.values)
                if hasUsage, changed { plan.rows.append(row) }
                if closes {
                    rows[k].fed = true
                    if hasUsage { plan.closed.append(row) }
                    if row.allocation.contains(where: { $0 > 0 }) {
                        plan.allocations[name] = row.allocation.map { $0 > 0 ? $0 : .nan }
                    }
                }
            }
            plan.workloads[name] = rows
        }
        return plan
    }

    /// Keeps what `plan` saw (call once its rows are stored).
    package mutating func commit(_ plan: Plan) {
        for update in plan.updates.values { newestMilliseconds = max(newestMilliseconds ?? update.state.milliseconds, update.state.milliseconds) }
        for entry in plan.added.values { newestMilliseconds = max(newestMilliseconds ?? entry.state.milliseconds, entry.state.milliseconds) }
        if plan.generation == generation {
            for (slot, update) in plan.updates { entries[slot].state = update.state }
        } else {
            // A sweep renumbered the series since the plan was made: find each again (one
            // forgotten meanwhile comes back with the mapping's verdict on its labels).
            for update in plan.updates.values {
                if let slot = index[update.key] {
                    entries[slot].state = update.state
                } else if case .labels(let labels) = update.key.form, case .rule(let rule, let workload, let pop) = mapping.match(labels) {
                    insert(update.key, SeriesEntry(state: update.state, rule: rule, workload: workload, pop: pop))
                }
            }
        }
        for (key, entry) in plan.added {
            if let slot = index[key] { entries[slot].state = entry.state } else { insert(key, entry) }
        }
        for (name, rows) in plan.workloads { workloads[name] = rows }
        // Forget idle series and workloads at most once a (sample) minute: a full sweep,
        // which renumbers the series only when one is forgotten.
        // (Sample times are within InputRules' range, so these differences cannot overflow.)
        guard let newest = newestMilliseconds else { return }
        if lastForget.map({ newest - $0 > 60_000 }) ?? true {
            lastForget = newest
            let cutoff = newest - forgetAfterMilliseconds
            if entries.contains(where: { $0.state.milliseconds < cutoff }) {
                let kept = entries.indices.filter { entries[$0].state.milliseconds >= cutoff }
                entries = kept.map { entries[$0] }
                keys = kept.map { keys[$0] }
                index = Dictionary(keys.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
                generation &+= 1
            }
            if workloads.values.contains(where: { rows in rows.last.map { $0.timestamp * 1000 < cutoff } ?? true }) {
                workloads = workloads.filter { entry in entry.value.last.map { $0.timestamp * 1000 >= cutoff } ?? false }
            }
        }
    }

    private mutating func insert(_ key: SeriesKey, _ entry: SeriesEntry) {
        let packed = key.packed
        index[packed] = entries.count
        entries.append(entry)
        keys.append(packed)
    }

    /// Closes every open row (the end of an import chunk, whose rows are whole): the next
    /// plan starts rows afresh; series state (counter baselines) is kept.
    package mutating func forgetRows() { workloads = [:] }

    /// Adds `value` to `resource` of the row at `second` (created in time order when new;
    /// the oldest dropped past `limit`); false when the row is older than every open one
    /// and none can be made for it.
    static func add(_ value: Double, resource: Resource, role: PrometheusMapping.Role, at second: Int64, pop: String?,
                    to rows: inout [OpenRow], limit: Int) -> Bool {
        func accumulate(_ vector: inout ResourceVector) {
            let old = vector[resource]
            vector[resource] = old.isNaN ? value : old + value
        }
        if let k = rows.lastIndex(where: { $0.timestamp <= second }), rows[k].timestamp == second {
            if role == .usage { accumulate(&rows[k].values) } else { accumulate(&rows[k].allocation) }
            return true
        }
        var row = OpenRow(timestamp: second, pop: pop, values: .absent, allocation: .absent, fed: false)
        if role == .usage { accumulate(&row.values) } else { accumulate(&row.allocation) }
        if let k = rows.firstIndex(where: { $0.timestamp > second }) {
            // Older than the newest: only while the window still reaches that far.
            guard k > 0 || rows.count < limit else { return false }
            rows.insert(row, at: k)
        } else {
            rows.append(row)
        }
        if rows.count > limit { rows.removeFirst(rows.count - limit) }
        return true
    }

    static func second(_ milliseconds: Int64) -> Int64 {
        let (q, r) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        return r < 0 ? q - 1 : q
    }

    /// `timeseries[i] name{…} samples[j].field`, the field an invalid sample names.
    static func field(_ i: Int, _ labels: [Prometheus_Label], _ j: Int, _ name: String) -> String {
        "timeseries[\(i)] \(describe(labels)) samples[\(j)].\(name)"
    }

    /// `name{a="b",…}` for messages (values truncated to 64 bytes).
    package static func describe(_ labels: [Prometheus_Label]) -> String {
        let name = labels.first { $0.name == "__name__" }?.value ?? ""
        let rest = labels.filter { $0.name != "__name__" }.map { label in
            let value = label.value.utf8.count > 64 ? String(label.value.prefix(64)) + "…" : label.value
            return "\(label.name)=\"\(value)\""
        }
        return "\(name){\(rest.joined(separator: ","))}"
    }
}
