import Forecast

/// The risk family of a version: the Platt calibration the trainer fitted on held-out
/// data, with the allocation rule and horizon its labels were made with. One tiny tensor
/// (`risk.coefficients` = [b₀, b₁, b₂]) so other tools read the numbers without JSON, and
/// the whole calibration as JSON metadata.
public struct RiskFamily: Sendable, Equatable {
    public var calibration: RiskCalibration
    public var rule: AllocationRule
    public var horizonSteps: Int
    /// Reliability of the calibrated risk on the calibration samples themselves.
    public var reliability: ReliabilityDiagram?
    /// The risk trained on the event itself (nil in versions trained before it existed:
    /// the scorer then uses the calibrated forecast risk).
    public var learned: LearnedRisk?
    /// The predictive policy's learned memory sizing (nil in versions trained before it
    /// existed: the policy then uses a margin over the same reference).
    public var memoryTable: MemoryRiskTable?
    /// The predictive policy's learned CPU sizing (nil in versions trained before it existed:
    /// the policy then uses a margin over the same reference).
    public var cpuTable: CPURiskTable?
    /// The predictive policy's default knobs, matched to the VPA's slack at training time
    /// (nil: the policy's fixed default serves).
    public var predictiveDefaults: PredictiveDefaultKnobs?

    public init(calibration: RiskCalibration, rule: AllocationRule, horizonSteps: Int, reliability: ReliabilityDiagram? = nil,
                learned: LearnedRisk? = nil, memoryTable: MemoryRiskTable? = nil, cpuTable: CPURiskTable? = nil,
                predictiveDefaults: PredictiveDefaultKnobs? = nil) {
        self.predictiveDefaults = predictiveDefaults
        self.memoryTable = memoryTable
        self.cpuTable = cpuTable
        self.calibration = calibration
        self.rule = rule
        self.horizonSteps = horizonSteps
        self.reliability = reliability
        self.learned = learned
    }
}

public enum RiskModels {
    public static let family = "risk"

    public static func encode(_ risk: RiskFamily, into bundle: inout TensorBundle) {
        let c = risk.calibration
        bundle.set("risk.coefficients", doubles: [c.intercept, c.rawRiskLogitCoefficient, c.heavyPhaseCoefficient])
        bundle.metadata["calibration"] = JSONText.encode(c)
        bundle.metadata["allocation_rule"] = JSONText.encode(risk.rule)
        bundle.metadata["horizon_steps"] = String(risk.horizonSteps)
        if let reliability = risk.reliability { bundle.metadata["calibration_reliability"] = JSONText.encode(reliability) }
        risk.learned?.encode(into: &bundle)
        risk.memoryTable?.encode(into: &bundle)
        risk.cpuTable?.encode(into: &bundle)
        if let defaults = risk.predictiveDefaults { bundle.metadata[PredictiveDefaultKnobs.metadataKey] = JSONText.encode(defaults, snakeCase: true) }
    }

    public static func decode(_ bundle: TensorBundle) throws -> RiskFamily {
        let calibration: RiskCalibration = try JSONText.decode(bundle.meta("calibration"))
        let rule: AllocationRule = try JSONText.decode(bundle.meta("allocation_rule"))
        guard let horizon = Int(try bundle.meta("horizon_steps")), horizon > 0 else {
            throw TensorBundleError.invalid("risk: horizon_steps must be a positive integer")
        }
        let coefficients = try bundle.doubles("risk.coefficients")
        guard coefficients == [calibration.intercept, calibration.rawRiskLogitCoefficient, calibration.heavyPhaseCoefficient] else {
            throw TensorBundleError.invalid("risk: risk.coefficients disagrees with the calibration metadata")
        }
        let reliability: ReliabilityDiagram? = try bundle.metadata["calibration_reliability"].map { try JSONText.decode($0) }
        let defaults: PredictiveDefaultKnobs? = try bundle.metadata[PredictiveDefaultKnobs.metadataKey].map { text in
            do { return try JSONText.decodeSnakeCase(text) as PredictiveDefaultKnobs } catch {
                throw TensorBundleError.invalid("risk: \(PredictiveDefaultKnobs.metadataKey) is not the expected JSON object: \(error)")
            }
        }
        return RiskFamily(calibration: calibration, rule: rule, horizonSteps: horizon, reliability: reliability,
                          learned: try LearnedRisk.decode(bundle), memoryTable: try MemoryRiskTable.decode(bundle),
                          cpuTable: try CPURiskTable.decode(bundle), predictiveDefaults: try defaults?.validated())
    }
}
