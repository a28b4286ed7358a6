import Decisions
import Forecast

extension ScoringService {
    /// Per-workload series for the user's dashboards, in Prometheus text format, appended to
    /// `/metrics` (config/grafana/headroom.json shows them):
    ///
    /// - `headroom_workload_risk{workload,pop}`: the calibrated risk of the latest score;
    /// - `headroom_workload_resource_at_risk{workload,resource}` = 1 for the resource most at risk;
    /// - `headroom_workload_forecast{workload,resource,quantile="0.5"|"0.9"}`: the forecast at
    ///   the horizon's last step (SI units);
    /// - `headroom_workload_allocation{workload,resource}`: what it is allocated now;
    /// - `headroom_workload_metrics_exported` and `headroom_workload_metrics_dropped`: how many
    ///   workloads are in the export and how many the cap left out.
    ///
    /// **Cardinality** is bounded: at most `metricsMaxWorkloads` workloads (≤ 20 series
    /// each: 1 risk, 1 resource at risk, 12 forecasts, 6 allocations). Past the cap the
    /// workloads with the **highest risk** are kept (ties: by name), so the ones that need
    /// attention are never the ones dropped; the rest are counted in `…_dropped`. Labels
    /// are the workload's name (≤ 253 bytes, `InputRules`), its POP and fixed enumerations.
    func workloadMetricsText() -> String {
        guard let core else { return Self.exportCounts(exported: 0, dropped: 0) }
        var scored: [(name: String, risk: Double)] = []
        scored.reserveCapacity(core.entries.count)
        for (name, entry) in core.entries { scored.append((name, entry.score?.risk ?? -1)) }
        let cap = max(0, configuration.metricsMaxWorkloads)
        if scored.count > cap {
            scored.sort { $0.risk != $1.risk ? $0.risk > $1.risk : $0.name < $1.name }
            scored.removeSubrange(cap...)
        }
        scored.sort { $0.name < $1.name }
        let levels = core.levels
        let exported: [(Double, String)] = [(0.5, "0.5"), (0.9, "0.9")]
        var risk = "# HELP headroom_workload_risk Calibrated P(usage exceeds the allocation within the horizon), latest score.\n# TYPE headroom_workload_risk gauge\n"
        var atRisk = "# HELP headroom_workload_resource_at_risk 1 for the resource most at risk in the latest score.\n# TYPE headroom_workload_resource_at_risk gauge\n"
        var forecast = "# HELP headroom_workload_forecast Forecast quantile at the horizon's last step, SI units.\n# TYPE headroom_workload_forecast gauge\n"
        var allocation = "# HELP headroom_workload_allocation What the workload is allocated now, SI units.\n# TYPE headroom_workload_allocation gauge\n"
        for (name, _) in scored {
            guard let entry = core.entries[name] else { continue }
            let workload = "workload=\"\(Self.escape(name))\""
            if let score = entry.score {
                let pop = engine.placements[name]?.pop ?? ""
                risk += "headroom_workload_risk{\(workload),pop=\"\(Self.escape(pop))\"} \(Self.number(score.risk))\n"
                if let resource = score.resourceAtRisk {
                    atRisk += "headroom_workload_resource_at_risk{\(workload),resource=\"\(Self.escape(resource))\"} 1\n"
                }
            }
            let rows = core.forecast(name) ?? []
            for resource in Resource.allCases where resource.rawValue < rows.count {
                let values = rows[resource.rawValue]
                guard !levels.isEmpty, values.count >= levels.count else { continue }
                let last = values.count - levels.count
                for (level, label) in exported {
                    guard let k = levels.firstIndex(where: { abs($0 - level) < 1e-9 }), values[last + k].isFinite else { continue }
                    forecast += "headroom_workload_forecast{\(workload),resource=\"\(resource.snakeCaseName)\",quantile=\"\(label)\"} \(Self.number(values[last + k]))\n"
                }
            }
            for resource in Resource.allCases where resource.rawValue < entry.allocation.count && entry.allocation[resource.rawValue].isFinite {
                allocation += "headroom_workload_allocation{\(workload),resource=\"\(resource.snakeCaseName)\"} \(Self.number(entry.allocation[resource.rawValue]))\n"
            }
        }
        return risk + atRisk + forecast + allocation + Self.exportCounts(exported: scored.count, dropped: core.entries.count - scored.count)
    }

    private static func exportCounts(exported: Int, dropped: Int) -> String {
        "# HELP headroom_workload_metrics_exported Workloads with per-workload series in this export.\n# TYPE headroom_workload_metrics_exported gauge\n"
            + "headroom_workload_metrics_exported \(exported)\n"
            + "# HELP headroom_workload_metrics_dropped Workloads left out by --metrics-max-workloads (the lowest risks).\n# TYPE headroom_workload_metrics_dropped gauge\n"
            + "headroom_workload_metrics_dropped \(dropped)\n"
    }

    /// A label value in the text format: backslash, double quote and line feed escaped.
    static func escape(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return "\(value)"
    }
}
