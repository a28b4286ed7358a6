import Forecast
import Foundation
import Models
import Store

/// The learned risk's training step: labelled ticks from every training workload's stored
/// samples in weekly periods before `until` (each with the static allocation of the day
/// before it, as the judge's static replay allocates), every `stride`-th tick, horizons
/// complete within their period; trees on all of them, Platt scaling on the trees'
/// out-of-fold scores over five groups of workloads (`LearnedRiskFit`).
///
/// It reads up to `weeks` weeks of history, more than the forecasters' window: features and
/// labels are cheap, and the study behind the design trained on every earlier week.
struct LearnedRiskTraining {
    let store: HeadroomStore
    let until: Int64
    let workloads: [WorkloadRecord]
    let horizonSteps: Int
    var weeks = 6
    var stride = 4
    var spec = GBTSpec()
    var seed: UInt64 = 42

    /// The most common sampling interval among the training workloads (ties: the shorter):
    /// the trees learn at one interval, and the scorer serves them at that one.
    var intervalSeconds: Int64 {
        let counts = Dictionary(grouping: workloads.map(\.gridIntervalSeconds), by: { $0 }).mapValues(\.count)
        return counts.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key ?? 300
    }

    func examples() throws -> RiskExamples {
        var examples = RiskExamples()
        let earliest = until - Int64(weeks + 1) * 7 * 86_400
        let interval = intervalSeconds
        for record in workloads where record.gridIntervalSeconds == interval {
            let samples = try store.samples(workloads: [record.name], from: earliest, to: until)[0]
            guard let first = samples.timestamps.first else { continue }
            let periods = RiskExamples.weeklyPeriods(until: until, firstSample: first, weeks: weeks)
            examples.add(workload: record.name, samples: samples, intervalSeconds: record.gridIntervalSeconds, limits: record.limits.values,
                         periods: periods, horizonSteps: horizonSteps, stride: stride, completeHorizonOnly: true)
        }
        return examples
    }

    func fit(log: (String) -> Void) throws -> LearnedRiskFit.Outcome {
        let started = Date()
        let set = try examples()
        let positives = set.labels.filter { $0 }.count
        log("risk: learned model on \(set.rows) labelled ticks of \(set.workloads.count) workloads (\(positives) breaches)")
        let outcome = try LearnedRiskFit.fit(set, spec: spec, seed: seed, intervalSeconds: intervalSeconds)
        log("risk: \(spec.treeCount) trees (≥ \(outcome.risk.trees.spec.minimumLeafSamples) ticks per leaf) on \(outcome.trainingRows) ticks, Platt on \(outcome.calibrationRows) ticks of "
            + "\(outcome.calibrationWorkloads.count) workloads scored out of fold (\(outcome.folds) folds): AUC \(String(format: "%.3f", outcome.calibrationAUC)) "
            + "(simple learned \(String(format: "%.3f", outcome.simpleAUC))), Brier skill "
            + (outcome.calibrationBrierSkill.map { String(format: "%.3f", $0) } ?? "n/a")
            + String(format: " (%.1f s)", Date().timeIntervalSince(started)))
        return outcome
    }

    /// The predictive policy's sizing tables (`MemoryRiskTable`, `CPURiskTable`), learned over
    /// the same weeks of every training workload at the common interval, from one read of each
    /// workload's samples. The first `SizingTableWarmup.seconds(history:)` of each is warm-up.
    func sizingTables() throws -> (memory: MemoryRiskTable, cpu: CPURiskTable) {
        let interval = intervalSeconds
        var memory = MemoryRiskTable.Learner(intervalSeconds: interval)
        var cpu = CPURiskTable.Learner(intervalSeconds: interval)
        let earliest = until - Int64(weeks + 1) * 7 * 86_400
        for record in workloads where record.gridIntervalSeconds == interval {
            let samples = try store.samples(workloads: [record.name], from: earliest, to: until)[0]
            guard let first = samples.timestamps.first, let last = samples.timestamps.last else { continue }
            let warmup = SizingTableWarmup.seconds(history: Double(last - first))
            memory.add(timestamps: samples.timestamps, memory: samples.column(.memoryBytes), warmupSeconds: warmup)
            cpu.add(timestamps: samples.timestamps, cpu: samples.column(.cpuCores), warmupSeconds: warmup)
        }
        return (memory.table(), cpu.table())
    }
}
