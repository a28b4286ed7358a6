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
/// A candidate without a learned risk is judged on the forecasts alone, as before it existed.
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
        lines.append(promote ? "candidate \(candidate): promoting" : "candidate \(candidate): not promoted, keeping what serves")
        return Verdict(promote: promote, explanation: lines.joined(separator: "\n"))
    }
}
