import Forecast
import Foundation
import Store

/// A version is checked as the scorer will use it, so a file that passes its checksum but
/// is wrong inside (another family's content, a missing or reshaped tensor, NaN
/// parameters, bad metadata JSON, indices outside the resource vector) is refused with an
/// error naming the file instead of crashing `evaluate`, `replay` or the scorer later
/// (issue 12, item 4).
///
/// `TrainedModels.load` runs every check below; `validate(registry:version:)` is the same
/// load for callers that only want the verdict (`promote`, `rollback`), and
/// `loadLastGood(registry:)` is what a scorer starts from: the promoted version if it
/// loads, else the most recently promoted one before it that does.
extension TrainedModels {
    /// The families a version is made of. A registered file of any other family is refused
    /// (the scorer would silently ignore it, so its presence means a mixed-up directory).
    public static let families: Set<String> = [ARIMAModels.family, LSTMModels.family, BehaviourModels.family, RiskModels.family]

    /// Loads `version` with every check (`load`) and discards it.
    /// - Throws: `ModelFileError` naming the file and what is wrong.
    public static func validate(registry: ModelRegistry, version: String) throws {
        _ = try load(registry: registry, version: version)
    }

    /// What a scorer should serve: the promoted version if it loads and validates, else
    /// the newest earlier promoted version that does (`ModelRegistry.promotionHistory`).
    /// `refused` lists the versions passed over, newest first, with why; `models` is nil when
    /// none loads (or none was ever promoted).
    public static func loadLastGood(registry: ModelRegistry) throws -> LastGood {
        var refused: [(version: String, reason: String)] = []
        for version in try registry.promotionHistory() {
            do {
                return LastGood(models: try load(registry: registry, version: version), refused: refused)
            } catch {
                refused.append((version, "\(error)"))
            }
        }
        return LastGood(models: nil, refused: refused)
    }

    /// The result of `loadLastGood`.
    public struct LastGood: Sendable {
        /// The version to serve; nil when no promoted version loads.
        public var models: TrainedModels?
        /// Versions passed over, newest first, with the reason each was refused.
        public var refused: [(version: String, reason: String)]
        /// Whether the version served is the promoted one.
        public var isPromoted: Bool { models != nil && refused.isEmpty }
    }

    /// The metadata `kind` must name the family the file is registered under (a file of
    /// another family copied over one passes its checksum once re-registered).
    static func checkKind(_ bundle: TensorBundle, family: String) throws {
        guard Self.families.contains(family) else {
            throw TensorBundleError.invalid("family \"\(family)\" is not one of \(Self.families.sorted().joined(separator: ", "))")
        }
        if let kind = bundle.metadata["kind"], kind != family {
            throw TensorBundleError.invalid("the file's metadata kind is \"\(kind)\" but it is registered as family \"\(family)\"")
        }
    }

    /// Checks the decoded `family` against what the online path indexes and divides by.
    func checkConsistency(family: String) throws {
        if family == ARIMAModels.family { try checkARIMA() }
        if family == LSTMModels.family { try checkLSTM() }
        if family == BehaviourModels.family { try checkBehaviour() }
        if family == RiskModels.family { try checkRisk() }
    }

    private func checkARIMA() throws {
        for (name, series) in arima {
            try Self.checkName(name, family: "arima")
            for s in series {
                guard s.intervalSeconds >= 1, s.intervalSeconds <= ImportOptions.maximumIntervalSeconds else {
                    throw TensorBundleError.invalid("arima series \(name)/\(s.resource): intervalSeconds \(s.intervalSeconds) "
                        + "is outside 1 … \(ImportOptions.maximumIntervalSeconds)")
                }
                if let violation = InputRules.importTimestampViolation(s.firstTimestamp) {
                    throw TensorBundleError.invalid("arima series \(name)/\(s.resource): firstTimestamp: expected \(violation.expected), "
                        + "found \(violation.found)")
                }
            }
        }
    }

    private func checkLSTM() throws {
        if let lstm {
            let spec = lstm.model.spec
            guard spec.inputFeatures == LSTMFeatureLayout.count, spec.outputResources <= Resource.count else {
                throw TensorBundleError.invalid("lstm: the spec takes \(spec.inputFeatures) features and forecasts "
                    + "\(spec.outputResources) resources; the online state feeds \(LSTMFeatureLayout.count) and reads at most \(Resource.count)")
            }
            for name in lstm.scalings.keys { try Self.checkName(name, family: "lstm") }
        }
    }

    private func checkBehaviour() throws {
        for (name, model) in behaviour {
            try Self.checkName(name, family: "hmm")
            let d = model.hmm.emission.dimension
            guard model.dimensions.count == d, Set(model.dimensions).count == d,
                  model.dimensions.allSatisfy({ (0..<Resource.count).contains($0) }) else {
                throw TensorBundleError.invalid("hmm \(name): dimensions \(model.dimensions) must be \(d) distinct resource indices "
                    + "in 0..<\(Resource.count) (the HMM emits \(d) values)")
            }
        }
    }

    private func checkRisk() throws {
        if let risk {
            let c = risk.calibration, rule = risk.rule
            guard [c.intercept, c.rawRiskLogitCoefficient, c.heavyPhaseCoefficient].allSatisfy(\.isFinite) else {
                throw TensorBundleError.invalid("risk: calibration coefficients must be finite")
            }
            guard risk.horizonSteps <= 1 << 20 else {
                throw TensorBundleError.invalid("risk: horizon_steps \(risk.horizonSteps) is beyond 1048576")
            }
            guard rule.percentile >= 0, rule.percentile <= 1, rule.margin.isFinite, rule.margin >= 0,
                  rule.windowSteps >= 1, rule.windowSteps <= 1 << 20, rule.floor.count == Resource.count,
                  rule.floor.allSatisfy({ $0.isNaN || ($0.isFinite && $0 >= 0) }) else {
                throw TensorBundleError.invalid("risk: allocation_rule needs percentile in [0, 1], margin ≥ 0, "
                    + "windowSteps in 1 … 1048576 and \(Resource.count) floors (NaN or ≥ 0)")
            }
        }
    }

    private static func checkName(_ name: String, family: String) throws {
        if let violation = InputRules.nameViolation(name) {
            throw TensorBundleError.invalid("\(family): workload name: expected \(violation.expected), found \(violation.found)")
        }
    }
}
