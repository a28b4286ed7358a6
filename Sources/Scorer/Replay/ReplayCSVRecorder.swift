import Decisions
import Forecast
import Foundation
import Models

/// The replay's rows as CSV files (`--export-scores`, `--export-forecasts`,
/// `--export-decisions`, `--export-allocations`); each file is optional.
final class ReplayCSVRecorder: ReplayRecorder {
    var scores: CSVWriter?
    var forecasts: CSVWriter?
    var decisions: CSVWriter?
    var allocations: CSVWriter?

    init(scores: String?, forecasts: String?, decisions: String?, allocations: String?) throws {
        self.scores = try scores.map { try CSVWriter(path: $0, header: ["timestamp", "workload", "risk", "resource_at_risk"]) }
        self.forecasts = try forecasts.map {
            try CSVWriter(path: $0, header: ["timestamp", "workload", "resource", "step", "p50", "p90", "p99"])
        }
        self.decisions = try decisions.map {
            try CSVWriter(path: $0, header: ["timestamp", "workload", "action", "risk", "targets", "reason", "live_pricing"])
        }
        self.allocations = try allocations.map {
            try CSVWriter(path: $0, header: ["timestamp", "workload", "pop", "cpu_cores", "memory_bytes"])
        }
    }

    func score(timestamp: Int64, workload: String, score: WorkloadScore) throws {
        try scores?.row([String(timestamp), workload, Self.format(score.risk), score.resourceAtRisk ?? ""])
    }

    func forecast(timestamp: Int64, workload: String, forecast: [[Double]], levels: [Double], horizonSteps: Int) throws {
        guard let writer = forecasts else { return }
        for resource in Resource.allCases {
            let f = forecast[resource.rawValue]
            guard f.contains(where: \.isFinite) else { continue }
            for step in 0..<horizonSteps {
                try writer.row([String(timestamp), workload, resource.snakeCaseName, String(step + 1)]
                    + (0..<levels.count).map { Self.format(f[step * levels.count + $0]) })
            }
        }
    }

    func decision(timestamp: Int64, decision: Decision) throws {
        try decisions?.row([String(timestamp), decision.workload, decision.action.rawValue, Self.format(decision.details.risk),
                            decision.targetPops.joined(separator: "+"),
                            decision.details.reason.replacingOccurrences(of: ",", with: ";").replacingOccurrences(of: "\"", with: "'"),
                            Self.livePricing(decision)])
    }

    /// What priced the live move a decision chose: the dirty rate's source (`measured`,
    /// `configured`, `trace_proxy`: `PreCopyModel`) or `dirty_fraction`; "" for any other action.
    static func livePricing(_ decision: Decision) -> String {
        let chosen = (decision.details.candidates + (decision.details.partition?.candidates ?? [])).first { c in
            c.feasible && c.strategy == .live && decision.targetPops.contains(c.pop)
        }
        guard decision.action != .none, let cost = chosen?.cost else { return "" }
        return cost.preCopy?.dirtyRateSource.rawValue ?? ReplaySummary.dirtyFractionPricing
    }

    func allocation(timestamp: Int64, workload: String, pop: String, allocation: ResourceVector) throws {
        try allocations?.row([String(timestamp), workload, pop, Self.exact(allocation[.cpuCores]), Self.exact(allocation[.memoryBytes])])
    }

    func finish() throws {
        for writer in [scores, forecasts, decisions, allocations] { try writer?.close() }
    }

    /// Six significant digits for risks and forecasts; an allocation keeps full precision
    /// so that anyone can recompute every figure from the raw traces.
    static func format(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "" }
    static func exact(_ v: Double) -> String { v.isFinite ? "\(v)" : "" }
}
