import Forecast
import Store

/// The typed models of one version, loaded from its verified files, and the forecasters
/// a backtest runs on them: ARIMA alone, the LSTM alone, and the candidate — per resource
/// the quantile blend (Vincentization) a·ARIMA + l·LSTM + n·naive, a + l + n = 1, over the
/// members that forecast (weights renormalised). The weights, in quarters, are chosen at
/// training time on the last three days of the training window (`CombinationWeights`).
/// Forecasts are clipped at 0: usage is never negative.
public struct TrainedModels: Sendable {
    public static let candidateName = "candidate"
    public var version: String
    public var arima: [String: [SeriesARIMA]]
    public var lstm: GlobalLSTM?
    public var behaviour: [String: BehaviourModel]
    /// The risk calibration and the allocation rule it was fitted with (nil in versions
    /// trained before it existed: the scorer then uses the raw risk).
    public var risk: RiskFamily?
    public var riskCalibration: RiskCalibration? { risk?.calibration }
    /// The candidate's weights (ARIMA, LSTM, naive) per resource (default ½, ½, 0).
    public var blendWeights: [BlendWeights] = .init(repeating: BlendWeights(arima: 0.5, lstm: 0.5, naive: 0), count: Resource.count)

    /// Loads every file of `version` and checks it as the scorer will use it: checksum,
    /// safetensors structure, the family named by the file's `kind`, tensor names and shapes,
    /// finite parameters, metadata JSON, and what the online state indexes
    /// (`TrainedModels+Validation`).
    /// - Throws: `ModelFileError` naming the file and what is wrong (`.unknownVersion` when
    ///   the version has no files).
    public static func load(registry: ModelRegistry, version: String) throws -> TrainedModels {
        let files = try registry.list().filter { $0.version == version }
        guard !files.isEmpty else { throw ModelFileError.unknownVersion(version) }
        var models = TrainedModels(version: version, arima: [:], lstm: nil, behaviour: [:])
        for file in files {
            let bundle = try registry.load(file)
            do {
                try models.add(bundle, family: file.family)
            } catch {
                throw ModelFileError.malformed(path: file.path, reason: "\(error)")
            }
        }
        return models
    }

    /// Adds one decoded file of `family` (a verified safetensors bundle), with the checks
    /// `load` runs on each file: the metadata `kind`, the family's decoding (tensor names,
    /// shapes, metadata JSON) and `checkConsistency` (finite parameters, what the online
    /// state indexes). `load` calls it per file; the fuzz targets (Fuzz/) call it on bytes.
    /// - Throws: the decoding or validation error (`load` wraps it in `ModelFileError`).
    public mutating func add(_ bundle: TensorBundle, family: String) throws {
        try Self.checkKind(bundle, family: family)
        switch family {
        case ARIMAModels.family:
            for model in try ARIMAModels.decode(bundle) { arima[model.workload, default: []].append(model) }
        case LSTMModels.family:
            lstm = try LSTMModels.decode(bundle)
            if let text = bundle.metadata[BlendWeights.metadataKey] {
                let weights: [BlendWeights] = try JSONText.decode(text)
                guard weights.count == Resource.count, weights.allSatisfy(\.isValid) else {
                    throw TensorBundleError.invalid("\(BlendWeights.metadataKey) must hold \(Resource.count) weight triples ≥ 0 summing to 1")
                }
                blendWeights = weights
            }
        case BehaviourModels.family: behaviour = try BehaviourModels.decode(bundle)
        case RiskModels.family: risk = try RiskModels.decode(bundle)
        default: return
        }
        try checkConsistency(family: family)
    }

    /// Every workload some family was trained on.
    public var trainedWorkloads: Set<String> {
        Set(arima.keys).union(lstm?.scalings.keys ?? [:].keys).union(behaviour.keys)
    }

    public func forecasters() -> [any WorkloadForecaster] {
        let shared = SharedModelForecasts(models: self)
        return [ModelView(name: "arima", kind: .arima, shared: shared), ModelView(name: "lstm", kind: .lstm, shared: shared),
                ModelView(name: Self.candidateName, kind: .blend(blendWeights), shared: shared)]
    }

    public init(version: String, arima: [String: [SeriesARIMA]], lstm: GlobalLSTM?, behaviour: [String: BehaviourModel], blendWeights: [BlendWeights] = .init(repeating: BlendWeights(arima: 0.5, lstm: 0.5, naive: 0), count: Resource.count), risk: RiskFamily? = nil) {
        self.risk = risk
        self.version = version
        self.arima = arima
        self.lstm = lstm
        self.behaviour = behaviour
        self.blendWeights = blendWeights
    }
}

/// One of the three model forecasters; the work is shared so each model runs once per origin.
public struct ModelView: WorkloadForecaster {
    public enum Kind { case arima, lstm, blend([BlendWeights]) }
    public let name: String
    public let kind: Kind
    public let shared: SharedModelForecasts

    public mutating func forecast(workload: String, series: RegularSeries, origin: Int, horizonSteps: Int, quantiles: [Double]) -> [[Double]] {
        let (a, l, n) = shared.forecasts(workload: workload, series: series, origin: origin, horizonSteps: horizonSteps, quantiles: quantiles)
        switch kind {
        case .arima: return a
        case .lstm: return l
        case .blend(let weights):
            // CPU and memory are the adaptive-window median's, as in the scorer (`OnlineWorkload`).
            let median = shared.medianForecasts(workload: workload, series: series, origin: origin, horizonSteps: horizonSteps,
                                                quantiles: quantiles)
            return (0..<Resource.count).map { r in
                if OnlineWorkload.medianResources.contains(Resource.allCases[r]), median[r].contains(where: \.isFinite) { return median[r] }
                let w = weights[r]
                return a[r].indices.map { i in w.combine(arima: a[r][i], lstm: l[r][i], naive: n[r][i]) }
            }
        }
    }

    public init(name: String, kind: Kind, shared: SharedModelForecasts) {
        self.name = name
        self.kind = kind
        self.shared = shared
    }
}

/// Runs ARIMA (advancing each series' online state) and the LSTM once per (workload,
/// origin) for the three views.
public final class SharedModelForecasts {
    public let models: TrainedModels
    private var memoKey = ""
    private var memo: ([[Double]], [[Double]], [[Double]]) = ([], [], [])
    /// The candidate's naive member, refreshed as the scorer's (`OnlineWorkload`).
    private var naive = PerResourceForecaster(atInterval: { OnlineWorkload.naiveForecaster(intervalSeconds: $0) })
    // ARIMA online states per resource for the current workload/grid.
    private var arimaKey = ""
    private var arimaStates: [Int: (state: ARIMAState, fedThrough: Int)] = [:]
    // LSTM features of the current workload/grid.
    private var lstmKey = ""
    private var lstmSeries: LSTMWorkloadSeries?
    /// History an ARIMA state is warmed on when (re)started: one week.
    public static let arimaWarmup: Duration = .seconds(7 * 86_400)

    /// `arimaWarmup` on a grid of `intervalSeconds` (2,016 steps at 300 s), at most
    /// `OnlineWorkload.naiveWindowStepCap` (the scorer's state keeps no longer window; each
    /// (re)start filters that many steps per resource, 604,800 at 1-second sampling).
    public static func arimaWarmupSteps(intervalSeconds: Int64) -> Int {
        arimaWarmup.steps(atIntervalSeconds: intervalSeconds, cap: OnlineWorkload.naiveWindowStepCap)
    }

    // Adaptive-window medians per resource for the current workload/grid.
    private var medianKey = ""
    private var medianStates: [Int: (state: AdaptiveWindowMedian, fedThrough: Int)] = [:]

    public init(models: TrainedModels) { self.models = models }

    /// The adaptive-window median's quantiles (`OnlineWorkload.medianResources` only; NaN
    /// elsewhere and at levels other than 0.5, 0.9, 0.99), its state fed every step up to the origin.
    public func medianForecasts(workload: String, series: RegularSeries, origin: Int, horizonSteps: Int, quantiles: [Double]) -> [[Double]] {
        let gridKey = "\(workload)|\(series.startTimestamp)|\(series.steps)|\(horizonSteps)"
        if gridKey != medianKey { medianKey = gridKey; medianStates = [:] }
        var out = [[Double]](repeating: .init(repeating: .nan, count: horizonSteps * quantiles.count), count: Resource.count)
        for resource in OnlineWorkload.medianResources {
            let r = resource.rawValue
            var entry = medianStates[r] ?? (AdaptiveWindowMedian(horizon: horizonSteps), -1)
            if entry.fedThrough > origin { entry = (AdaptiveWindowMedian(horizon: horizonSteps), -1) }
            if entry.fedThrough < origin {
                for k in (entry.fedThrough + 1)...origin { entry.state.update(series.values[k * Resource.count + r]) }
                entry.fedThrough = origin
            }
            medianStates[r] = entry
            guard entry.state.isWarm else { continue }   // as the scorer: the blend until warm
            for h in 0..<horizonSteps {
                for (j, level) in quantiles.enumerated() {
                    if let q = entry.state.quantile(step: h, level: level) { out[r][h * quantiles.count + j] = q }
                }
            }
        }
        return out
    }

    public func forecasts(workload: String, series: RegularSeries, origin: Int, horizonSteps: Int,
                   quantiles: [Double]) -> ([[Double]], [[Double]], [[Double]]) {
        let key = "\(workload)|\(series.startTimestamp)|\(series.steps)|\(origin)|\(horizonSteps)|\(quantiles)"
        if key == memoKey { return memo }
        let empty = [Double](repeating: .nan, count: horizonSteps * quantiles.count)
        var arima = [[Double]](repeating: empty, count: Resource.count)
        var lstm = arima
        let gridKey = "\(workload)|\(series.startTimestamp)|\(series.steps)"
        // ARIMA: advance (or warm up) each resource's state to the origin.
        if gridKey != arimaKey { arimaKey = gridKey; arimaStates = [:] }
        for model in models.arima[workload] ?? [] where model.intervalSeconds == series.intervalSeconds {
            let r = model.resource.rawValue
            if var entry = arimaStates[r], entry.fedThrough <= origin {
                if entry.fedThrough < origin {
                    for k in (entry.fedThrough + 1)...origin { entry.state.update(series.values[k * Resource.count + r]) }
                }
                entry.fedThrough = origin
                arimaStates[r] = entry
            } else {
                let start = max(0, origin - Self.arimaWarmupSteps(intervalSeconds: series.intervalSeconds) + 1)
                let firstStep = Int((series.timestamp(ofStep: start) - model.firstTimestamp) / model.intervalSeconds)
                let window = (start...origin).map { series.values[$0 * Resource.count + r] }
                arimaStates[r] = (model.fitted.filter(window, firstStep: firstStep), origin)
            }
            let q = arimaStates[r]!.state.quantiles(horizon: horizonSteps, probabilities: quantiles)
            arima[r] = q.flatMap { $0.map { $0.isFinite ? max(0, $0) : .nan } }
        }
        // LSTM: the window of features ending at the origin.
        if let global = models.lstm, global.model.spec.horizonSteps >= horizonSteps, global.model.spec.quantiles == quantiles {
            if gridKey != lstmKey {
                lstmKey = gridKey
                // Known workloads use their training scaling; new ones derive theirs from the
                // history before this first origin (never from the future).
                let scaling = global.scalings[workload] ?? LSTMWorkloadScaling(
                    values: Array(series.values[0..<((origin + 1) * Resource.count)]), limits: limits(workload))
                lstmSeries = try? LSTMModels.workloadSeries(name: workload, series: series, limits: limits(workload), scaling: scaling)
            }
            let spec = global.model.spec
            if let s = lstmSeries, origin + 1 >= spec.windowSteps {
                let width = s.featureWidth
                let window = Array(s.features[((origin + 1 - spec.windowSteps) * width)..<((origin + 1) * width)])
                let values = global.model.predict(window: window).unscaled(by: s.scaling)
                let nq = quantiles.count
                for r in 0..<Resource.count where r < spec.outputResources {
                    lstm[r] = (0..<horizonSteps).flatMap { h in
                        (0..<nq).map { j in max(0, values[(h * spec.outputResources + r) * nq + j]) }
                    }
                }
            }
        }
        let naiveForecast = naive.forecast(workload: workload, series: series, origin: origin, horizonSteps: horizonSteps, quantiles: quantiles)
        memoKey = key
        memo = (arima, lstm, naiveForecast.map { $0.map { $0.isFinite ? max(0, $0) : .nan } })
        return memo
    }

    /// Limits are not part of the model files; new workloads fall back to their history.
    private func limits(_ workload: String) -> [Double] { [Double](repeating: .nan, count: Resource.count) }
}

/// One resource's candidate weights: ARIMA, LSTM and naive, each ≥ 0, summing to 1.
public struct BlendWeights: Codable, Equatable, Sendable {
    /// Metadata key of the LSTM file holding the candidate's weights (JSON, one triple per resource).
    public static let metadataKey = "combination_weights"

    public var arima: Double
    public var lstm: Double
    public var naive: Double

    public var isValid: Bool { [arima, lstm, naive].allSatisfy { $0 >= 0 && $0 <= 1 } && abs(arima + lstm + naive - 1) < 1e-9 }

    /// The weighted mean of the members that forecast (weights renormalised over them);
    /// when none with weight forecasts, the first that does of naive, ARIMA, LSTM.
    ///
    /// Naive first: that case is mostly a workload never trained on (no ARIMA of its own)
    /// whose blend weighs ARIMA alone. The LSTM then served alone, and on Google 2011's
    /// day-long jobs never trained on its memory p50 had 13× naive's scaled error
    /// (`bench/risk/families.sh`, EVALUATION.md); alone it is the weakest member on Bitbrains
    /// too (`evaluate`'s median-series MASE, for context: LSTM 1.09, naive 0.94).
    public func combine(arima a: Double, lstm l: Double, naive n: Double) -> Double {
        var sum = 0.0, total = 0.0
        if a.isFinite, arima > 0 { sum += arima * a; total += arima }
        if l.isFinite, lstm > 0 { sum += lstm * l; total += lstm }
        if n.isFinite, naive > 0 { sum += naive * n; total += naive }
        if total > 0 { return sum / total }
        return n.isFinite ? n : (a.isFinite ? a : l)
    }

    /// Every triple in quarters: 15 of them.
    public static let grid: [BlendWeights] = (0...4).flatMap { a in (0...(4 - a)).map { l in
        BlendWeights(arima: Double(a) / 4, lstm: Double(l) / 4, naive: Double(4 - a - l) / 4)
    } }

    public init(arima: Double, lstm: Double, naive: Double) {
        self.arima = arima
        self.lstm = lstm
        self.naive = naive
    }
}
