import Forecast
import Store

/// The HMM family of a version: one behaviour model per workload, over its usage scaled
/// like the LSTM's inputs (by the limit, or by the 99th percentile of its own history when
/// it has none), so the heavy-state rule "mean ≥ 0.8" means "at 80 % of the limit".
/// A workload with execution-trace events in its training window also emits one trace
/// symbol per step (`TraceSymbols`): the HMM is then `.product(symbols:dimension:)`, and
/// a phase symbol that historically precedes heavy use raises the heavy-phase probability
/// before the usage does.
public struct BehaviourModel: Sendable {
    public var workload: String
    /// Resource indices used as observation dimensions (measured in most steps).
    public var dimensions: [Int]
    public var scaling: LSTMWorkloadScaling
    public var hmm: FittedHMM
    /// The trace-symbol alphabet (`TraceSymbols.vocabulary`, `other` last) when the model
    /// emits symbols; nil for a usage-only model.
    public var vocabulary: [String]?

    /// Positions (within `dimensions`) of the resources that count for "heavy": those
    /// with a real limit; all of them when none has one.
    public static func watched(dimensions: [Int], scaling: LSTMWorkloadScaling) -> [Int] {
        let limited = dimensions.indices.filter { scaling.sources[dimensions[$0]] == .limit }
        return limited.isEmpty ? Array(dimensions.indices) : limited
    }

    public var watchedResources: [Int] { Self.watched(dimensions: dimensions, scaling: scaling).map { dimensions[$0] } }

    /// Scaled observation of grid step `k` (NaN where not measured: the filter skips it),
    /// with the step's trace symbol when the model has a vocabulary (`symbol` nil, or a
    /// usage-only model: no symbol, which the filter marginalises).
    public func observation(_ series: RegularSeries, step k: Int, symbol: String? = nil) -> HMMObservation {
        HMMObservation(symbol: symbolIndex(symbol),
                       values: dimensions.map { r in scaling.scaled(series.values[k * Resource.count + r], resource: r) })
    }

    /// The index the HMM uses for trace symbol `symbol` (`other` for one outside the
    /// vocabulary); nil when `symbol` is nil or the model emits no symbols.
    public func symbolIndex(_ symbol: String?) -> Int32? {
        guard let vocabulary else { return nil }
        return TraceSymbols.index(of: symbol, in: vocabulary)
    }

    public init(workload: String, dimensions: [Int], scaling: LSTMWorkloadScaling, hmm: FittedHMM, vocabulary: [String]? = nil) {
        precondition(vocabulary.map { $0.count == hmm.emission.symbolCount } ?? !hmm.emission.hasSymbols,
                     "BehaviourModel: a vocabulary of \(vocabulary?.count ?? 0) symbols for \(hmm.emission)")
        self.workload = workload
        self.dimensions = dimensions
        self.scaling = scaling
        self.hmm = hmm
        self.vocabulary = vocabulary
    }
}

public enum BehaviourModels {
    public static let family = "hmm"

    public struct Settings: Codable, Sendable {
        /// Candidate numbers of states, chosen by BIC.
        public var minimumStates: Int
        public var maximumStates: Int
        public var maxIterations: Int
        /// Most recent steps used per workload: a step count by design (it bounds Baum–Welch's
        /// cost, O(K²) per step per iteration, which is what a profile budgets), stored with
        /// the model's hyperparameters as fitted.
        public var historySteps: Int
        public var heavyThreshold: Double
        /// Trace-symbol vocabulary size before `other`; nil means
        /// `TraceSymbols.defaultMaximumSymbols` (optional so older settings still decode).
        public var maximumTraceSymbols: Int?

        public init(minimumStates: Int, maximumStates: Int, maxIterations: Int, historySteps: Int, heavyThreshold: Double,
                    maximumTraceSymbols: Int? = nil) {
            self.minimumStates = minimumStates
            self.maximumStates = maximumStates
            self.maxIterations = maxIterations
            self.historySteps = historySteps
            self.heavyThreshold = heavyThreshold
            self.maximumTraceSymbols = maximumTraceSymbols
        }
    }

    /// Fits one workload; nil (with the reason) when it has too little data.
    ///
    /// When `history.stepSymbols` holds at least two different symbols in the window used,
    /// the HMM emits a symbol per step as well as the usage (`.product`), over the
    /// vocabulary of the window's most frequent symbols; otherwise it is usage-only.
    public static func fit(_ history: WorkloadHistory, settings: Settings, seed: UInt64) -> Result<BehaviourModel, TrainingSkip> {
        let window = max(0, history.series.steps - settings.historySteps)..<history.series.steps
        let series = history.series.slice(window)
        let stepSymbols = history.stepSymbols.map { Array($0[window]) }
        let vocabulary: [String]? = stepSymbols.flatMap { symbols in
            Set(symbols).count >= 2
                ? TraceSymbols.vocabulary(symbols, maximumSymbols: settings.maximumTraceSymbols ?? TraceSymbols.defaultMaximumSymbols)
                : nil
        }
        let scaling = LSTMWorkloadScaling(values: series.values, limits: history.limits)
        let n = series.steps
        // Dimensions measured in at least half the steps.
        let dimensions = Resource.allCases.map(\.rawValue).filter { r in
            (0..<n).filter { series.values[$0 * Resource.count + r].isFinite }.count * 2 >= n
        }
        guard !dimensions.isEmpty else { return .failure(TrainingSkip("no resource is measured in half the steps")) }
        // Split into sequences at steps where a watched value is missing.
        var sequences: [HMMSequence] = []
        var current: [Double] = []
        var currentSymbols: [Int32] = []
        func close() {
            if current.count / dimensions.count >= 2 {
                sequences.append(vocabulary == nil ? HMMSequence(values: current, dimension: dimensions.count)
                                                   : HMMSequence(symbols: currentSymbols, values: current, dimension: dimensions.count))
            }
            current = []
            currentSymbols = []
        }
        for k in 0..<n {
            let row = dimensions.map { scaling.scaled(series.values[k * Resource.count + $0], resource: $0) }
            if row.allSatisfy(\.isFinite) {
                current += row
                if let vocabulary, let stepSymbols { currentSymbols.append(TraceSymbols.index(of: stepSymbols[k], in: vocabulary)!) }
            } else {
                close()
            }
        }
        close()
        guard !sequences.isEmpty else { return .failure(TrainingSkip("no two consecutive complete steps")) }
        let emission: HMMEmissionKind = vocabulary.map { .product(symbols: $0.count, dimension: dimensions.count) }
            ?? .gaussian(dimension: dimensions.count)
        let spec = HMMSpec(states: settings.minimumStates, emission: emission,
                           maxIterations: settings.maxIterations, seed: seed,
                           heavyStateRule: .meanAbove(threshold: settings.heavyThreshold,
                                                      dimensions: BehaviourModel.watched(dimensions: dimensions, scaling: scaling)))
        var generator = SeededGenerator(seed: seed)
        do {
            let selection = try HMM.selectStates(sequences, candidates: settings.minimumStates...settings.maximumStates,
                                                 spec: spec, generator: &generator)
            return .success(BehaviourModel(workload: history.name, dimensions: dimensions, scaling: scaling, hmm: selection.best,
                                           vocabulary: vocabulary))
        } catch {
            return .failure(TrainingSkip(error.description))
        }
    }

    /// The metadata key of the trace vocabularies: a JSON object from workload name to its
    /// symbols (`other` last), for the models that emit symbols. Absent in files written
    /// before trace symbols existed, whose models are all usage-only.
    public static let vocabulariesKey = "trace_vocabularies"

    /// Writes the models into one bundle: `hmm.<i>.*` tensors, workload names and trace
    /// vocabularies in the metadata.
    public static func encode(_ models: [BehaviourModel], into bundle: inout TensorBundle) {
        for (i, model) in models.enumerated() {
            let prefix = "hmm.\(i)"
            model.hmm.encode(into: &bundle, prefix: prefix + ".model")
            bundle.set(prefix + ".dimensions", ints: model.dimensions.map(Int64.init))
            ScalingCodec.encode(model.scaling, into: &bundle, prefix: prefix)
        }
        bundle.metadata["workloads"] = JSONText.encode(models.map(\.workload))
        var vocabularies: [String: [String]] = [:]
        for model in models { if let v = model.vocabulary { vocabularies[model.workload] = v } }
        if !vocabularies.isEmpty { bundle.metadata[vocabulariesKey] = JSONText.encode(vocabularies) }
    }

    public static func decode(_ bundle: TensorBundle) throws -> [String: BehaviourModel] {
        let names: [String] = try JSONText.decode(bundle.meta("workloads"))
        let vocabularies: [String: [String]] = try bundle.metadata[vocabulariesKey].map { try JSONText.decode($0) } ?? [:]
        var out: [String: BehaviourModel] = [:]
        for (i, name) in names.enumerated() {
            let prefix = "hmm.\(i)"
            let hmm = try FittedHMM(from: bundle, prefix: prefix + ".model")
            let vocabulary = vocabularies[name]
            guard (vocabulary?.count ?? 0) == hmm.emission.symbolCount, vocabulary.map({ $0.last == TraceSymbols.other }) ?? true else {
                throw TensorBundleError.invalid("\(prefix) (\(name)): the HMM emits \(hmm.emission.symbolCount) symbols but "
                    + "\(vocabulariesKey) lists \(vocabulary?.count ?? 0) ending in \"\(vocabulary?.last ?? "")\" (expected \"other\" last); the file is inconsistent, retrain")
            }
            out[name] = BehaviourModel(workload: name, dimensions: try bundle.ints(prefix + ".dimensions").map(Int.init),
                                       scaling: try ScalingCodec.decode(bundle, prefix: prefix), hmm: hmm, vocabulary: vocabulary)
        }
        return out
    }
}

/// `LSTMWorkloadScaling` as two tensors (`scales`, `sources` as 0 limit / 1 history / 2 unit).
public enum ScalingCodec {
    public static let sources: [LSTMWorkloadScaling.Source] = [.limit, .historyQuantile, .unit]

    public static func encode(_ scaling: LSTMWorkloadScaling, into bundle: inout TensorBundle, prefix: String) {
        bundle.set(prefix + ".scales", doubles: scaling.scales)
        bundle.set(prefix + ".scale_sources", ints: scaling.sources.map { Int64(sources.firstIndex(of: $0)!) })
    }

    public static func decode(_ bundle: TensorBundle, prefix: String) throws -> LSTMWorkloadScaling {
        let scales = try bundle.doubles(prefix + ".scales")
        let codes = try bundle.ints(prefix + ".scale_sources")
        guard scales.count == Resource.count, codes.count == Resource.count, scales.allSatisfy({ $0.isFinite && $0 > 0 }),
              codes.allSatisfy({ (0..<Int64(sources.count)).contains($0) }) else {
            throw TensorBundleError.invalid("\(prefix): scaling must have \(Resource.count) positive scales and valid sources")
        }
        return LSTMWorkloadScaling(scales: scales, sources: codes.map { sources[Int($0)] })
    }
}

/// Why a workload (or one of its series) got no model of a family; reported, not fatal.
public struct TrainingSkip: Error, CustomStringConvertible {
    public var description: String
    public init(_ reason: String) { description = reason }
}
