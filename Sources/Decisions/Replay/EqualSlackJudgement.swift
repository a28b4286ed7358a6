/// Whether a policy's curve does at least as well as a reference replay **at the reference's
/// slack** (issue 11, item 7: promotion judges the replay's OOM kills and throttling at equal
/// slack, not at whatever slack each version happens to keep).
///
/// The candidate is swept over its knob; its OOM kills are interpolated (`ReplayFrontier.interpolate`)
/// at the reference's GiB-hours of slack and its throttled core-minutes at the reference's
/// core-hours of slack. It passes when neither is worse than the reference's by more than
/// `relativeSlack` of it plus one unit (one kill, one core-minute: a week of a few workloads
/// can hold a handful of kills, and 0 against 1 is noise, not a regression). A slack outside
/// the candidate's swept range cannot be judged, and an unjudged resource fails: promotion
/// is refused rather than guessed.
package struct EqualSlackJudgement: Sendable, Equatable {
    package var referenceOOMKills: Double
    package var referenceThrottledCoreMinutes: Double
    package var slackGibHours: Double
    package var slackCoreHours: Double
    /// The candidate's OOM kills at the reference's memory slack (nil: outside its range).
    package var candidateOOMKills: Double?
    /// The candidate's throttled core-minutes at the reference's CPU slack (nil: outside its range).
    package var candidateThrottledCoreMinutes: Double?
    package var relativeSlack: Double

    package init(candidate: [ReplaySummary], reference: ReplaySummary, relativeSlack: Double = 0.05) {
        referenceOOMKills = Double(reference.oomKills)
        referenceThrottledCoreMinutes = reference.throttledCoreMinutes
        slackGibHours = reference.slackGibHours
        slackCoreHours = reference.slackCoreHours
        self.relativeSlack = relativeSlack
        candidateOOMKills = ReplayFrontier.interpolate(candidate.map { ($0.slackGibHours, Double($0.oomKills)) }, at: slackGibHours)
        candidateThrottledCoreMinutes = ReplayFrontier.interpolate(candidate.map { ($0.slackCoreHours, $0.throttledCoreMinutes) },
                                                                   at: slackCoreHours)
    }

    private func allowed(_ reference: Double) -> Double { reference * (1 + relativeSlack) + 1 }

    package var oomKillsPass: Bool { candidateOOMKills.map { $0 <= allowed(referenceOOMKills) } ?? false }
    package var throttlingPass: Bool {
        candidateThrottledCoreMinutes.map { $0 <= allowed(referenceThrottledCoreMinutes) } ?? false
    }
    package var passes: Bool { oomKillsPass && throttlingPass }
}
