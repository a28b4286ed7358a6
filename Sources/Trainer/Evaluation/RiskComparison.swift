import Forecast
import Models
import Store

/// The learned risk beside the plain baselines on the same ticks of the evaluation period,
/// with the event Headroom is judged on (`RiskExamples`: the allocation fixed at `from` by
/// the `AllocationRule` over the day before, a breach of CPU or memory within the horizon).
///
/// Scores compared: the version's learned risk; usage ÷ allocation now; last day's breach
/// rate and the same window yesterday (score_exports.py's definitions); "simple learned",
/// the logistic regression over those three the trainer fitted on the same training ticks
/// as the trees. Each gets AUC, AUC on the ticks not breaching now, Brier skill, ECE and a
/// reliability diagram; usage ÷ allocation is not a probability, so its Brier skill, ECE and
/// diagram are those of min(1, usage ÷ allocation), shown for completeness.
struct RiskComparison: Codable {
    struct Score: Codable {
        var name: String
        var auc: Double
        var aucNotBreachingNow: Double
        var brierSkill: Double?
        var ece: Double
        var reliability: ReliabilityDiagram
    }

    struct Group: Codable {
        /// `all`, `trained` (workloads the version was trained on) or `new` (cold start).
        var name: String
        var workloads: Int
        var ticks: Int
        var positiveRate: Double
        var scores: [Score]
    }

    var horizonSteps: Int
    var groups: [Group]

    /// Nil when the version has no learned risk or no tick could be labelled.
    static func run(store: HeadroomStore, models: TrainedModels, from: Int64, to: Int64, horizonSteps: Int,
                    historySeconds: Int64 = 8 * 86_400) throws -> RiskComparison? {
        guard let learned = models.risk?.learned else { return nil }
        var examples = RiskExamples()
        let rule = models.risk?.rule ?? AllocationRule()
        // The trees apply at the interval they were trained at (as in the scorer).
        for record in try store.workloads() where record.gridIntervalSeconds == learned.intervalSeconds {
            let samples = try store.samples(workloads: [record.name], from: from - historySeconds, to: to + Int64(horizonSteps) * record.gridIntervalSeconds)[0]
            guard samples.timestamps.contains(where: { $0 >= from && $0 < to }) else { continue }
            examples.add(workload: record.name, samples: samples, intervalSeconds: record.gridIntervalSeconds,
                         limits: record.limits.values, periods: [RiskExamples.Period(start: from, end: to)],
                         horizonSteps: horizonSteps, rule: rule)
        }
        guard examples.rows > 0 else { return nil }
        let trained = models.trainedWorkloads
        var groups: [Group] = []
        for (name, keep) in [("all", { (_: String) in true }), ("trained", { trained.contains($0) }), ("new", { !trained.contains($0) })] {
            let rows = (0..<examples.rows).filter { keep(examples.workloads[Int(examples.workloadIndex[$0])]) }
            guard !rows.isEmpty else { continue }
            groups.append(try group(name, rows: rows, examples: examples, learned: learned))
        }
        return RiskComparison(horizonSteps: horizonSteps, groups: groups)
    }

    static func group(_ name: String, rows: [Int], examples: RiskExamples, learned: LearnedRisk) throws -> Group {
        let labels = rows.map { examples.labels[$0] }
        let now = rows.map { examples.breachingNow[$0] }
        let f = RiskFeatures.count
        let learnedScores = rows.map { r in learned.probability(Array(examples.features[(r * f)..<((r + 1) * f)])) }
        let util = rows.map { examples.baseline(.usageOverAllocation, row: $0) }
        let rate = rows.map { examples.baseline(.breachRateLastDay, row: $0) }
        let yesterday = rows.map { examples.baseline(.sameTimeYesterday, row: $0) }
        let simple = rows.map { r in
            learned.simpleProbability(usageOverAllocation: examples.baseline(.usageOverAllocation, row: r),
                                      breachRate: examples.baseline(.breachRateLastDayFull, row: r),
                                      sameTimeYesterday: examples.baseline(.sameTimeYesterday, row: r))
        }
        func score(_ name: String, _ s: [Double]) throws -> Score {
            let p = s.map { min(1, max(0, $0.isFinite ? $0 : 0)) }
            let quiet = (0..<labels.count).filter { !now[$0] }
            return Score(name: name, auc: ClassificationMetrics.auc(scores: s, labels: labels),
                         aucNotBreachingNow: ClassificationMetrics.auc(scores: quiet.map { s[$0] }, labels: quiet.map { labels[$0] }),
                         brierSkill: ClassificationMetrics.brierSkill(probabilities: p, labels: labels),
                         ece: ClassificationMetrics.ece(probabilities: p, labels: labels),
                         reliability: try ReliabilityDiagram(predicted: p, outcomes: labels))
        }
        let workloads = Set(rows.map { examples.workloadIndex[$0] }).count
        return Group(name: name, workloads: workloads, ticks: rows.count,
                     positiveRate: Double(labels.filter { $0 }.count) / Double(labels.count),
                     scores: [try score("learned risk", learnedScores), try score("usage ÷ allocation", util),
                              try score("last day's breach rate", rate), try score("same time yesterday", yesterday),
                              try score("simple learned", simple)])
    }
}
