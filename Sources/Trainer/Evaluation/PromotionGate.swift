import Decisions
import Foundation
import Models
import Forecast
import Store

/// `promote --if-better`: judges what pays, on one backtest period.
///
/// 1. **Risk** (what the decisions act on): the candidate's learned risk on the period's
///    ticks (`RiskComparison`, all workloads) against the serving version's learned risk,
///    or, when nothing serves or it has no learned risk, against the best plain baseline on
///    the same ticks (AUC: the best of usage ÷ allocation, last day's breach rate, same time
///    yesterday and simple learned; Brier skill: simple learned's). The candidate must not
///    lose more than `tolerance` in either AUC or Brier skill and must gain in at least one.
/// 2. **Forecasts** (what an action plans for): the candidate's mean scaled pinball loss
///    must not be worse than the reference's (the serving version's combined forecaster, or
///    seasonal naive) by more than 5 %.
///
/// 3. **Decisions** (what a user pays and suffers): the period replayed with the `predictive`
///    policy on the candidate's models over the policy's knob sweep, against the serving
///    version's `predictive` at its default knobs (its calibrated ones, `PredictiveDefaultKnobs`,
///    when it has them; else the fixed 0.40) (or, when nothing serves, `vpa` at its
///    default): the candidate's OOM kills at the reference's memory slack and its throttled
///    core-minutes at the reference's CPU slack must not be worse (`EqualSlackJudgement`).
///    The replay uses the fleet file when one is given, else one POP without capacity limits
///    (sizing, not placement, is what is judged).
///
/// A candidate without a learned risk is judged on the forecasts and decisions.
struct PromotionGate {
    struct Verdict {
        var promote: Bool
        var explanation: String
    }

    let registry: ModelRegistry
    let from: Int64
    let to: Int64
    let horizonSteps: Int
    /// The slack on AUC and Brier skill within which "not worse" holds (sampling noise of a week's ticks).
    var tolerance = 0.002
    /// How much worse the forecasts' pinball loss may be.
    var pinballSlack = 0.05
    /// Opens a store connection for one replay thread.
    var openStore: @Sendable () throws -> HeadroomStore
    /// The fleet the replays run on (nil: one POP without capacity limits).
    var fleet: Fleet?
    /// Whether the replays' policies see min(demand, allocation) (nil: each policy's default, `ReplayPolicy.censorsByDefault`).
    var censoredObservations: Bool?
    /// Replays at once.
    var jobs = 2

    func judge(candidate: String) throws -> Verdict {
        let evaluation = Evaluation(registry: registry, from: from, to: to,
                                    configuration: Backtest.Configuration(horizonSteps: horizonSteps))
        let candidateReport = try evaluation.run(version: candidate, progress: false)
        guard let candidatePinball = candidateReport.score(TrainedModels.candidateName) else {
            return Verdict(promote: false, explanation: "candidate \(candidate) produced no scorable forecasts in the period: not promoted")
        }
        let incumbent = try registry.promotedVersion().flatMap { $0 == candidate ? nil : $0 }
        let incumbentReport = try incumbent.map { try evaluation.run(version: $0, progress: false) }
        var lines: [String] = []
        var promote = true

        // 1. Risk.
        if let risk = candidateReport.riskComparison?.groups.first(where: { $0.name == "all" }),
           let learned = risk.scores.first(where: { $0.name == "learned risk" }) {
            let reference: (name: String, auc: Double, brierSkill: Double)
            if let incumbent, let theirs = incumbentReport?.riskComparison?.groups.first(where: { $0.name == "all" })?
                .scores.first(where: { $0.name == "learned risk" }) {
                reference = ("promoted version \(incumbent)'s learned risk", theirs.auc, theirs.brierSkill ?? -.infinity)
            } else {
                let baselines = risk.scores.filter { $0.name != "learned risk" }
                let best = baselines.max { ($0.auc.isNaN ? -1 : $0.auc) < ($1.auc.isNaN ? -1 : $1.auc) }
                let simple = baselines.first { $0.name == "simple learned" }
                reference = ("the best plain baseline (AUC: \(best?.name ?? "none"); Brier skill: simple learned)",
                             best?.auc ?? .nan, simple?.brierSkill ?? -.infinity)
            }
            let aucGain = learned.auc - reference.auc, skillGain = (learned.brierSkill ?? -.infinity) - reference.brierSkill
            let riskOK = !(aucGain < -tolerance) && !(skillGain < -tolerance) && (aucGain > tolerance || skillGain > tolerance)
            promote = promote && riskOK
            lines.append("risk: AUC \(HTMLReport.fmt(learned.auc)), Brier skill \(HTMLReport.fmt(learned.brierSkill)) vs \(reference.name): "
                         + "AUC \(HTMLReport.fmt(reference.auc)), Brier skill \(HTMLReport.fmt(reference.brierSkill.isFinite ? reference.brierSkill : nil)) — "
                         + (riskOK ? "better" : "not better"))
        } else {
            lines.append("risk: candidate has no learned risk; judged on forecasts alone")
        }

        // 2. Forecasts.
        let (referencePinball, referenceName): (Double?, String) = if let incumbent, let report = incumbentReport {
            (report.score(TrainedModels.candidateName), "promoted version \(incumbent)")
        } else {
            (candidateReport.score("seasonal_naive"), "the seasonal-naive baseline")
        }
        if let referencePinball {
            let forecastsOK = candidatePinball <= referencePinball * (1 + pinballSlack)
            promote = promote && forecastsOK
            lines.append("forecasts: mean pinball \(HTMLReport.fmt(candidatePinball)) vs \(referenceName): \(HTMLReport.fmt(referencePinball)) — "
                         + (forecastsOK ? "within \(Int(pinballSlack * 100)) %" : "more than \(Int(pinballSlack * 100)) % worse"))
        } else {
            lines.append("forecasts: \(referenceName) has no score in the period")
        }
        // 3. Decisions.
        let decisions = try judgeDecisions(candidate: candidate, incumbent: incumbent)
        promote = promote && decisions.passes
        lines.append(contentsOf: decisions.lines)
        lines.append(promote ? "candidate \(candidate): promoting" : "candidate \(candidate): not promoted, keeping what serves")
        return Verdict(promote: promote, explanation: lines.joined(separator: "\n"))
    }

    /// Step 3: the replays and their comparison at equal slack.
    private func judgeDecisions(candidate: String, incumbent: String?) throws -> (passes: Bool, lines: [String]) {
        let fleet = try self.fleet ?? Fleet(pops: [POP(name: "promotion-gate")], declaredLinks: [])
        let candidateModels = try TrainedModels.load(registry: registry, version: candidate)
        let predictive = ReplayPolicy.predictive.knob!, vpa = ReplayPolicy.vpa.knob!
        var planned: [(models: TrainedModels, policy: ReplayPolicy, knob: Double?)] =
            predictive.sweep.map { (candidateModels, .predictive, $0) }
        let referenceName: String
        if let incumbent {
            let serving = try TrainedModels.load(registry: registry, version: incumbent)
            planned.append((serving, .predictive, nil))
            let knobs = serving.risk?.predictiveDefaults.map { "its default knobs: CPU \(HTMLReport.fmt($0.cpu)), memory \(HTMLReport.fmt($0.memory))" }
                ?? "\(predictive.name) \(predictive.defaultValue)"
            referenceName = "promoted version \(incumbent)'s predictive (\(knobs))"
        } else {
            planned.append((candidateModels, .vpa, vpa.defaultValue))
            referenceName = "vpa (\(vpa.name) \(vpa.defaultValue))"
        }
        let runs = planned
        let (from, to, censored, openStore) = (self.from, self.to, censoredObservations, self.openStore)
        let summaries = try ReplayBatch.run(count: runs.count, jobs: jobs, openStore: openStore) { k, store in
            var options = ReplayOptions(policy: runs[k].policy, from: from, to: to)
            options.knob = runs[k].knob
            if let censored { options.censoredObservations = censored }
            return try ReplaySimulation(store: store, models: runs[k].models, fleet: fleet).run(options)
        }.map { try $0.get() }
        let judgement = EqualSlackJudgement(candidate: Array(summaries.dropLast()), reference: summaries.last!)
        func figure(_ v: Double?) -> String { v.map { String(format: "%.1f", $0) } ?? "outside the swept slack" }
        var lines = ["decisions: replay \(summaries.last!.workloads) workloads; candidate's predictive swept over \(predictive.name) "
                     + predictive.sweep.map { String($0) }.joined(separator: ",") + " vs \(referenceName):"]
        lines.append("  OOM kills at \(String(format: "%.1f", judgement.slackGibHours)) GiB-h of slack: \(figure(judgement.candidateOOMKills)) vs "
                     + "\(Int(judgement.referenceOOMKills)) — " + (judgement.oomKillsPass ? "not worse" : "worse or not comparable"))
        lines.append("  throttled core-min at \(String(format: "%.1f", judgement.slackCoreHours)) core-h of slack: "
                     + "\(figure(judgement.candidateThrottledCoreMinutes)) vs \(String(format: "%.1f", judgement.referenceThrottledCoreMinutes)) — "
                     + (judgement.throttlingPass ? "not worse" : "worse or not comparable"))
        return (judgement.passes, lines)
    }
}
