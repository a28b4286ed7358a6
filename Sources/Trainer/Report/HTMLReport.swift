import Models
import Forecast
import Store
import Foundation
import Reports

/// Renders an `EvaluationReport` as one self-contained HTML page: a table per resource
/// (forecasters × MASE, pinball and coverage per quantile) and SVG plots of forecasts made
/// `horizonSteps` ahead against the actuals.
enum HTMLReport {
    static func render(_ report: EvaluationReport) -> String {
        var html = """
            <!doctype html><html><head><meta charset="utf-8"><title>Headroom backtest \(escape(report.version ?? "baselines"))</title>
            <style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}
            td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}td:first-child{text-align:left}
            .best{font-weight:bold;background:#e8f5e9}svg{border:1px solid #ddd;margin:4px}</style></head><body>
            <h1>Rolling-origin backtest</h1>
            <p>Model version <b>\(escape(report.version ?? "none (baselines only)"))</b>; period \(report.from) … \(report.to);
            horizon \(report.horizonSteps) steps; origins every \(report.originStrideSteps) steps;
            \(report.establishedWorkloads) established and \(report.newWorkloads) new workloads; \(report.skippedSeries) series skipped
            (constant or too short a history for a MASE scale). Errors are scaled by each series' in-sample naive MAE (MASE);
            pinball loss in the same units; coverage = share of actuals at or below the quantile (target = the quantile).</p>
            <h2>Summary (established workloads, all resources)</h2><table><tr><th>forecaster</th><th>mean pinball</th><th>mean MASE</th><th>median-series MASE</th></tr>
            """
        let best = report.scores.compactMap(\.meanPinball).min()
        for s in report.scores {
            let cls = s.meanPinball != nil && s.meanPinball == best ? " class=\"best\"" : ""
            html += "<tr\(cls)><td>\(escape(s.forecaster))</td><td>\(fmt(s.meanPinball))</td><td>\(fmt(s.meanMASE))</td><td>\(fmt(s.medianMASE))</td></tr>"
        }
        html += "</table>"
        for cohort in ["established", "new"] {
            let entries = report.entries.filter { $0.cohort == cohort }
            guard !entries.isEmpty else { continue }
            html += "<h2>\(cohort == "new" ? "New workloads (cold start)" : "Established workloads")</h2>"
            for resource in Resource.allCases.map(\.snakeCaseName) {
                let rows = entries.filter { $0.resource == resource }
                guard !rows.isEmpty else { continue }
                let qs = report.quantiles.map { String($0) }
                html += "<h3>\(resource)</h3><table><tr><th>forecaster</th><th>MASE</th><th>median-series MASE</th>"
                html += qs.map { "<th>pinball q\($0)</th>" }.joined() + qs.map { "<th>coverage q\($0)</th>" }.joined() + "<th>points</th></tr>"
                let bestMASE = rows.compactMap(\.mase).min()
                for e in rows {
                    let cls = e.mase != nil && e.mase == bestMASE ? " class=\"best\"" : ""
                    html += "<tr\(cls)><td>\(escape(e.forecaster))</td><td>\(fmt(e.mase))</td><td>\(fmt(e.medianMASE))</td>"
                    html += qs.map { "<td>\(fmt(e.pinball[$0] ?? nil))</td>" }.joined()
                    html += qs.map { "<td>\(fmt(e.coverage[$0] ?? nil))</td>" }.joined()
                    html += "<td>\(e.points)</td></tr>"
                }
                html += "</table>"
            }
        }
        if let heavy = report.heavyPhase {
            html += "<h2>HMM: probability of entering a heavy phase within \(report.horizonSteps) steps</h2>"
            html += "<p>\(heavy.workloads) workloads, \(heavy.origins) forecasts; base rate \(fmt(heavy.baseRate)); Brier score \(fmt(heavy.brier)) "
            html += "(always predicting the base rate: \(fmt(heavy.climatologyBrier)); lower is better).</p><table><tr><th>predicted</th><th>forecasts</th><th>mean predicted</th><th>observed rate</th></tr>"
            for bin in heavy.bins where bin.count > 0 {
                html += "<tr><td>\(fmt(bin.lower))–\(fmt(bin.upper))</td><td>\(bin.count)</td><td>\(fmt(bin.meanPredicted))</td><td>\(fmt(bin.observedRate))</td></tr>"
            }
            html += "</table>"
        }
        if let risk = report.risk {
            html += "<h2>Risk: P(demand exceeds the allocation within \(report.horizonSteps) steps)</h2>"
            html += "<p>\(risk.workloads) workloads, \(risk.ticks) ticks, \(risk.breaches) followed by a breach (allocation: the VPA-style rule, p95 of the last day + 20 %, capped at the limit). "
            html += "Brier score calibrated \(fmt(risk.calibrated.brierScore)), raw \(fmt(risk.raw.brierScore)), always the base rate \(fmt(risk.calibrated.baseRateBrierScore)); "
            html += "expected calibration error calibrated \(fmt(risk.calibrated.expectedCalibrationError)), raw \(fmt(risk.raw.expectedCalibrationError))"
            html += risk.versionCalibrated ? ".</p>" : " (this version carries no calibration: the raw risk is served).</p>"
            html += reliabilitySVG([("calibrated", risk.calibrated, "#1f77b4"), ("raw", risk.raw, "#d62728")])
            html += "<table><tr><th>predicted</th><th>ticks</th><th>mean predicted</th><th>observed</th></tr>"
            for bin in risk.calibrated.bins where bin.count > 0 {
                html += "<tr><td>\(fmt(bin.lowerBound))–\(fmt(bin.upperBound))</td><td>\(bin.count)</td><td>\(fmt(bin.meanPredicted))</td><td>\(fmt(bin.observedFrequency))</td></tr>"
            }
            html += "</table>"
        }
        if let comparison = report.riskComparison {
            html += "<h2>Learned risk against the plain baselines (same ticks, allocation fixed at the start)</h2>"
            for group in comparison.groups {
                html += "<h3>\(group.name) workloads: \(group.workloads), \(group.ticks) ticks, \(fmt(group.positiveRate)) followed by a breach within \(comparison.horizonSteps) steps</h3>"
                html += "<table><tr><th>score</th><th>AUC</th><th>AUC, not breaching now</th><th>Brier skill</th><th>ECE</th></tr>"
                for score in group.scores {
                    html += "<tr><td>\(score.name)</td><td>\(fmt(score.auc))</td><td>\(fmt(score.aucNotBreachingNow))</td><td>\(score.brierSkill.map(fmt) ?? "–")</td><td>\(fmt(score.ece))</td></tr>"
                }
                html += "</table>"
                let colors = ["#1f77b4", "#7f7f7f", "#2ca02c", "#9467bd", "#d62728"]
                html += reliabilitySVG(group.scores.enumerated().map { ($0.element.name, $0.element.reliability, colors[$0.offset % colors.count]) })
            }
        }
        html += "<h2>Forecasts \(report.horizonSteps) steps ahead against actuals</h2>"
        for plot in report.plots { html += svg(plot, quantiles: report.quantiles) }
        return html + "</body></html>\n"
    }

    /// A reliability diagram: observed frequency against mean predicted probability per
    /// bin (dot area ∝ count), the diagonal = perfect calibration.
    static func reliabilitySVG(_ series: [(String, ReliabilityDiagram, String)]) -> String {
        let size = 260.0, pad = 34.0
        func x(_ p: Double) -> Double { pad + p * (size - 2 * pad) }
        func y(_ p: Double) -> Double { size - pad - p * (size - 2 * pad) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(size))\" height=\"\(Int(size))\" style=\"border:1px solid #ddd\">"
        svg += "<line x1=\"\(x(0))\" y1=\"\(y(0))\" x2=\"\(x(1))\" y2=\"\(y(1))\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
        svg += "<text x=\"\(size / 2 - 40)\" y=\"\(size - 6)\" font-size=\"10\">mean predicted</text>"
        svg += "<text x=\"4\" y=\"14\" font-size=\"10\">observed</text>"
        for (k, (name, diagram, color)) in series.enumerated() {
            let total = max(1, diagram.count)
            let points = diagram.bins.compactMap { b -> (Double, Double, Int)? in
                guard let p = b.meanPredicted, let o = b.observedFrequency else { return nil }
                return (p, o, b.count)
            }
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" points=\"" + points.map { "\(x($0.0)),\(y($0.1))" }.joined(separator: " ") + "\"/>"
            for (p, o, n) in points {
                svg += "<circle cx=\"\(x(p))\" cy=\"\(y(o))\" r=\"\(2 + 6 * (Double(n) / Double(total)).squareRoot())\" fill=\"\(color)\" fill-opacity=\"0.6\"/>"
            }
            svg += "<text x=\"\(pad + 4)\" y=\"\(pad + 12 * Double(k))\" font-size=\"10\" fill=\"\(color)\">\(escape(name))</text>"
        }
        return svg + "</svg>"
    }

    /// A line plot: actual (black), the median (blue), the upper quantiles (orange, red).
    static func svg(_ plot: Backtest.PlotSeries, quantiles: [Double]) -> String {
        let width = 520.0, height = 180.0, pad = 30.0
        let all = (plot.actual + plot.predicted.flatMap { $0 }).filter(\.isFinite)
        guard let lo = all.min(), let hi = all.max(), plot.timestamps.count > 1 else { return "" }
        let span = hi > lo ? hi - lo : 1
        let t0 = Double(plot.timestamps.first!), t1 = Double(plot.timestamps.last!)
        func x(_ i: Int) -> Double { pad + (Double(plot.timestamps[i]) - t0) / max(t1 - t0, 1) * (width - 2 * pad) }
        func y(_ v: Double) -> Double { height - pad - (v - lo) / span * (height - 2 * pad) }
        func path(_ values: [Double], _ color: String, _ dash: String = "") -> String {
            SVG.path(values.enumerated().map { (i, v) in v.isFinite ? (x(i), y(v)) : (.nan, .nan) }, color: color, extra: dash)
        }
        let colors = ["#1f77b4", "#ff7f0e", "#d62728", "#9467bd"]
        var s = "<svg width=\"\(Int(width))\" height=\"\(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">"
        s += "<text x=\"\(pad)\" y=\"14\" font-size=\"11\">\(escape(plot.workload)) · \(plot.resource) · \(escape(plot.forecaster))</text>"
        s += String(format: "<text x=\"2\" y=\"%.0f\" font-size=\"9\">%@</text><text x=\"2\" y=\"%.0f\" font-size=\"9\">%@</text>",
                    y(hi) + 3, short(hi), y(lo), short(lo))
        for (j, q) in quantiles.enumerated() where j < plot.predicted.count {
            s += path(plot.predicted[j], colors[j % colors.count], q == 0.5 ? "" : "stroke-dasharray=\"3,2\"")
        }
        s += path(plot.actual, "#000")
        // Legend and the time span (UTC) under the plot.
        var legend = "<tspan fill=\"#000\">actual</tspan>"
        for (j, q) in quantiles.enumerated() { legend += " <tspan fill=\"\(colors[j % colors.count])\">q\(q)</tspan>" }
        s += "<text x=\"\(Int(width) - 170)\" y=\"14\" font-size=\"10\">\(legend)</text>"
        s += String(format: "<text x=\"%.0f\" y=\"%.0f\" font-size=\"9\">%@</text>", pad, height - 8, TimestampParser.iso8601(plot.timestamps.first!))
        s += String(format: "<text x=\"%.0f\" y=\"%.0f\" font-size=\"9\" text-anchor=\"end\">%@</text>", width - pad, height - 8,
                    TimestampParser.iso8601(plot.timestamps.last!))
        return s + "</svg>"
    }

    static func fmt(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "–" }
    static func short(_ v: Double) -> String { SVG.short(v) }
    static func escape(_ s: String) -> String { SVG.escape(s) }
}
