import Forecast
import Foundation
import Models
import Store
import Testing

/// Issue 12, item 4: model files that pass the checksum but are wrong inside are refused by
/// `TrainedModels.load` (and so by `promote`, `evaluate`, `replay` and the scorer), naming
/// the file; `rollback` walks back to the most recent version that loads; a scorer starts
/// from the last good version. Real files in a real registry (SQLite file + directory).
@Suite("Model version validation")
struct ModelValidationTests {
    /// A registry in a fresh directory.
    static func registry() throws -> (ModelRegistry, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-validation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try HeadroomStore(path: directory.appendingPathComponent("store.sqlite").path)
        return (ModelRegistry(store: store, directory: directory.appendingPathComponent("models").path), directory)
    }

    /// The four family bundles of a small real version (ARIMA, LSTM, HMM, risk).
    static func bundles() throws -> [String: TensorBundle] {
        let steps = 400
        let models = try OnlineWorkloadTests.models(history: OnlineWorkloadTests.history(steps: steps), steps: steps)
        func base(_ family: String) -> TensorBundle { TensorBundle(metadata: ["kind": family, "schema_version": "1"]) }
        var arima = base(ARIMAModels.family)
        ARIMAModels.encode(models.arima["w"]!, into: &arima)
        var lstm = base(LSTMModels.family)
        LSTMModels.encode(models.lstm!, into: &lstm)
        var hmm = base(BehaviourModels.family)
        BehaviourModels.encode(Array(models.behaviour.values), into: &hmm)
        var risk = base(RiskModels.family)
        RiskModels.encode(RiskFamily(calibration: RiskCalibration(intercept: 0, rawRiskLogitCoefficient: 1, heavyPhaseCoefficient: 0),
                                     rule: AllocationRule(), horizonSteps: 12), into: &risk)
        return [ARIMAModels.family: arima, LSTMModels.family: lstm, BehaviourModels.family: hmm, RiskModels.family: risk]
    }

    /// Registers a version made of `bundles` (family → bundle) and returns its name.
    @discardableResult
    static func write(_ registry: ModelRegistry, _ bundles: [String: TensorBundle], at seconds: Double) throws -> String {
        let version = try registry.newVersionName(now: Date(timeIntervalSince1970: seconds))
        for (family, bundle) in bundles.sorted(by: { $0.key < $1.key }) {
            try registry.write(family: family, version: version, bundle: bundle, trainingFrom: 0, trainingTo: 1, metricsJSON: nil)
        }
        return version
    }

    /// Every way a file can be wrong inside while its checksum is right.
    static func corruptions() throws -> [(what: String, family: String, bundle: TensorBundle)] {
        let good = try bundles()
        var out: [(String, String, TensorBundle)] = []
        func variant(_ what: String, _ family: String, _ change: (inout TensorBundle) -> Void) {
            var b = good[family]!
            change(&b)
            out.append((what, family, b))
        }
        variant("HMM dimensions holding 2^62 (crashed evaluate and replay)", BehaviourModels.family) {
            $0.set("hmm.0.dimensions", ints: [1 << 62, 0])
        }
        variant("HMM dimensions repeated", BehaviourModels.family) { $0.set("hmm.0.dimensions", ints: [0, 0]) }
        variant("HMM observation count NaN", BehaviourModels.family) {
            $0.set("hmm.0.modeltraining", doubles: [.nan, .nan, 1])
        }
        variant("HMM transition reshaped", BehaviourModels.family) {
            $0.set("hmm.0.modeltransition_probabilities", doubles: [1, 0, 0, 1], shape: [4])
        }
        variant("NaN in an LSTM weight", LSTMModels.family) {
            var bias = (try? $0.floats("lstm.modelhead.bias")) ?? []
            bias[0] = .nan
            $0.set("lstm.modelhead.bias", floats: bias)
        }
        variant("LSTM tensor missing", LSTMModels.family) {
            var copy = TensorBundle(metadata: $0.metadata)
            for (name, tensor) in $0.tensors where name != "lstm.modellstm.weight_hh_l0" { copy.set(name, tensor) }
            $0 = copy
        }
        variant("LSTM spec with a 2^40 hidden size", LSTMModels.family) {
            $0.metadata["lstm.modelspec"] = $0.metadata["lstm.modelspec"]!
                .replacingOccurrences(of: "\"hiddenSize\":8", with: "\"hiddenSize\":1099511627776")
        }
        variant("bad metadata JSON", LSTMModels.family) { $0.metadata["workloads"] = "[\"w\"" }
        variant("ARIMA interval 0 (divided by in the online state)", ARIMAModels.family) {
            $0.metadata["series"] = $0.metadata["series"]!.replacingOccurrences(of: "\"intervalSeconds\":300", with: "\"intervalSeconds\":0")
        }
        variant("ARIMA state mean NaN", ARIMAModels.family) {
            let mean = (try? $0.doubles("arima.0.state.mean")) ?? []
            $0.set("arima.0.state.mean", doubles: mean.map { _ in .nan })
        }
        variant("ARIMA Fourier pairs of 2^62", ARIMAModels.family) {
            var r = (try? $0.ints("arima.0.regressors")) ?? []
            r[1] = 288
            r[2] = 1 << 62
            $0.set("arima.0.regressors", ints: r)
        }
        variant("risk allocation rule without floors", RiskModels.family) {
            $0.metadata["allocation_rule"] = #"{"percentile":0.95,"margin":0.2,"windowSteps":288,"floor":[]}"#
        }
        variant("risk calibration NaN", RiskModels.family) {
            $0.metadata["calibration"] = $0.metadata["calibration"]!.replacingOccurrences(of: "\"intercept\":0", with: "\"intercept\":\"nan\"")
            $0.set("risk.coefficients", doubles: [.nan, 1, 0])
        }
        // Another family's file registered as this one.
        out.append(("an HMM file registered as the LSTM", LSTMModels.family, good[BehaviourModels.family]!))
        var relabelled = good[ARIMAModels.family]!
        relabelled.metadata["kind"] = "hmm"
        out.append(("an ARIMA file whose kind says hmm", ARIMAModels.family, relabelled))
        return out
    }

    @Test("the good version loads; every file wrong inside is refused with an error naming it")
    func corruptFilesRefused() throws {
        let (registry, directory) = try Self.registry()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try Self.bundles()
        let goodVersion = try Self.write(registry, good, at: 1_000)
        let loaded = try TrainedModels.load(registry: registry, version: goodVersion)
        #expect(loaded.arima["w"]?.count == 2 && loaded.lstm != nil && loaded.behaviour["w"] != nil && loaded.risk != nil)
        var seconds = 2_000.0
        for (what, family, bundle) in try Self.corruptions() {
            var files = good
            files[family] = bundle
            let version = try Self.write(registry, files, at: seconds)
            seconds += 1
            do {
                _ = try TrainedModels.load(registry: registry, version: version)
                Issue.record("loaded a version with \(what)")
            } catch let error as ModelFileError {
                guard case .malformed(let path, _) = error else { Issue.record("\(what): expected .malformed, got \(error)"); continue }
                #expect(path.hasSuffix("\(family)/\(version)/\(family).safetensors"), "\(what): \(path)")
            } catch {
                Issue.record("\(what): expected a ModelFileError, got \(error)")
            }
            // promote with the scorer's validation refuses it and leaves the good one serving.
            try registry.promote(version: goodVersion) { try TrainedModels.validate(registry: registry, version: $0) }
            #expect(throws: ModelFileError.self, "\(what)") {
                try registry.promote(version: version) { try TrainedModels.validate(registry: registry, version: $0) }
            }
            #expect(try registry.promotedVersion() == goodVersion)
        }
    }

    @Test("rollback walks back past bad retired versions to the most recent valid one; the scorer's start does the same")
    func rollbackToLastValid() throws {
        let (registry, directory) = try Self.registry()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try Self.bundles()
        let corrupt = try Self.corruptions()[0]
        var bad = good
        bad[corrupt.family] = corrupt.bundle
        let v1 = try Self.write(registry, good, at: 1_000)
        let v2 = try Self.write(registry, bad, at: 2_000)
        let v3 = try Self.write(registry, bad, at: 3_000)
        let v4 = try Self.write(registry, good, at: 4_000)
        // Promoted in turn without validation (as an older trainer did), so v2 and v3 are retired bad versions.
        for (k, v) in [v1, v2, v3, v4].enumerated() { try registry.promote(version: v, now: Date(timeIntervalSince1970: 10_000 + Double(k))) }
        #expect(try registry.promotionHistory() == [v4, v3, v2, v1])
        let (version, refused) = try registry.rollbackReporting(now: Date(timeIntervalSince1970: 20_000)) {
            try TrainedModels.validate(registry: registry, version: $0)
        }
        #expect(version == v1)
        #expect(refused.map(\.version) == [v3, v2])
        #expect(try registry.promotedVersion() == v1)

        // A scorer starting on a bad promoted version serves the last good one.
        try registry.promote(version: v3, now: Date(timeIntervalSince1970: 30_000))
        let start = try TrainedModels.loadLastGood(registry: registry)
        #expect(start.models?.version == v1)
        #expect(start.refused.map(\.version) == [v3])   // then v1 (re-promoted at 20,000) before v2
        #expect(!start.isPromoted)
    }
}
