import Models
import Forecast
import Store

/// `promote --if-better`: the candidate version is promoted only when its combined
/// forecaster has a lower mean scaled pinball loss (established workloads, all
/// resources and quantiles) than the promoted version's on the same backtest — or, when
/// nothing is promoted yet, than the seasonal-naive baseline.
struct PromotionGate {
    struct Verdict {
        var promote: Bool
        var explanation: String
    }

    let registry: ModelRegistry
    let from: Int64
    let to: Int64
    let horizonSteps: Int

    func judge(candidate: String) throws -> Verdict {
        let evaluation = Evaluation(registry: registry, from: from, to: to,
                                    configuration: Backtest.Configuration(horizonSteps: horizonSteps))
        let candidateReport = try evaluation.run(version: candidate, progress: false)
        guard let candidateScore = candidateReport.score(TrainedModels.candidateName) else {
            return Verdict(promote: false, explanation: "candidate \(candidate) produced no scorable forecasts in the period: not promoted")
        }
        let incumbent = try registry.promotedVersion()
        let (reference, referenceName): (Double?, String)
        if let incumbent, incumbent != candidate {
            reference = try evaluation.run(version: incumbent, progress: false).score(TrainedModels.candidateName)
            referenceName = "promoted version \(incumbent)"
        } else {
            reference = candidateReport.score("seasonal_naive")
            referenceName = "the seasonal-naive baseline"
        }
        guard let reference else {
            return Verdict(promote: true, explanation: "\(referenceName) has no score in the period; candidate \(candidate) (pinball \(HTMLReport.fmt(candidateScore))) is promoted")
        }
        let better = candidateScore < reference
        return Verdict(promote: better, explanation: "candidate \(candidate): mean pinball \(HTMLReport.fmt(candidateScore)) vs \(referenceName): \(HTMLReport.fmt(reference)) — \(better ? "better, promoting" : "not better, keeping what serves")")
    }
}
