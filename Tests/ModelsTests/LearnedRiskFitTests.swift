import Forecast
import Foundation
import Store
import Testing
@testable import Models

/// `LearnedRiskFit`: the cross-fitted calibration (every workload scored by trees that
/// never saw it), on generated workloads whose memory drifts towards its allocation.
@Suite("Learned risk fit")
struct LearnedRiskFitTests {
    /// Three weeks and a day of 5-minute samples: CPU noise around a level, memory a random
    /// walk with occasional jumps, so some weeks breach the static allocation and some not.
    static func examples(workloads: Int) -> RiskExamples {
        var generator = SeededGenerator(seed: 7)
        var set = RiskExamples()
        let start: Int64 = 1_375_000_000 - 1_375_000_000 % 86_400
        let n = 22 * 288
        for w in 0..<workloads {
            let name = "w\(w)"
            var timestamps: [Int64] = [], values: [Double] = []
            var memory = 1e9 * Double(1 + w % 3), level = 0.5 + Double(w % 4) * 0.25
            for i in 0..<n {
                timestamps.append(start + Int64(i) * 300)
                level = max(0.05, level + Double.random(in: -0.02...0.02, using: &generator))
                memory = max(2e8, memory * (1 + Double.random(in: -0.004...0.0045, using: &generator))
                    + (Double.random(in: 0..<1, using: &generator) < 0.002 ? 4e8 : 0))
                var row = [Double](repeating: .nan, count: Resource.count)
                row[Resource.cpuCores.rawValue] = level * Double.random(in: 0.6...1.4, using: &generator)
                row[Resource.memoryBytes.rawValue] = memory
                values += row
            }
            let series = SampleSeries(workload: name, timestamps: timestamps, values: values)
            var limits = [Double](repeating: .nan, count: Resource.count)
            limits[Resource.cpuCores.rawValue] = 4
            limits[Resource.memoryBytes.rawValue] = 16e9
            let periods = RiskExamples.weeklyPeriods(until: timestamps.last! + 300, firstSample: timestamps[0], weeks: 3)
            set.add(workload: name, samples: series, intervalSeconds: 300, limits: limits, periods: periods,
                    horizonSteps: 12, stride: 4, completeHorizonOnly: true)
        }
        return set
    }

    static let spec = GBTSpec(treeCount: 30, minimumLeafSamples: 50)

    @Test("every tick is scored out of fold; the calibration matches the base rate; deterministic")
    func crossFitted() throws {
        let set = Self.examples(workloads: 12)
        let positives = set.labels.filter { $0 }.count
        #expect(positives > set.rows / 20 && positives < set.rows * 19 / 20, "both outcomes: \(positives) of \(set.rows)")
        let outcome = try LearnedRiskFit.fit(set, spec: Self.spec, seed: 1)
        #expect(outcome.calibrationRows == set.rows, "each workload's ticks scored by the trees of the other folds")
        #expect(outcome.trainingRows == set.rows)
        #expect(outcome.calibrationWorkloads.count == 12)
        #expect(outcome.folds == 5)
        // The served trees see every row, and score them the way `probability` does.
        let platt = outcome.risk.platt.coefficients
        #expect(platt[1] > 0, "a higher log-odds means a higher risk")
        // Logistic MLE with a free intercept: Σ p̂ = Σ y on the ticks it was fitted on, so the
        // mean calibrated out-of-fold probability is the breach rate.
        let p = outcome.outOfFoldProbabilities, y = outcome.outOfFoldLabels
        #expect(p.count == set.rows && y.filter { $0 }.count == positives)
        #expect(abs(p.reduce(0, +) - Double(positives)) < 1e-4 * Double(set.rows), "\(p.reduce(0, +)) vs \(positives)")
        #expect(outcome.calibrationAUC > 0.6, "AUC \(outcome.calibrationAUC)")
        #expect((outcome.calibrationBrierSkill ?? -1) > 0)
        let again = try LearnedRiskFit.fit(set, spec: Self.spec, seed: 1)
        #expect(again.risk == outcome.risk)
    }

    @Test("leaf size: the design's 1,000 from 64 k ticks up; below, at most ticks ÷ (leaves + 1), at least 20")
    func leafSize() {
        let design = GBTSpec(maximumDepth: 6, maximumLeaves: 63, minimumLeafSamples: 1000)
        #expect(LearnedRiskFit.effectiveSpec(design, rows: 132_077).minimumLeafSamples == 1000)   // the holdout's training set
        #expect(LearnedRiskFit.effectiveSpec(design, rows: 64_000).minimumLeafSamples == 1000)
        #expect(LearnedRiskFit.effectiveSpec(design, rows: 63_999).minimumLeafSamples == 999)
        #expect(LearnedRiskFit.effectiveSpec(design, rows: 2_648).minimumLeafSamples == 41)       // Alibaba's 4 machines, 4 days
        #expect(LearnedRiskFit.effectiveSpec(design, rows: 100).minimumLeafSamples == 20)
        #expect(LearnedRiskFit.effectiveSpec(Self.spec, rows: 500).minimumLeafSamples == 31)      // 15 leaves: 500 ÷ 16
        var rest = LearnedRiskFit.effectiveSpec(design, rows: 2_648)
        rest.minimumLeafSamples = design.minimumLeafSamples
        #expect(rest == design, "nothing else changes")
    }

    @Test("the design's trees on a small set still grow (at 1,000 per leaf each split at most once)")
    func smallSet() throws {
        // Two workloads: each fold's trees are fitted on the other one's ticks, of which each
        // tree draws 70 %, fewer than the 2,000 a split needs at 1,000 per leaf, so those trees
        // were constant; the served trees (on both) could split once each at most.
        let set = Self.examples(workloads: 2)
        let design = GBTSpec(maximumDepth: 6, maximumLeaves: 63, minimumLeafSamples: 1000)
        #expect(set.rows / 2 * 7 / 10 < 2 * 1000, "small enough that 1,000 per leaf could not split: \(set.rows) ticks")
        let outcome = try LearnedRiskFit.fit(set, spec: design, seed: 1)
        let splits = outcome.risk.trees.splitFeatures.filter { $0 >= 0 }.count
        #expect(splits > 2 * outcome.risk.trees.treeCount, "\(splits) splits in \(outcome.risk.trees.treeCount) trees")
        #expect(outcome.risk.trees.spec.minimumLeafSamples == set.rows / 64)
        #expect(outcome.calibrationAUC > 0.6, "AUC \(outcome.calibrationAUC)")
    }

    @Test("trees that split nothing are refused, not served as a constant risk")
    func noSplit() {
        var spec = Self.spec
        spec.minimumSplitGain = 1e12
        #expect {
            try LearnedRiskFit.fit(Self.examples(workloads: 3), spec: spec, seed: 1)
        } throws: { error in
            if case .noSplit = error as? LearnedRiskFit.FitError { return true }
            return false
        }
    }

    @Test("folds by a stable hash; fewer workloads than folds: one per fold")
    func folds() throws {
        #expect(LearnedRiskFit.fold(of: "w0", folds: 5) == LearnedRiskFit.fold(of: "w0", folds: 5))
        let names = (0..<200).map { "bitbrains-\($0)" }
        let counts = Dictionary(grouping: names, by: { LearnedRiskFit.fold(of: $0, folds: 5) }).mapValues(\.count)
        #expect(counts.count == 5 && counts.values.allSatisfy { $0 >= 25 }, "\(counts)")
        let outcome = try LearnedRiskFit.fit(Self.examples(workloads: 3), spec: Self.spec, seed: 1)
        #expect(outcome.folds == 3)
        #expect(throws: LearnedRiskFit.FitError.self) { try LearnedRiskFit.fit(Self.examples(workloads: 1), spec: Self.spec, seed: 1) }
    }

    @Test("a version trained on an earlier feature set (the first 22, the first 27) loads and scores full rows the same; other names are refused",
          arguments: RiskFeatures.earlierCounts)
    func compactVersion(c: Int) throws {
        let set = Self.examples(workloads: 3)
        let f = RiskFeatures.count
        #expect(f > c)
        let compact = (0..<set.rows).flatMap { r in set.features[(r * f)..<(r * f + c)] }
        var generator = SeededGenerator(seed: 3)
        let trees = try Self.spec.fit(features: compact, featureCount: c, labels: set.labels, generator: &generator)
        let old = LearnedRisk(trees: trees, platt: LogisticRegression(coefficients: [0.1, 1.1]),
                              simple: LogisticRegression(coefficients: [0, 1, 1, 1]),
                              featureNames: Array(RiskFeatures.names.prefix(c)))
        var bundle = TensorBundle()
        old.encode(into: &bundle)
        let loaded = try #require(try LearnedRisk.decode(bundle))
        #expect(loaded == old)
        for r in stride(from: 0, to: set.rows, by: 97) {
            let full = Array(set.features[(r * f)..<((r + 1) * f)])
            #expect(loaded.probability(full) == old.probability(Array(full.prefix(c)) + [Double](repeating: 99, count: f - c)),
                    "row \(r): the added columns are not read")
            #expect(abs(loaded.probability(full) - LogisticRegression.sigmoid(0.1 + 1.1 * trees.rawScore(Array(full.prefix(c))))) < 1e-15)
        }
        bundle.metadata["learned_features"] = JSONText.encode(Array(RiskFeatures.names.prefix(c - 1)) + ["other"])
        #expect(throws: TensorBundleError.self) { _ = try LearnedRisk.decode(bundle) }
        // A prefix that was never a version's feature set is refused too.
        bundle.metadata["learned_features"] = JSONText.encode(Array(RiskFeatures.names.prefix(c - 1)))
        #expect(throws: TensorBundleError.self) { _ = try LearnedRisk.decode(bundle) }
    }
}
