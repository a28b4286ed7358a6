import Decisions
import Foundation
import Models
import Resources
import Store

/// The training run's last step before its files: the predictive policy's default knobs,
/// matched to the VPA's slack on the training workloads over the last `window` before the
/// cutoff (`DefaultKnobCalibration`), with the version's own models as the replay uses them.
/// The replays run on one POP without capacity limits, as the promotion gate's do: sizing,
/// not placement, sets slack.
struct KnobCalibrationStep {
    /// The replayed stretch: the last week before the cutoff (or from the training data's
    /// first sample, when shorter): the VPA's decaying histograms (24-h half-life) and predictive's tables
    /// both warm on the history before it.
    static let window: Int64 = 7 * 86_400
    /// The most workloads replayed: a nightly job over a large fleet replays a sample (the
    /// names of smallest FNV-1a hash, `WorkloadShard.hash`: stable, independent of order), so
    /// its 11–14 replays of a week stay minutes (≈ 3 s per replay of 62 Bitbrains VMs).
    static let maxWorkloads = 500

    /// The workloads the calibration replays: all of `names`, or `maxWorkloads` of them.
    static func sample(_ names: [String], limit: Int = maxWorkloads) -> [String] {
        guard names.count > limit else { return names }
        return names.sorted { (WorkloadShard.hash($0), $0) < (WorkloadShard.hash($1), $1) }.prefix(max(0, limit)).sorted()
    }

    let store: HeadroomStore
    /// Opens a store connection per replay thread (nil: one thread on `store`).
    var openStore: (@Sendable () throws -> HeadroomStore)?
    let models: TrainedModels
    let workloads: [String]
    /// The earliest the replay may start: the training window's start or its first sample.
    let windowStart: Int64
    let until: Int64
    var jobs = 2

    func run() throws -> PredictiveDefaultKnobs {
        let from = max(windowStart, until - Self.window), to = until
        let fleet = try Fleet(pops: [POP(name: "knob-calibration")], declaredLinks: [])
        let (models, names, store) = (self.models, Self.sample(workloads), self.store)
        let open: @Sendable () throws -> HeadroomStore = openStore ?? { store }
        let jobs = openStore == nil ? 1 : self.jobs
        return try DefaultKnobCalibration.run(from: from, to: to) { runs in
            try ReplayBatch.run(count: runs.count, jobs: jobs, openStore: open) { k, own in
                var options = ReplayOptions(policy: runs[k].policy, from: from, to: to)
                options.knob = runs[k].knob
                options.cpuKnob = runs[k].cpuKnob
                options.workloads = names
                return try ReplaySimulation(store: own, models: models, fleet: fleet).run(options)
            }.map { try $0.get() }
        }
    }

    /// The log line: each knob, how it was set, and the slack it gives against the VPA's.
    static func describe(_ d: PredictiveDefaultKnobs) -> String {
        func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
        func how(_ s: PredictiveDefaultKnobs.Source) -> String {
            switch s {
            case .matched: "matched"
            case .lowestSwept: "vpa's slack below the sweep: its least slack"
            case .highestSwept: "vpa's slack above the sweep: its most slack"
            case .fixed: "the knob does not move this slack, or vpa holds none: fixed default"
            }
        }
        return "predictive: default knobs CPU \(f(d.cpu, 3)) (\(how(d.cpuSource)); \(f(d.slackCoreHours)) core-h of slack, vpa's \(f(d.vpaSlackCoreHours))), "
            + "memory \(f(d.memory, 3)) (\(how(d.memorySource)); \(f(d.slackGibHours)) GiB-h, vpa's \(f(d.vpaSlackGibHours))), "
            + "replayed \(TimestampParser.iso8601(d.from)) … \(TimestampParser.iso8601(d.to))"
    }
}
