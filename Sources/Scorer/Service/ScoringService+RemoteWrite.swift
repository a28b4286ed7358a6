import Forecast
import PrometheusIngest
import ScorerIntake
import Store

extension ScoringService {
    /// What one remote-write request did (`POST /api/v1/write`'s answer).
    struct RemoteWriteResult: Codable, Sendable, Equatable {
        /// Samples that gave a value to a row.
        var samples: Int
        /// Rows written (inserted, or completed with the resources this request brought).
        var rows: Int
        /// Rows whole with this request, fed to the online states.
        var fed: Int
        var newWorkloads: Int
        var scored: Int
        var placed: Int
        var decisions: Int
        /// Samples dropped: series no rule takes, by reason (`no_rule`, `missing_label`,
        /// `invalid_name`), and `stale` (NaN markers), `duplicate` (not after the series'
        /// last sample), `late` (older than the workload's open rows), `counter_baseline`
        /// (a counter's first sample: the base of the next rate), `no_limit` (an allocation
        /// of 0 or below: none), `other_shard` (series of workloads another scorer owns:
        /// `other_shards` says which).
        var dropped: [String: Int]
        /// A sharded scorer's answer for the series it left to their owners: samples by shard
        /// and its URL (`ShardOwner.workloads` is empty here: the series are not kept).
        var otherShards: [OtherShard]?

        struct OtherShard: Codable, Sendable, Equatable {
            var shard: Int
            var url: String?
            var samples: Int
        }
    }

    /// Applies a decoded remote-write request exactly as an agent's batch is applied, once
    /// its series are rows (`SeriesAssembler`): every row written in ONE transaction (merged
    /// with a row stored in part by an earlier request), then — only once that committed —
    /// the assembler's state kept, and the rows that became whole fed to the online states,
    /// scored and ticked by `apply`, as `ingest` does for a batch. The mapping's allocation
    /// rules (`role = "allocation"`) are the batch's `allocations`; a workload without any
    /// gets the `AllocationRule` over its stored history.
    /// - Parameter agentPOPs: the POPs of the agent credential that sent it (nil: an
    ///   operator): every row must name one of them through the mapping's `pop`.
    /// - Throws: `RemoteWriteError.invalidSample` (400), `ServiceError` (400 unknown POP,
    ///   403 another agent's, 429 workload cap), `RemoteWriteOff` when no mapping is
    ///   configured; nothing is written or remembered then. A storage fault leaves nothing
    ///   either, so the sender's retry is whole.
    func ingestRemoteWrite(_ request: Prometheus_WriteRequest, agentPOPs: Set<String>?) throws -> RemoteWriteResult {
        guard let assembler = remoteWrite else { throw RemoteWriteOff() }
        let now = clock()
        let plan = try assembler.plan(request.timeseries, nowSeconds: now)
        var dropped = Dictionary(uniqueKeysWithValues: plan.counts.unmatched.map { ($0.key.rawValue, $0.value) })
        dropped["stale"] = plan.counts.stale
        dropped["duplicate"] = plan.counts.duplicates
        dropped["late"] = plan.counts.late
        dropped["counter_baseline"] = plan.counts.counterBaselines
        dropped["no_limit"] = plan.counts.noLimit
        dropped["other_shard"] = plan.counts.otherShards.values.reduce(0, +)
        for (reason, count) in dropped where count > 0 { metrics.prometheusDropped(reason).increment(by: Int64(count)) }

        let named = Set(plan.rows.map(\.workload))
        let pops = Set(plan.rows.compactMap(\.pop))
        if let agentPOPs, let row = plan.rows.first(where: { $0.pop.map { !agentPOPs.contains($0) } ?? true }) {
            throw ServiceError.remoteWriteOutsideAgent(workload: row.workload, pop: row.pop, agentPOPs: agentPOPs.sorted())
        }
        try admit(named, pops: pops.sorted(), agentPOPs: agentPOPs)
        let merged = try store.merge(samples: plan.rows.map { IncomingSample(workload: $0.workload, timestamp: $0.timestamp, values: $0.values) },
                                     source: "prometheus", now: now)
        remoteWrite?.commit(plan)
        metrics.prometheusSamplesTaken.increment(by: Int64(plan.counts.taken))

        let fed = plan.closed.map { IncomingSample(workload: $0.workload, timestamp: $0.timestamp, values: $0.values) }
        var byPOP: [String: [IncomingSample]] = [:]
        for row in plan.closed { if let pop = row.pop { byPOP[pop, default: []].append(IncomingSample(workload: row.workload, timestamp: row.timestamp, values: row.values)) } }
        let placing = byPOP.keys.sorted().map { SampleBatch(pop: $0, samples: byPOP[$0] ?? [], allocations: plan.allocations) }
        let applied = try apply(SampleBatch(samples: fed, allocations: plan.allocations), named: named,
                                written: .init(inserted: merged.written, duplicates: 0, traces: 0, newWorkloads: merged.newWorkloads),
                                placing: placing, now: now, allocateByRule: true)
        return RemoteWriteResult(samples: plan.counts.taken, rows: merged.written, fed: fed.count, newWorkloads: applied.newWorkloads,
                                 scored: applied.scored, placed: applied.placed, decisions: applied.decisions,
                                 dropped: dropped.filter { $0.value > 0 },
                                 otherShards: plan.counts.otherShards.isEmpty ? nil : plan.counts.otherShards.keys.sorted().map { index in
                                     RemoteWriteResult.OtherShard(shard: index, url: scorerURL(shard: index),
                                                                  samples: plan.counts.otherShards[index] ?? 0)
                                 })
    }
}

/// `POST /api/v1/write` while the scorer has no mapping file (404: the sender must not retry).
struct RemoteWriteOff: Error, CustomStringConvertible {
    var description: String {
        "remote write is off: start `headroom-scorer serve` with --prometheus-mapping FILE (config/prometheus/) to receive it"
    }
}
