import Forecast

/// The predictive policy's default knobs of one model version, matched by the trainer to the
/// VPA recommender's slack over the end of the training window (`DefaultKnobCalibration` in
/// Decisions): with them, a replay or export that names no knob runs predictive at the slack
/// the VPA would have held on that workload mix, so a user (and a judge reading only the
/// default exports) compares the two at the same spend instead of at whatever slack the fixed
/// 0.40 happens to buy on a trace family. Stored in the risk file's metadata
/// (`predictive_default_knobs`); nil in versions trained before it existed or with
/// `train --no-knob-calibration`: the policy's fixed default (0.40) serves.
public struct PredictiveDefaultKnobs: Sendable, Equatable, Codable {
    /// How one resource's knob was set.
    public enum Source: String, Sendable, Codable {
        /// Read off the swept curve at the VPA's slack (the replays bracket it).
        case matched
        /// The VPA's slack lies below every swept point: the knob of the least slack.
        case lowestSwept = "lowest_swept"
        /// The VPA's slack lies above every swept point: the knob of the most slack.
        case highestSwept = "highest_swept"
        /// The knob does not move this resource's slack (a trace without memory, or memory
        /// at the actuator's floor), or the VPA holds none of it: the fixed default.
        case fixed
    }

    /// The CPU side's knob (`PredictiveSizing.Configuration.cpuKnob`).
    public var cpu: Double
    /// The memory knob (`PredictiveSizing.Configuration.margin`).
    public var memory: Double
    public var cpuSource: Source
    public var memorySource: Source
    /// The replayed window (Unix seconds, [from, to)).
    public var from: Int64
    public var to: Int64
    /// The VPA's slack at its default safety margin over the window: the aims.
    public var vpaSlackCoreHours: Double
    public var vpaSlackGibHours: Double
    /// Predictive's slack at the chosen knobs over the window (always replayed there).
    public var slackCoreHours: Double
    public var slackGibHours: Double

    public init(cpu: Double, memory: Double, cpuSource: Source, memorySource: Source, from: Int64, to: Int64,
                vpaSlackCoreHours: Double, vpaSlackGibHours: Double, slackCoreHours: Double, slackGibHours: Double) {
        self.cpu = cpu
        self.memory = memory
        self.cpuSource = cpuSource
        self.memorySource = memorySource
        self.from = from
        self.to = to
        self.vpaSlackCoreHours = vpaSlackCoreHours
        self.vpaSlackGibHours = vpaSlackGibHours
        self.slackCoreHours = slackCoreHours
        self.slackGibHours = slackGibHours
    }

    /// The metadata key in the risk file.
    public static let metadataKey = "predictive_default_knobs"

    /// Checks what a file may hold: knobs are margins (finite, > −1), slacks finite and not
    /// negative, the window ordered.
    public func validated() throws -> PredictiveDefaultKnobs {
        guard cpu.isFinite, cpu > -1 else {
            throw TensorBundleError.invalid("risk: \(Self.metadataKey).cpu is \(cpu); expected a finite margin > -1")
        }
        guard memory.isFinite, memory > -1 else {
            throw TensorBundleError.invalid("risk: \(Self.metadataKey).memory is \(memory); expected a finite margin > -1")
        }
        for (name, value) in [("vpa_slack_core_hours", vpaSlackCoreHours), ("vpa_slack_gib_hours", vpaSlackGibHours),
                              ("slack_core_hours", slackCoreHours), ("slack_gib_hours", slackGibHours)] {
            guard value.isFinite, value >= 0 else {
                throw TensorBundleError.invalid("risk: \(Self.metadataKey).\(name) is \(value); expected hours of slack ≥ 0")
            }
        }
        guard from < to else {
            throw TensorBundleError.invalid("risk: \(Self.metadataKey): from \(from) is not before to \(to)")
        }
        return self
    }
}
