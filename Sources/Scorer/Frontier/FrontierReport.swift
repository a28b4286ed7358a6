import Store
import Models
import Decisions
import Foundation
import Reports

/// The frontier's outputs: the table, the JSON line, the comparison sentence and the HTML
/// report with its two plots (slack core-hours vs throttled core-minutes; slack GiB-hours
/// vs OOM kills), one line per policy through its knob values.
enum FrontierReport {
    static let columns = ["policy", "knob", "oom_kills", "throttled_core_minutes", "slack_core_hours", "slack_gib_hours", "cost", "resizes"]
    static let colors: [ReplayPolicy: String] = [.predictive: "#d62728", .vpa: "#1f77b4", .autopilot: "#2ca02c", .reactive: "#ff7f0e"]

    static func row(_ p: ReplayFrontier.Point) -> [String] {
        let s = p.summary
        return [p.policy.rawValue, String(format: "%g", p.knob), "\(s.oomKills)", String(format: "%.1f", s.throttledCoreMinutes),
                String(format: "%.1f", s.slackCoreHours), String(format: "%.1f", s.slackGibHours), String(format: "%.2f", s.cost), "\(s.resizes)"]
    }

    /// Whitespace-aligned, a header line then one line per policy × knob.
    static func table(_ frontier: ReplayFrontier) -> String {
        let rows = [columns] + frontier.points.map(row)
        let widths = columns.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { r in r.enumerated().map { c, v in v.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
            .joined(separator: "  ") }.joined(separator: "\n")
    }

    static func percent(_ v: Double?) -> String { v.map { String(format: "%.0f %%", 100 * $0) } ?? "n/a (outside its swept range)" }

    static func sentence(_ c: ReplayFrontier.Comparison) -> String {
        "at the slack of \(c.baseline)'s default (knob \(String(format: "%g", c.baselineKnob)): \(String(format: "%.1f", c.slackCoreHours)) core-h, "
            + "\(String(format: "%.1f", c.slackGibHours)) GiB-h): \(c.candidate) has \(percent(c.oomKillsRatio)) of \(c.baseline)'s OOM kills "
            + "and \(percent(c.throttledRatio)) of its throttled core-minutes, at \(percent(c.costRatioAtCPUSlack)) of its cost "
            + "(\(percent(c.costRatioAtMemorySlack)) at its memory slack)" + (c.matched.map { "; " + matchedSentence(c, $0) } ?? "")
            + (c.matchedAtCost.map { "; " + matchedSentence(c, $0) } ?? "")
    }

    static func matchedSentence(_ c: ReplayFrontier.Comparison, _ m: ReplayFrontier.Matched) -> String {
        (m.slackScale == 1 ? "at both slacks at once" : "at \(c.baseline)'s cost (both slacks × \(String(format: "%.3f", m.slackScale)))")
            + " (CPU knob \(String(format: "%.3g", m.cpuKnob)), memory knob \(String(format: "%.3g", m.memoryKnob)); "
            + "its slack \(percent(m.slackCoreHoursRatio)) core-h, \(percent(m.slackGibHoursRatio)) GiB-h of \(c.baseline)'s): "
            + "\(percent(m.oomKillsRatio)) of the OOM kills, \(percent(m.throttledRatio)) of the throttled core-minutes, "
            + "\(percent(m.costRatio)) of the cost"
    }

    static func json(_ frontier: ReplayFrontier, comparisons: [ReplayFrontier.Comparison],
                     predictiveDefaults: PredictiveDefaultKnobs? = nil) throws -> String {
        struct Out: Encodable {
            struct P: Encodable { var policy: String; var knob: Double; var summary: ReplaySummary }
            var points: [P]
            var comparisons: [ReplayFrontier.Comparison]
            /// The version's calibrated default knobs (absent: the fixed default).
            var predictiveDefaultKnobs: PredictiveDefaultKnobs?
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        let out = Out(points: frontier.points.map { .init(policy: $0.policy.rawValue, knob: $0.knob, summary: $0.summary) },
                      comparisons: comparisons, predictiveDefaultKnobs: predictiveDefaults)
        return String(decoding: try encoder.encode(out), as: UTF8.self)
    }

    /// Where the version's default sits, for a reader of the frontier: the knobs a replay that
    /// names none runs at.
    static func defaultsSentence(_ d: PredictiveDefaultKnobs?, version: String) -> String {
        guard let d else {
            return "predictive's default in version \(version): the fixed margin \(ReplayPolicy.predictive.knob!.defaultValue) (trained before the knob calibration, or with --no-knob-calibration)"
        }
        return "predictive's default in version \(version): CPU knob \(String(format: "%.3f", d.cpu)), memory knob \(String(format: "%.3f", d.memory)), "
            + "matched at training to vpa's slack over \(TimestampParser.iso8601(d.from)) … \(TimestampParser.iso8601(d.to)) "
            + "(CPU: \(d.cpuSource.rawValue), memory: \(d.memorySource.rawValue))"
    }

    static func html(_ frontier: ReplayFrontier, comparisons: [ReplayFrontier.Comparison], from: String, to: String,
                     censored: Bool?, ceiling: Double? = nil) -> String {
        let policies = ReplayPolicy.allCases.filter { !frontier.line($0).isEmpty }
        func series(_ x: (ReplaySummary) -> Double, _ y: (ReplaySummary) -> Double) -> [SVG.Series] {
            policies.map { p in
                SVG.Series(name: p.rawValue, color: colors[p] ?? "#333",
                           points: frontier.line(p).map { (x($0.summary), y($0.summary), String(format: "%g", $0.knob)) })
            }
        }
        var html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Headroom frontier</title>"
        html += "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>"
        html += "<h1>Right-sizing frontier</h1><p>\(SVG.escape(from)) – \(SVG.escape(to)); observations: \(censored.map { $0 ? "censored at the allocation" : "the trace's demand" } ?? "censored at the allocation (every sizing policy)"); ceiling: \(ceiling.map { String(format: "%g × each workload's recorded limit", $0) } ?? "none but a POP's room"). "
        html += "Each line is one policy through its knob values (labels); lower-left is better.</p>"
        for c in comparisons { html += "<p><b>\(SVG.escape(sentence(c)))</b></p>" }
        html += SVG.lineChart(series({ $0.slackCoreHours }, { $0.throttledCoreMinutes }), title: "CPU: slack vs throttling",
                              xTitle: "slack core-hours", yTitle: "throttled core-minutes")
        html += " "
        html += SVG.lineChart(series({ $0.slackGibHours }, { Double($0.oomKills) }), title: "Memory: slack vs OOM kills",
                              xTitle: "slack GiB-hours", yTitle: "OOM kills")
        html += "<table><tr>" + columns.map { "<th>\($0)</th>" }.joined() + "</tr>"
        for p in frontier.points { html += "<tr>" + row(p).map { "<td>\(SVG.escape($0))</td>" }.joined() + "</tr>" }
        return html + "</table></body></html>\n"
    }
}
