import Forecast
import Foundation

/// The risk as a model trained on the very event it predicts (issue 11): gradient-boosted
/// trees over the `RiskFeatures`, calibrated by Platt scaling of the trees' log-odds
/// scored out of fold (each workload by trees that never saw it, `LearnedRiskFit`); beside it, "simple learned", a logistic regression over
/// three plain signals (usage ÷ allocation, last day's breach rate, the same window
/// yesterday) fitted on the same ticks, the baseline the learned risk must beat.
///
/// Design and hyperparameters from the study in `bench/risk/` (held-out weeks and VMs of
/// 250 Bitbrains VMs): 200 trees of depth ≤ 4, learning rate 0.05, ≥ 500 rows per leaf,
/// 0.7 of the rows and 0.8 of the features per tree, λ = 1, 255 bins.
public struct LearnedRisk: Sendable, Equatable {
    public var trees: GBTModel
    /// p = σ(a + b · log-odds of the trees).
    public var platt: LogisticRegression
    /// p = σ(b₀ + b₁ usage÷allocation + b₂ breach rate + b₃ same window yesterday).
    public var simple: LogisticRegression
    /// The feature names the trees were trained on: `RiskFeatures.names`, or the first
    /// `RiskFeatures.earlierCounts` of them for versions trained before later features
    /// (checked on load).
    public var featureNames: [String]
    /// The sampling interval of the ticks it was trained on (the most common among the
    /// training workloads); the scorer uses it only for workloads sampled at that interval.
    public var intervalSeconds: Int64

    public init(trees: GBTModel, platt: LogisticRegression, simple: LogisticRegression, featureNames: [String] = RiskFeatures.names,
                intervalSeconds: Int64 = 300) {
        self.trees = trees
        self.platt = platt
        self.simple = simple
        self.featureNames = featureNames
        self.intervalSeconds = intervalSeconds
    }

    /// The calibrated probability from a feature row (`RiskFeatures` order); no allocation.
    public func probability(_ features: UnsafeBufferPointer<Double>) -> Double {
        // The row is a full `RiskFeatures` row; an older model reads its first columns.
        let margin = trees.rawScore(UnsafeBufferPointer(rebasing: features.prefix(trees.featureCount)))
        return LogisticRegression.sigmoid(platt.coefficients[0] + platt.coefficients[1] * margin)
    }

    public func probability(_ features: [Double]) -> Double { features.withUnsafeBufferPointer { probability($0) } }

    /// The simple learned baseline on (usage÷allocation, breach rate over the last day judged
    /// against the allocation, same window yesterday).
    public func simpleProbability(usageOverAllocation: Double, breachRate: Double, sameTimeYesterday: Double) -> Double {
        simple.probability([usageOverAllocation, breachRate, sameTimeYesterday])
    }

    static let prefix = "learned."

    public func encode(into bundle: inout TensorBundle) {
        trees.encode(into: &bundle, prefix: Self.prefix + "trees.")
        bundle.set(Self.prefix + "platt", doubles: platt.coefficients)
        bundle.set(Self.prefix + "simple", doubles: simple.coefficients)
        bundle.metadata["learned_features"] = JSONText.encode(featureNames)
        bundle.metadata["learned_interval_seconds"] = String(intervalSeconds)
    }

    /// Nil when the bundle has no learned risk (a version trained before it existed).
    /// - Throws: `TensorBundleError` for a learned risk that is present but malformed.
    public static func decode(_ bundle: TensorBundle) throws -> LearnedRisk? {
        guard bundle.metadata["learned_features"] != nil else { return nil }
        let names: [String] = try JSONText.decode(bundle.meta("learned_features"))
        guard names == RiskFeatures.names || RiskFeatures.earlierCounts.contains(where: { names == Array(RiskFeatures.names.prefix($0)) }) else {
            throw TensorBundleError.invalid("risk: the learned model's features \(names) are not this scorer's \(RiskFeatures.names) nor their first \(RiskFeatures.earlierCounts.map(String.init).joined(separator: " or "))")
        }
        let trees = try GBTModel(from: bundle, prefix: prefix + "trees.")
        guard trees.featureCount == names.count else {
            throw TensorBundleError.invalid("risk: the trees take \(trees.featureCount) features, the model names \(names.count)")
        }
        let platt = try bundle.doubles(prefix + "platt"), simple = try bundle.doubles(prefix + "simple")
        guard platt.count == 2, simple.count == 4, (platt + simple).allSatisfy(\.isFinite) else {
            throw TensorBundleError.invalid("risk: learned.platt needs 2 and learned.simple 4 finite coefficients")
        }
        let interval = bundle.metadata["learned_interval_seconds"].map { Int64($0) } ?? 300
        guard let interval, interval > 0, interval <= 86_400 else {
            throw TensorBundleError.invalid("risk: learned_interval_seconds must be a whole number of seconds in 1…86400")
        }
        return LearnedRisk(trees: trees, platt: LogisticRegression(coefficients: platt),
                           simple: LogisticRegression(coefficients: simple), featureNames: names, intervalSeconds: interval)
    }
}

/// Fits a `LearnedRisk` on labelled ticks (`RiskExamples`), calibrated on whole workloads
/// held out of the trees that score them.
public enum LearnedRiskFit {
    public struct Outcome: Sendable {
        public var risk: LearnedRisk
        public var trainingRows: Int
        public var calibrationRows: Int
        public var calibrationWorkloads: [String]
        /// Groups of workloads scored out of fold.
        public var folds: Int
        /// Each calibration tick's calibrated out-of-fold probability and label, in fold order.
        public var outOfFoldProbabilities: [Double]
        public var outOfFoldLabels: [Bool]
        /// On the calibration rows (out of fold; simple learned in sample): AUC and Brier skill of the calibrated risk and of simple learned.
        public var calibrationAUC: Double
        public var calibrationBrierSkill: Double?
        public var simpleAUC: Double
    }

    public enum FitError: Error, CustomStringConvertible {
        case tooFewWorkloads(Int)
        case tooFewEvents(split: String, positives: Int, rows: Int)
        /// The served trees split nothing: their risk would be one constant (AUC 0.5), worse
        /// than the calibrated forecast risk that serves without them.
        case noSplit(rows: Int, minimumLeafSamples: Int)
        case trees(GBTError)
        case logistic(String, LogisticRegression.FitError)

        public var description: String {
            switch self {
            case .tooFewWorkloads(let n): "learned risk: \(n) workload(s) with labelled ticks; at least 2 are needed (one to fit, one to calibrate)"
            case .tooFewEvents(let split, let positives, let rows):
                "learned risk: the \(split) ticks have \(positives) breach(es) in \(rows); both outcomes are needed"
            case .noSplit(let rows, let leaf):
                "learned risk: the trees found no split in \(rows) ticks (at least \(leaf) per leaf); a constant risk would rank nothing"
            case .trees(let error): "learned risk: trees: \(error)"
            case .logistic(let what, let error): "learned risk: \(what): \(error)"
            }
        }
    }

    /// The calibration folds: workloads by a stable hash of the name (FNV-1a) mod `folds`.
    public static func fold(of name: String, folds: Int) -> Int {
        let h = name.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        return Int(h % UInt64(max(1, folds)))
    }

    /// The spec the trees are fitted with on `rows` ticks: `spec` with at most
    /// rows ÷ (`maximumLeaves` + 1) rows per leaf (at least 20), so that a tree can still
    /// grow its leaves. The design's 1,000 rows per leaf (`TrainingProfile.riskTrees`, 63
    /// leaves) were chosen on 130 k–170 k ticks and hold from 64 k ticks up (every Bitbrains
    /// run of `EVALUATION.md` and the demo); a short trace (Alibaba's 8 days of 4 machines:
    /// 2,648 ticks) could not split at all (a node needs twice the leaf size, of the 70 %
    /// each tree draws), and its risk was one constant.
    public static func effectiveSpec(_ spec: GBTSpec, rows: Int) -> GBTSpec {
        var out = spec
        let cap = max(20, rows / (spec.maximumLeaves + 1))
        out.minimumLeafSamples = max(1, min(spec.minimumLeafSamples, cap))
        return out
    }

    /// Cross-fitted calibration (the trees' out-of-fold log-odds): the workloads are split
    /// into `folds` groups by `fold(of:folds:)`; for each group, trees fitted on the other
    /// groups score its ticks; Platt scaling is fitted on every tick's out-of-fold score, so
    /// it learns from all the workloads, each scored by trees that never saw it (the
    /// held-out slice is every workload in turn). The served trees are then fitted on all
    /// the ticks. Why: a single held-out fifth of a few dozen workloads gave a Platt slope
    /// too flat to match later weeks' top bins (ECE 0.022–0.028 on the held-out weeks of
    /// `EVALUATION.md`); scoring every workload out of fold gives the calibration five times
    /// the ticks and workloads, and the trees a quarter more, for `folds` extra tree fits
    /// (≈ 5 s each on 170 k ticks). Every fit uses `effectiveSpec(spec, rows:)` of all the
    /// ticks; served trees that split nothing throw `FitError.noSplit`.
    public static func fit(_ examples: RiskExamples, spec requested: GBTSpec, seed: UInt64, intervalSeconds: Int64 = 300,
                           folds: Int = 5) throws -> Outcome {
        let spec = effectiveSpec(requested, rows: examples.rows)
        let names = Array(Set((0..<examples.rows).map { examples.workloads[Int(examples.workloadIndex[$0])] })).sorted()
        guard names.count >= 2 else { throw FitError.tooFewWorkloads(names.count) }
        let positivesAll = examples.labels.filter { $0 }.count
        guard positivesAll > 0, positivesAll < examples.rows else {
            throw FitError.tooFewEvents(split: "training", positives: positivesAll, rows: examples.rows)
        }
        // Folds by hash; with fewer workloads than folds, one workload per fold.
        let k = min(max(2, folds), names.count)
        var groups = Array(repeating: Set<String>(), count: k)
        for name in names { groups[fold(of: name, folds: k)].insert(name) }
        if groups.contains(where: \.isEmpty) {
            groups = Array(repeating: Set<String>(), count: k)
            for (i, name) in names.enumerated() { groups[i % k].insert(name) }
        }
        var generator = SeededGenerator(seed: seed)
        var outOfFold: [Double] = [], outOfFoldLabels: [Bool] = []
        var foldRows: [RiskExamples] = []
        for group in groups {
            let train = examples.subset(workloads: Set(names).subtracting(group))
            let held = examples.subset(workloads: group)
            let positives = train.labels.filter { $0 }.count
            guard held.rows > 0, positives > 0, positives < train.rows else { continue }
            let trees: GBTModel
            do { trees = try spec.fit(features: train.features, featureCount: RiskFeatures.count, labels: train.labels, generator: &generator) }
            catch { throw FitError.trees(error) }
            outOfFold += trees.rawScores(features: held.features)
            outOfFoldLabels += held.labels
            foldRows.append(held)
        }
        let heldPositives = outOfFoldLabels.filter { $0 }.count
        guard heldPositives > 0, heldPositives < outOfFoldLabels.count else {
            throw FitError.tooFewEvents(split: "calibration", positives: heldPositives, rows: outOfFoldLabels.count)
        }
        let platt: LogisticRegression
        do { platt = try LogisticRegression.fit(features: outOfFold, featureCount: 1, labels: outOfFoldLabels) }
        catch { throw FitError.logistic("Platt scaling", error) }
        let trees: GBTModel
        do { trees = try spec.fit(features: examples.features, featureCount: RiskFeatures.count, labels: examples.labels, generator: &generator) }
        catch { throw FitError.trees(error) }
        guard trees.splitFeatures.contains(where: { $0 >= 0 }) else {
            throw FitError.noSplit(rows: examples.rows, minimumLeafSamples: spec.minimumLeafSamples)
        }
        let train = examples
        // Simple learned on every labelled tick of the training side.
        var simpleRows: [Double] = []
        simpleRows.reserveCapacity(train.rows * 3)
        for r in 0..<train.rows {
            simpleRows += [train.baseline(.usageOverAllocation, row: r), train.baseline(.breachRateLastDayFull, row: r),
                           train.baseline(.sameTimeYesterday, row: r)]
        }
        let simple: LogisticRegression
        do { simple = try LogisticRegression.fit(features: simpleRows, featureCount: 3, labels: train.labels) }
        catch { throw FitError.logistic("simple learned", error) }
        let risk = LearnedRisk(trees: trees, platt: platt, simple: simple, intervalSeconds: intervalSeconds)
        let calibrated = outOfFold.map { LogisticRegression.sigmoid(platt.coefficients[0] + platt.coefficients[1] * $0) }
        var simpleScores: [Double] = []
        simpleScores.reserveCapacity(outOfFold.count)
        for held in foldRows {
            for r in 0..<held.rows {
                simpleScores.append(risk.simpleProbability(usageOverAllocation: held.baseline(.usageOverAllocation, row: r),
                                                           breachRate: held.baseline(.breachRateLastDayFull, row: r),
                                                           sameTimeYesterday: held.baseline(.sameTimeYesterday, row: r)))
            }
        }
        return Outcome(risk: risk, trainingRows: examples.rows, calibrationRows: outOfFold.count, calibrationWorkloads: names,
                       folds: foldRows.count, outOfFoldProbabilities: calibrated, outOfFoldLabels: outOfFoldLabels,
                       calibrationAUC: ClassificationMetrics.auc(scores: calibrated, labels: outOfFoldLabels),
                       calibrationBrierSkill: ClassificationMetrics.brierSkill(probabilities: calibrated, labels: outOfFoldLabels),
                       simpleAUC: ClassificationMetrics.auc(scores: simpleScores, labels: outOfFoldLabels))
    }
}
