import Decisions
import Models
import Forecast
import Foundation
import Store

/// The nightly job: fits ARIMA per workload and resource, an HMM per workload and the
/// global LSTM on the window before `until`, then writes one versioned file per family.
///
/// Interruptible: finished pieces (each workload's ARIMA and HMM models, the LSTM after
/// every epoch) are saved under `<models>/.work/<profile>-<until>/` as they finish; a
/// second run with the same `--until` and profile resumes from them. The work folder is
/// removed once the version is registered.
///
/// Sharded (`train --shard i/n --version V`, issue 15): each shard fits the per-workload
/// models (ARIMA, HMM) of the workloads it owns (`WorkloadShard`: a stable hash of the name)
/// and saves them as part i of n of version V under `<models>/parts/V/`; `train --merge V`
/// checks that every part is in and agrees, fits the global parts (the LSTM, the blend
/// weights, the risk model and sizing tables) and registers V exactly as an unsharded run
/// would (same files, same models: an HMM's seed is the workload's place among all the
/// run's workloads, whichever shard fits it). Until the merge, V is not in the registry, so
/// it cannot be promoted.
struct TrainingRun {
    let registry: ModelRegistry
    let profile: TrainingProfile
    let until: Int64
    /// Only these workloads (nil: all).
    let workloads: Set<String>?
    let progress: Bool
    let log: (String) -> Void
    /// This run's shard and the version its part belongs to (`runShard`); nil for a whole run.
    var shard: (shard: WorkloadShard, version: String)? = nil
    /// Match the predictive policy's default knobs to the VPA's slack (`KnobCalibrationStep`);
    /// false: the version keeps the policy's fixed default (`train --no-knob-calibration`).
    var calibrateKnobs = true
    /// Opens a store connection per replay thread of the knob calibration (nil: one thread).
    var openStore: (@Sendable () throws -> HeadroomStore)? = nil

    /// The end of the training window the blend weights are chosen on and the risk is
    /// calibrated on: three days (one day proved too noisy a judge), each workload's on its
    /// own grid (864 steps of 5-minute data).
    static let validation: Duration = .seconds(3 * 86_400)

    struct Manifest: Codable {
        var version: String
        var from: Int64
        var until: Int64
        var profile: String
    }

    struct Outcome {
        var version: String
        var files: [ModelVersionRecord]
        var workloads: Int
        var arimaSeries: Int
        var arimaSkipped: Int
        var hmmWorkloads: Int
        var hmmSkipped: Int
        var lstmEvaluation: LSTMEvaluation?
        var risk: RiskCalibrationFit.Outcome
        var resumed: Bool
    }

    var workDirectory: URL {
        let subset = workloads.map { "-" + String(UInt64(bitPattern: Int64($0.sorted().joined(separator: ",").utf8.reduce(5381) { ($0 &* 33) &+ Int($1) })), radix: 36) } ?? ""
        let part = shard.map { "-\($0.version)-shard-\($0.shard.index)-of-\($0.shard.count)" } ?? ""
        return registry.directory.appendingPathComponent(".work/\(profile.name)-\(until)\(subset)\(part)", isDirectory: true)
    }

    /// What one shard did (`runShard`).
    struct ShardOutcome {
        var version: String
        var shard: WorkloadShard
        var workloads: Int
        var arimaSeries: Int
        var arimaSkipped: Int
        var hmmWorkloads: Int
        var hmmSkipped: Int
        var parts: [String]
    }

    /// The per-workload models of some workloads.
    struct PerWorkloadModels {
        var arima: [SeriesARIMA] = []
        var arimaSkipped = 0
        var behaviour: [BehaviourModel] = []
        var hmmSkipped = 0
    }

    func run(fresh: Bool) throws -> Outcome {
        let fm = FileManager.default
        if fresh { try? fm.removeItem(at: workDirectory) }
        try fm.createDirectory(at: workDirectory.appendingPathComponent("arima"), withIntermediateDirectories: true)
        try fm.createDirectory(at: workDirectory.appendingPathComponent("hmm"), withIntermediateDirectories: true)
        let manifestURL = workDirectory.appendingPathComponent("manifest.json")
        let from = until - Int64(profile.windowDays) * 86_400
        var resumed = false
        let manifest: Manifest
        if let data = fm.contents(atPath: manifestURL.path), let existing = try? JSONDecoder().decode(Manifest.self, from: data) {
            manifest = existing
            resumed = true
            log("resuming training run \(existing.version) from \(workDirectory.path)")
        } else {
            manifest = Manifest(version: try registry.newVersionName(), from: from, until: until, profile: profile.name)
            try ModelRegistry.atomicWrite(Array(JSONText.encode(manifest).utf8), to: manifestURL)
        }
        let histories = try TrainingData.load(store: registry.store, from: manifest.from, until: manifest.until, only: workloads)
        guard !histories.isEmpty else {
            throw ValidationFailure("no samples between \(TimestampParser.iso8601(manifest.from)) and \(TimestampParser.iso8601(manifest.until)); import data or change --until")
        }
        log("training \(manifest.version) (\(profile.name)) on \(histories.count) workloads, \(TimestampParser.iso8601(manifest.from)) … \(TimestampParser.iso8601(manifest.until))")
        let fitted = try fitPerWorkload(histories, seeds: histories.indices.map { 42 &+ UInt64($0) })
        return try finish(manifest: manifest, histories: histories, fitted: fitted, resumed: resumed)
    }

    /// ARIMA and the HMM of each workload of `histories` (`seeds[i]` seeds history i's HMM),
    /// each saved in the work folder as it finishes and read back from there on a resume.
    func fitPerWorkload(_ histories: [WorkloadHistory], seeds: [UInt64]) throws -> PerWorkloadModels {
        let fm = FileManager.default
        var arima: [SeriesARIMA] = []
        var arimaSkipped = 0
        // ARIMA, one workload at a time, saved as it finishes.
        let arimaLine = ProgressLine(enabled: progress, label: "arima")
        let arimaStart = Date()
        var fittedNow = 0
        for (i, history) in histories.enumerated() {
            let piece = workDirectory.appendingPathComponent("arima/\(i).safetensors")
            if let bundle = try? Safetensors.decode([UInt8](fm.contents(atPath: piece.path) ?? Data())),
               bundle.metadata["workload"] == history.name {
                arima += try ARIMAModels.decode(bundle)
                arimaSkipped += Int(bundle.metadata["skipped"] ?? "0") ?? 0
                continue
            }
            let (models, skipped) = ARIMAModels.fit(history, settings: profile.arima)
            for (resource, reason) in skipped { log("arima: \(history.name) \(resource.snakeCaseName): skipped: \(reason)") }
            var bundle = TensorBundle(metadata: ["workload": history.name, "skipped": String(skipped.count)])
            ARIMAModels.encode(models, into: &bundle)
            try ModelRegistry.atomicWrite(Safetensors.encode(bundle), to: piece)
            arima += models
            arimaSkipped += skipped.count
            fittedNow += models.count + skipped.count
            let elapsed = Date().timeIntervalSince(arimaStart)
            arimaLine.update("\(i + 1)/\(histories.count) workloads, \(String(format: "%.1f", Double(fittedNow) / max(elapsed, 1e-9))) series/s",
                             fraction: Double(i + 1) / Double(histories.count))
        }
        log("arima: \(arima.count) series fitted, \(arimaSkipped) skipped")

        // HMM per workload.
        var behaviour: [BehaviourModel] = []
        var hmmSkipped = 0
        let hmmLine = ProgressLine(enabled: progress, label: "hmm")
        for (i, history) in histories.enumerated() {
            let piece = workDirectory.appendingPathComponent("hmm/\(i).safetensors")
            if let bundle = try? Safetensors.decode([UInt8](fm.contents(atPath: piece.path) ?? Data())),
               bundle.metadata["workload"] == history.name {
                if bundle.metadata["skipped"] == "1" { hmmSkipped += 1 } else { behaviour += try BehaviourModels.decode(bundle).values }
                continue
            }
            var bundle = TensorBundle(metadata: ["workload": history.name])
            switch BehaviourModels.fit(history, settings: profile.hmm, seed: seeds[i]) {
            case .success(let model):
                BehaviourModels.encode([model], into: &bundle)
                behaviour.append(model)
            case .failure(let reason):
                log("hmm: \(history.name): skipped: \(reason)")
                bundle.metadata["skipped"] = "1"
                hmmSkipped += 1
            }
            try ModelRegistry.atomicWrite(Safetensors.encode(bundle), to: piece)
            hmmLine.update("\(i + 1)/\(histories.count) workloads", fraction: Double(i + 1) / Double(histories.count))
        }
        log("hmm: \(behaviour.count) workloads, \(hmmSkipped) skipped")

        return PerWorkloadModels(arima: arima, arimaSkipped: arimaSkipped, behaviour: behaviour, hmmSkipped: hmmSkipped)
    }

    /// The global parts over every workload's history and the per-workload models, then the
    /// version's four files and registry rows; the work folder is removed.
    func finish(manifest: Manifest, histories: [WorkloadHistory], fitted: PerWorkloadModels, resumed: Bool) throws -> Outcome {
        let fm = FileManager.default
        let (arima, arimaSkipped, behaviour, hmmSkipped) = (fitted.arima, fitted.arimaSkipped, fitted.behaviour, fitted.hmmSkipped)
        // The global LSTM, checkpointed every epoch.
        let lstm = try trainLSTM(histories)

        // The candidate's blend weights, on the last three days of the window.
        var byWorkload: [String: [SeriesARIMA]] = [:]
        for model in arima { byWorkload[model.workload, default: []].append(model) }
        let weights = CombinationWeights.choose(
            histories: histories, models: TrainedModels(version: manifest.version, arima: byWorkload, lstm: lstm, behaviour: [:]),
            validation: Self.validation, horizonSteps: profile.lstm.horizonSteps, quantiles: profile.lstm.quantiles)
        log("candidate: weights (arima/lstm/naive) per resource \(zip(Resource.allCases, weights).map { "\($0.snakeCaseName)=\($1.arima)/\($1.lstm)/\($1.naive)" }.joined(separator: " "))")

        // The risk calibration, on the same last three days, through the scorer's own path.
        var behaviourByWorkload: [String: BehaviourModel] = [:]
        for model in behaviour { behaviourByWorkload[model.workload] = model }
        let risk = try RiskCalibrationFit.fit(
            histories: histories,
            models: TrainedModels(version: manifest.version, arima: byWorkload, lstm: lstm, behaviour: behaviourByWorkload, blendWeights: weights),
            horizonSteps: profile.lstm.horizonSteps, levels: profile.lstm.quantiles, validation: Self.validation)
        let c = risk.family.calibration
        log("risk: calibration on \(risk.samples) ticks (\(risk.breaches) breaches)\(c.isFallback ? ", fallback to the raw risk: \(c.fallbackReason ?? "")" : ""): "
            + "b0 \(String(format: "%.3f", c.intercept)), b1 \(String(format: "%.3f", c.rawRiskLogitCoefficient)), b2 \(String(format: "%.3f", c.heavyPhaseCoefficient)); "
            + "Brier raw \(String(format: "%.4f", risk.rawBrier)) → calibrated \(String(format: "%.4f", risk.calibratedBrier))")

        // The learned risk: trees on the event itself, over weeks of history before `until`.
        var riskFamily = risk.family
        var learnedMetrics: [String: Double] = [:]
        do {
            let learned = try LearnedRiskTraining(store: registry.store, until: manifest.until, workloads: histories.map(\.record),
                                                  horizonSteps: profile.lstm.horizonSteps, spec: profile.learnedRisk).fit(log: log)
            riskFamily.learned = learned.risk
            learnedMetrics = ["learned_training_ticks": Double(learned.trainingRows), "learned_calibration_ticks": Double(learned.calibrationRows),
                              "learned_calibration_auc": learned.calibrationAUC, "simple_calibration_auc": learned.simpleAUC,
                              "learned_calibration_brier_skill": learned.calibrationBrierSkill ?? .nan]
        } catch let error as LearnedRiskFit.FitError {
            log("risk: no learned model (\(error)); the calibrated forecast risk serves")
        }
        // The predictive policy's memory and CPU tables, over the same weeks.
        let sizingTraining = LearnedRiskTraining(store: registry.store, until: manifest.until, workloads: histories.map(\.record),
                                                 horizonSteps: profile.lstm.horizonSteps)
        let tables = try sizingTraining.sizingTables()
        let table = tables.memory
        let rows = table.counts.reduce(0, +)
        if rows > 0 {
            riskFamily.memoryTable = table
            learnedMetrics["memory_table_rows"] = rows
            log("risk: memory table on \(Int(rows)) future samples, \(table.counts.filter { $0 > 0 }.count) of \(MemoryRiskTable.binCount) bins filled")
        } else {
            log("risk: no memory table (no workload has an hour of memory history after its warm-up, at least a day); the predictive policy uses its margin")
        }
        let cpuRows = tables.cpu.counts.reduce(0, +)
        if cpuRows > 0 {
            riskFamily.cpuTable = tables.cpu
            learnedMetrics["cpu_table_rows"] = cpuRows
            log("risk: CPU table on \(Int(cpuRows)) future samples, \(tables.cpu.counts.filter { $0 > 0 }.count) of \(CPURiskTable.binCount) bins filled")
        } else {
            log("risk: no CPU table (no workload has an hour of CPU history after its warm-up, at least a day); the predictive policy uses its CPU margin")
        }

        // The predictive policy's default knobs, at the VPA's slack over the window's last week.
        if calibrateKnobs {
            let step = KnobCalibrationStep(
                store: registry.store, openStore: openStore,
                models: TrainedModels(version: manifest.version, arima: byWorkload, lstm: lstm, behaviour: behaviourByWorkload,
                                      blendWeights: weights, risk: riskFamily),
                workloads: histories.map(\.name),
                windowStart: max(manifest.from, histories.map(\.series.startTimestamp).min() ?? manifest.from), until: manifest.until)
            do {
                let defaults = try step.run()
                riskFamily.predictiveDefaults = defaults
                learnedMetrics["predictive_default_cpu_knob"] = defaults.cpu
                learnedMetrics["predictive_default_memory_knob"] = defaults.memory
                let sampled = KnobCalibrationStep.sample(histories.map(\.name)).count
                log(KnobCalibrationStep.describe(defaults) + (sampled < histories.count ? " on \(sampled) of the \(histories.count) workloads" : ""))
            } catch {
                log("predictive: default knobs not calibrated (\(error)); the fixed default \(ReplayPolicy.predictive.knob!.defaultValue) serves")
            }
        }

        // Files and registry rows.
        let hyper = JSONText.encode(profile)
        func metadata(_ family: String, _ metrics: String) -> [String: String] {
            ["kind": family, "schema_version": "1", "model_version": manifest.version,
             "training_from": TimestampParser.iso8601(manifest.from), "training_to": TimestampParser.iso8601(manifest.until),
             "hyperparameters": hyper, "validation_metrics": metrics]
        }
        var files: [ModelVersionRecord] = []
        let arimaMetrics = JSONText.encode(["series": Double(arima.count), "skipped": Double(arimaSkipped),
                                            "mean_aicc": arima.map(\.fitted.aicc).filter(\.isFinite).reduce(0, +) / Double(max(arima.count, 1))])
        var arimaBundle = TensorBundle(metadata: metadata(ARIMAModels.family, arimaMetrics))
        ARIMAModels.encode(arima, into: &arimaBundle)
        files.append(try registry.write(family: ARIMAModels.family, version: manifest.version, bundle: arimaBundle,
                                        trainingFrom: manifest.from, trainingTo: manifest.until, metricsJSON: arimaMetrics))
        let hmmMetrics = JSONText.encode(["workloads": Double(behaviour.count), "skipped": Double(hmmSkipped)])
        var hmmBundle = TensorBundle(metadata: metadata(BehaviourModels.family, hmmMetrics))
        BehaviourModels.encode(behaviour, into: &hmmBundle)
        files.append(try registry.write(family: BehaviourModels.family, version: manifest.version, bundle: hmmBundle,
                                        trainingFrom: manifest.from, trainingTo: manifest.until, metricsJSON: hmmMetrics))
        let lstmMetrics = lstm.evaluation.map { JSONText.encode($0, snakeCase: true) } ?? "{}"
        var lstmBundle = TensorBundle(metadata: metadata(LSTMModels.family, lstmMetrics))
        lstmBundle.metadata[CombinationWeights.metadataKey] = JSONText.encode(weights)
        LSTMModels.encode(lstm, into: &lstmBundle)
        files.append(try registry.write(family: LSTMModels.family, version: manifest.version, bundle: lstmBundle,
                                        trainingFrom: manifest.from, trainingTo: manifest.until, metricsJSON: lstmMetrics))
        let riskMetrics = JSONText.encode(["samples": Double(risk.samples), "breaches": Double(risk.breaches),
                                           "brier_raw": risk.rawBrier, "brier_calibrated": risk.calibratedBrier]
                                            .merging(learnedMetrics.filter { $0.value.isFinite }) { a, _ in a })
        var riskBundle = TensorBundle(metadata: metadata(RiskModels.family, riskMetrics))
        RiskModels.encode(riskFamily, into: &riskBundle)
        files.append(try registry.write(family: RiskModels.family, version: manifest.version, bundle: riskBundle,
                                        trainingFrom: manifest.from, trainingTo: manifest.until, metricsJSON: riskMetrics))
        try? fm.removeItem(at: workDirectory)
        return Outcome(version: manifest.version, files: files, workloads: histories.count, arimaSeries: arima.count,
                       arimaSkipped: arimaSkipped, hmmWorkloads: behaviour.count, hmmSkipped: hmmSkipped,
                       lstmEvaluation: lstm.evaluation, risk: risk, resumed: resumed)
    }

    private func trainLSTM(_ histories: [WorkloadHistory]) throws -> GlobalLSTM {
        let spec = profile.lstm
        var series: [LSTMWorkloadSeries] = []
        var scalings: [String: LSTMWorkloadScaling] = [:]
        for history in histories {
            let s = try LSTMModels.workloadSeries(name: history.name, series: history.series, limits: history.limits)
            series.append(s)
            scalings[history.name] = s.scaling
        }
        let dataset = try LSTMDataset(series: series, windowSteps: spec.windowSteps, horizonSteps: spec.horizonSteps)
        let checkpointURL = workDirectory.appendingPathComponent("lstm-checkpoint.safetensors")
        var resume: LSTMTrainingState?
        if let data = FileManager.default.contents(atPath: checkpointURL.path),
           let bundle = try? Safetensors.decode([UInt8](data)) {
            resume = try? LSTMTrainingState(from: bundle, prefix: "lstm")
            if let resume { log("lstm: resuming after epoch \(resume.epochsCompleted)") }
        }
        let line = ProgressLine(enabled: progress, label: "lstm")
        let started = Date()
        let log = self.log
        let result = try LSTMTrainer.fit(
            spec: spec, dataset: dataset, resumingFrom: resume,
            progress: { report in
                let elapsed = Date().timeIntervalSince(started)
                line.update("epoch \(report.epoch)/\(spec.maxEpochs), train loss \(String(format: "%.4f", report.trainLoss)), validation \(String(format: "%.4f", report.validationLoss))",
                            fraction: Double(report.epoch) / Double(spec.maxEpochs))
                _ = elapsed
            },
            checkpoint: { state in
                var bundle = TensorBundle()
                state.encode(into: &bundle, prefix: "lstm")
                do { try ModelRegistry.atomicWrite(Safetensors.encode(bundle), to: checkpointURL) } catch {
                    log("lstm: could not save a checkpoint: \(error)")
                }
            })
        log("lstm: \(result.history.count) epochs, best epoch \(result.bestEpoch)\(result.stoppedEarly ? " (stopped early)" : ""), \(dataset.count) windows")
        let (_, validation) = dataset.splitLatest(fraction: spec.validationFraction)
        let evaluation = validation.isEmpty ? nil : result.model.evaluate(validation, maxWindows: spec.maxValidationWindows)
        return GlobalLSTM(model: result.model, scalings: scalings, evaluation: evaluation)
    }
}
