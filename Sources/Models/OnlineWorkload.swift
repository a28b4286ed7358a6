import Forecast

/// One workload's online state over a loaded version: each new sample advances every
/// member by one step — the ARIMA Kalman states (one per resource, O(m²) each), the LSTM's
/// hidden state (one sgemv), the HMM's forward filter (O(K²)) and the naive member's last
/// value — and nothing recomputes a window per tick.
///
/// **Grid.** Samples are placed on the workload's grid (`intervalSeconds`): a sample whose
/// timestamp is k > 1 intervals after the previous one first feeds k − 1 missing steps
/// (NaN: the Kalman filters skip them, the LSTM carries the last values forward, the HMM
/// predicts without an update); a gap longer than `maximumGapSteps` (one day on the
/// workload's grid, capped) restarts the ARIMA states from the next sample. A sample at or before the previous one is ignored (the
/// store already refuses duplicates and out-of-order rows are sorted on import).
///
/// **LSTM window.** The global LSTM was trained on windows of `windowSteps` from a zero
/// state, while an online state would otherwise carry unbounded history. Two states run
/// staggered by half a window and are reset in turn; the forecast comes from the one
/// whose history is longer but at most one window (between W/2 and W steps), at the cost
/// of two steps per tick instead of one.
///
/// **Naive member.** The last value plus the empirical h-step change quantiles over the
/// trailing `naiveWindowSteps` (a week on the workload's grid, capped), recomputed every
/// `naiveRefreshSteps` (half of it), and more often while the history is shorter than
/// twice that, so a new workload's spread follows it; as in the backtest; the same order
/// statistics as `NaiveForecaster.spread`, found by selection instead of a sort.
///
/// **Steps and spans.** The gap rule and the naive window are spans of time converted by
/// the workload's interval (`Duration.steps(atIntervalSeconds:cap:)`); the forecast
/// horizon (`horizonSteps`), the LSTM's window (fixed when it was trained) and the
/// adaptive-window median's windows (`AdaptiveWindowMedian.windows`) are step counts by
/// design: they count samples, whatever their spacing.
///
/// **Allocation.** The members write into a `Scratch` the caller owns and shares between
/// workloads, so `forecast(into:scratch:)` on a reused output (the scorer's tick)
/// allocates nothing for the forecast itself; `memberForecasts()` and `forecast()` return
/// fresh arrays (tests, backtests).
///
/// **Memory** (what a workload costs the scorer, issue 15 item 4; BENCHMARKS.md "Scorer
/// memory per workload"): the naive window is Float (`NaiveHistory`) and, in the scorer's
/// `.weightedMembers` mode, keeps CPU and memory only until their median is warm and a
/// resource the blend gives the LSTM alone only once the blend falls back to it; ARIMA
/// states that are never advanced are not kept; the members' buffers are the caller's.
public struct OnlineWorkload: Sendable {
    /// Which members a state keeps current.
    ///
    /// `.weightedMembers` is the scorer's: an ARIMA Kalman update is a sixth of a tick, and a
    /// version whose backtest gave ARIMA no weight for a resource never reads that state —
    /// except as the blend's fallback when every weighted member is NaN at some step, where
    /// the scorer then falls back to the LSTM or the naive member instead. The LSTM (one
    /// network for all resources), the HMM and the naive history are always advanced.
    public enum MemberAdvance: Sendable, Equatable {
        case allMembers
        case weightedMembers
    }

    public let name: String
    public let intervalSeconds: Int64
    /// Steps forecast per tick: a step count by design (the next 12 samples, whatever
    /// their spacing; the members and the risk are defined per step ahead).
    public let horizonSteps: Int
    public let levels: [Double]
    public let blendWeights: [BlendWeights]
    /// Missing data after which the ARIMA states restart instead of predicting through the
    /// gap: one day. `maximumGapSteps` is this span on the workload's grid (288 steps of
    /// 5-minute data, 1,440 of 1-minute data), at most `maximumGapStepCap`.
    public static let maximumGap: Duration = .seconds(86_400)
    /// At most 2,016 missing steps are fed through (a week of 5-minute data, the scorer's
    /// warm-up there): each missing step costs what a sample does (a Kalman prediction per
    /// ARIMA state, two LSTM steps, an HMM prediction), so at 1-second sampling a one-day
    /// gap would be 86,400 steps of work inside one ingest. Past the cap the ARIMA states
    /// restart, which costs nothing.
    public static let maximumGapStepCap = 2_016
    /// The naive member's trailing window of changes: one week.
    public static let naiveWindow: Duration = .seconds(7 * 86_400)
    /// At most 10,080 steps (a week of 1-minute data): the window is a ring of
    /// steps × 6 resources in Float (242 KB at the cap, 48 KB at 5 minutes, `NaiveHistory`),
    /// and a refresh selects over that many changes 36 times. A
    /// week of 1-second data would be 604,800 steps, 29 MB per workload; 10,080 changes
    /// already pin a 0.99 quantile of 12-step changes to within a few order statistics.
    public static let naiveWindowStepCap = 10_080
    /// Half the window (3.5 days): each refreshed spread shares at least half its changes
    /// with the exact trailing window's. A refresh costs 36 selections over the window's
    /// changes for three resources, a fifth of a tick at 5 minutes if done daily; at this
    /// cadence the naive member's scaled pinball loss on the demo's held-out week is 0.4184
    /// against 0.4173 for a daily refresh, +0.3 % (DESIGN.md, "The naive member's refresh").
    public static let naiveRefresh: Duration = .seconds(302_400)
    /// Half of `naiveWindowStepCap`, so the refresh stays half the window at any interval.
    public static let naiveRefreshStepCap = naiveWindowStepCap / 2

    /// `maximumGap` on a grid of `intervalSeconds` (288 at 300 s).
    public static func maximumGapSteps(intervalSeconds: Int64) -> Int {
        maximumGap.steps(atIntervalSeconds: intervalSeconds, cap: maximumGapStepCap)
    }
    /// `naiveWindow` on a grid of `intervalSeconds` (2,016 at 300 s).
    public static func naiveWindowSteps(intervalSeconds: Int64) -> Int {
        naiveWindow.steps(atIntervalSeconds: intervalSeconds, cap: naiveWindowStepCap)
    }
    /// `naiveRefresh` on a grid of `intervalSeconds` (1,008 at 300 s).
    public static func naiveRefreshSteps(intervalSeconds: Int64) -> Int {
        naiveRefresh.steps(atIntervalSeconds: intervalSeconds, cap: naiveRefreshStepCap)
    }
    /// The naive member as a `NaiveForecaster` at `intervalSeconds` (the backtest's copy of it).
    public static func naiveForecaster(intervalSeconds: Int64) -> NaiveForecaster {
        NaiveForecaster(windowSteps: naiveWindowSteps(intervalSeconds: intervalSeconds),
                        spreadRefreshSteps: naiveRefreshSteps(intervalSeconds: intervalSeconds))
    }

    /// This workload's `maximumGap`, `naiveWindow` and `naiveRefresh` in steps of its grid.
    public let maximumGapSteps: Int
    public let naiveWindowSteps: Int
    public let naiveRefreshSteps: Int

    /// The ARIMA states kept, densely (a member's fields are a few hundred bytes inline:
    /// six optional slots for one kept state would cost more than the state), and per
    /// resource its index among them (−1: none kept).
    private var arima: [ARIMAMember]
    private var arimaSlots: [Int8]
    /// Per resource whether its ARIMA state is advanced (`MemberAdvance`).
    private let advancesARIMA: [Bool]
    /// Per resource, x_sᵀβ of the ARIMA regression (drift, Fourier terms) for the steps s
    /// a forecast reads, cached in a ring of `horizonSteps` slots keyed by s mod H
    /// (`regressionSteps` holds the s of each slot): consecutive forecasts share H − 1 steps.
    private var regressionMeans: [Double]
    private var regressionSteps: [Int]
    private var lstmStates: [LSTMOnlineState]
    private var lstmScaling: LSTMWorkloadScaling?
    /// Encodes each sample once for both LSTM states (the same row feeds both).
    private var lstmEncoder: LSTMFeatureEncoder?
    private var lstmFeatures: [Float] = []
    /// The LSTM head's outputs (0 without an LSTM): what a `Scratch` must hold.
    private let lstmOutputCount: Int
    private var behaviour: BehaviourModel?
    private var hmm: HMMFilterState?
    /// The HMM's observation, rewritten in place each step (D values).
    private var hmmObservation = HMMObservation()
    /// The trace events of the step being filled, for the HMM's symbol (`TraceSymbols`' rule).
    private var traceTracker = TraceSymbolTracker()
    /// Whether any trace event has been seen: until then steps carry no symbol (marginalised).
    private var hasTraces: Bool { traceEventsObserved > 0 }
    /// Trace events observed since the start (`observeTrace`).
    public private(set) var traceEventsObserved = 0
    /// The last `naiveWindowSteps` values per resource (`NaiveHistory`: Float, columns
    /// released once never read again), or only which resources it serves when read back.
    private var history: NaiveHistory
    /// Whether the naive member's week is read back at a refresh instead of kept.
    public var readsBack: Bool { history.readsBack }
    private var historyCount = 0
    /// Whether a resource's naive window is released once its adaptive-window median is
    /// warm (`.weightedMembers` with a median covering every level): from then on
    /// `forecast(into:)` serves that resource from the median alone and computes no member
    /// for it, fallback included (the fallback only covers blended resources), and the
    /// median never cools again, so the week of CPU and memory (two thirds of the window)
    /// would be kept for nothing. `memberForecasts()` then has NaN as those resources' naive.
    private let releasesMedianHistory: Bool
    /// Bit r set while resource r's naive window is not yet kept: in `.weightedMembers`, a
    /// resource whose blend is the LSTM alone (no naive, no ARIMA weight) while the LSTM serves
    /// this workload reads the naive member only as the blend's fallback, when the LSTM's
    /// forecast is not finite — which its construction rules out but for overflow (a head
    /// output × scale beyond 1.8·10³⁰⁸: NaN is clipped to 0 and scales are finite), so the
    /// window is allocated only when that first happens, and the fallback's spread then
    /// grows from the samples seen since (0 until there are changes) instead of a week's.
    /// In the demo's and the held-out versions that is disk write and network receive:
    /// two of the four windows left once CPU and memory are released.
    private var naiveDeferred: UInt32 = 0
    /// The adaptive-window median per resource (CPU and memory; nil for the others): the
    /// candidate's forecast of those two once warm (issue 11 item 3; `AdaptiveWindowMedian`;
    /// 24 samples at 12 steps: two hours at 5 minutes, 24 seconds at 1 second).
    /// Indexed by resource: CPU (0) and memory (1) only (`medianResources`).
    private var medianForecasters: [AdaptiveWindowMedian]
    /// Whether the median publishes every level of `levels` (0.5, 0.9, 0.99): then, once it
    /// is warm, its forecast replaces the blend's entirely and the blend's members are not
    /// computed for CPU and memory.
    private let medianCoversLevels: Bool
    /// Bit r set when resource r's blend gives the member weight (fixed by the version).
    private let arimaWeighted: UInt32
    private let lstmWeighted: UInt32
    private let naiveWeighted: UInt32
    /// Every resource's bit.
    private static let allResources: UInt32 = (1 << UInt32(Resource.count)) - 1
    /// The resources the adaptive-window median forecasts.
    public static let medianResources: Set<Resource> = [.cpuCores, .memoryBytes]
    /// CPU's and memory's last 288 measured samples, read in place from the medians' rings
    /// while `body` runs (`RiskFeatures(…readsDay: true)` reads its day there).
    public func withUsageDays(_ body: (_ days: RiskFeatures.Days) -> Void) {
        medianForecasters[Resource.cpuCores.rawValue].withDay { cpu in
            medianForecasters[Resource.memoryBytes.rawValue].withDay { memory in body((cpu, memory)) }
        }
    }

    // The scorer's three uses of `withUsageDays`, each `mutating` though it changes nothing:
    // called on a class's property with the features beside it, a closure reading this state
    // while writing the features made the compiler copy the whole state (its two dozen
    // arrays retained and released) on every tick; a modify access is taken in place.

    /// `ingest`, then, when it took the sample, `features.push` with the day read from this
    /// state's medians (one call: each access to a class's property is checked at run time).
    @discardableResult
    public mutating func ingest(timestamp: Int64, values: [Double], features: inout RiskFeatures?) -> Bool {
        guard ingest(timestamp: timestamp, values: values) else { return false }
        if features != nil {
            let c = values[Resource.cpuCores.rawValue], m = values[Resource.memoryBytes.rawValue]
            withUsageDays { features!.push(timestamp: timestamp, cpuCores: c, memoryBytes: m, day: $0) }
        }
        return true
    }

    /// `features.setAllocation` with the day read from this state's medians.
    public mutating func setAllocation(_ features: inout RiskFeatures, cpuCores: Double, memoryBytes: Double,
                                       readWeek: RiskFeatures.WeekReader?) {
        withUsageDays { features.setAllocation(cpuCores: cpuCores, memoryBytes: memoryBytes, day: $0, readWeek: readWeek) }
    }

    /// `features.features(into:)` with the day read from this state's medians (`inout`
    /// though only read, for the same reason: passed by value, the features' arrays were
    /// retained and released).
    public mutating func write(_ features: inout RiskFeatures, into out: UnsafeMutableBufferPointer<Double>) {
        withUsageDays { features.features(into: out, day: $0) }
    }

    /// Per resource the naive member's change quantiles (`horizonSteps × levels.count`), flat.
    /// Per resource its own array, empty until its first refresh (0 spread) and again once
    /// the naive member no longer serves it: only the resources it serves cost memory.
    private var naiveSpread: [[Double]]
    /// Steps since each resource's naive spread was refreshed (Int.max = never).
    private var stepsSinceSpread = [Int](repeating: .max, count: Resource.count)
    /// Unix seconds of the last grid step fed.
    public private(set) var lastTimestamp: Int64?
    /// The last sample's values (NaN = not measured), `Resource.count`.
    public private(set) var lastValues: [Double]
    /// Grid steps fed since the start (including missing ones).
    public private(set) var stepsFed = 0
    /// Member states found numerically degenerate (NaN or infinite after a step) and reset,
    /// by member, since the start: the workload keeps being scored from the fresh state.
    /// The scorer publishes `degenerateResets.total` as a metric and logs each increase.
    public private(set) var degenerateResets = DegenerateResets()
    /// Naive refreshes that found the stored rows not ending in this state's newest sample
    /// (`StoredHistory`): the spread then stayed as it was until the next refresh.
    public private(set) var staleNaiveRefreshes = 0

    /// Counts of degenerate states reset, per member (see `degenerateResets`).
    public struct DegenerateResets: Sendable, Equatable {
        /// ARIMA Kalman states (per resource state) restarted at the current step.
        public var arima = 0
        /// LSTM states reset to h = c = 0.
        public var lstm = 0
        /// HMM posteriors reset to π (`HMMFilterState.degenerateResets`).
        public var hmm = 0
        public var total: Int { arima + lstm + hmm }
        public init() {}
    }

    struct ARIMAMember: Sendable {
        var model: SeriesARIMA
        var state: ARIMAState
    }

    /// The members' forecasts and the buffers they are computed in (`forecast(into:scratch:)`).
    /// Nothing in it outlives one forecast — every member is recomputed from the state on
    /// each — so one scratch serves every workload a caller forecasts in turn (the scorer
    /// keeps one per `ScoringCore`) instead of 7 KB in each workload's state. Sized on first
    /// use by `prepare` (and again if a workload of another shape uses it).
    public struct Scratch: Sendable {
        /// Member forecasts, flat `Resource.count × horizonSteps × levels.count` (resource-major).
        var arima: [Double] = []
        var lstm: [Double] = []
        var naive: [Double] = []
        /// Per member, bit r set while resource r's part of its buffer holds only NaN (written
        /// when the member was last not computed for r, by whichever workload), so it is not
        /// rewritten every tick: the bits describe the buffers, not a workload.
        var arimaNaN: UInt32 = 0
        var lstmNaN: UInt32 = 0
        var naiveNaN: UInt32 = 0
        /// The levels `zScores` are for, and Φ⁻¹(levels[j]): an ARIMA quantile is mean + z·se
        /// (as `ARIMAForecast.quantile`).
        var zLevels: [Double] = []
        var zScores: [Double] = []
        /// One ARIMA forecast's regression means (from the cache), means and standard
        /// errors (`horizonSteps` each).
        var regression: [Double] = []
        var mean: [Double] = []
        var standardError: [Double] = []
        /// The LSTM head's raw outputs and quantiles (≥ `outputCount`, scaled units).
        var lstmRaw: [Float] = []
        var lstmValues: [Float] = []

        /// An empty scratch; the first forecast sizes it.
        public init() {}

        /// Makes the buffers fit a workload of `horizonSteps` × `levels` whose LSTM head has
        /// `outputCount` outputs (a no-op when they already do, as on every tick but the first).
        mutating func prepare(horizonSteps: Int, levels: [Double], outputCount: Int) {
            let size = Resource.count * horizonSteps * levels.count
            if arima.count != size || regression.count != horizonSteps {
                arima = .init(repeating: .nan, count: size)
                lstm = arima
                naive = arima
                (arimaNaN, lstmNaN, naiveNaN) = (0, 0, 0)
                regression = .init(repeating: 0, count: horizonSteps)
                mean = regression
                standardError = regression
            }
            if zLevels != levels {
                zLevels = levels
                zScores = levels.map { StandardNormal.quantile($0) }
            }
            if lstmRaw.count < outputCount {
                lstmRaw = .init(repeating: 0, count: outputCount)
                lstmValues = lstmRaw
            }
        }

        /// The buffers the ARIMA member writes, as pointers (valid inside `body` only).
        struct Pointers {
            var arima: UnsafeMutablePointer<Double>
            var zScores: UnsafePointer<Double>
            var regression: UnsafeMutablePointer<Double>
            var mean: UnsafeMutablePointer<Double>
            var standardError: UnsafeMutablePointer<Double>
        }

        mutating func withBuffers<R>(_ body: (Pointers) -> R) -> R {
            arima.withUnsafeMutableBufferPointer { a in
                zScores.withUnsafeBufferPointer { z in
                    regression.withUnsafeMutableBufferPointer { g in
                        mean.withUnsafeMutableBufferPointer { m in
                            standardError.withUnsafeMutableBufferPointer { e in
                                body(Pointers(arima: a.baseAddress!, zScores: z.baseAddress!, regression: g.baseAddress!,
                                              mean: m.baseAddress!, standardError: e.baseAddress!))
                            }
                        }
                    }
                }
            }
        }
    }

    /// A fresh state for `name` over `models`. Known workloads use their own ARIMA, HMM and
    /// LSTM scaling; a new workload gets the global LSTM with a scaling from `limits` (or,
    /// without limits, from `warmup` history if given) and the naive member.
    /// - Parameters:
    ///   - intervalSeconds: the workload's grid (its median sample interval).
    ///   - horizonSteps: steps forecast per tick; the LSTM serves only when its trained
    ///     horizon covers it.
    ///   - advance: `.allMembers` (the default) keeps every member current, so
    ///     `memberForecasts()` is exact for all of them; `.weightedMembers` (the scorer)
    ///     skips the ARIMA states of resources whose blend gives ARIMA no weight.
    ///   - readsBack: whether the naive member's week is read back at each refresh (from the
    ///     `StoredHistory` given to `forecast(into:scratch:stored:)`: the scorer's store)
    ///     instead of kept in memory.
    public init(name: String, models: TrainedModels, intervalSeconds: Int64, horizonSteps: Int,
                levels: [Double] = [0.5, 0.9, 0.99], limits: [Double], scalingHistory: [Double] = [],
                advance: MemberAdvance = .allMembers, readsBack: Bool = false) {
        // The interval comes from the store (data): a non-positive one would divide by zero
        // below, so it is taken as 1 s (every sample its own step); a non-positive horizon as 1.
        self.name = name
        self.intervalSeconds = max(1, intervalSeconds)
        self.horizonSteps = max(1, horizonSteps)
        let horizonSteps = self.horizonSteps
        maximumGapSteps = Self.maximumGapSteps(intervalSeconds: self.intervalSeconds)
        naiveWindowSteps = Self.naiveWindowSteps(intervalSeconds: self.intervalSeconds)
        naiveRefreshSteps = Self.naiveRefreshSteps(intervalSeconds: self.intervalSeconds)
        let naiveWindowSteps = self.naiveWindowSteps
        self.levels = levels
        self.blendWeights = models.blendWeights
        self.advancesARIMA = models.blendWeights.map { advance == .allMembers || $0.arima > 0 }
        func mask(_ weighted: (BlendWeights) -> Bool) -> UInt32 {
            var bits: UInt32 = 0
            for (r, w) in models.blendWeights.prefix(Resource.count).enumerated() where weighted(w) { bits |= 1 << UInt32(r) }
            return bits
        }
        arimaWeighted = mask { $0.arima > 0 }
        lstmWeighted = mask { $0.lstm > 0 }
        naiveWeighted = mask { $0.naive > 0 }
        var members: [ARIMAMember] = [], slots = [Int8](repeating: -1, count: Resource.count)
        var hasARIMA = false
        for model in models.arima[name] ?? [] where model.intervalSeconds == intervalSeconds {
            hasARIMA = true
            // A state that is never advanced is never read either (`computeMembers` gives
            // NaN for it): not kept.
            guard advancesARIMA.indices.contains(model.resource.rawValue), advancesARIMA[model.resource.rawValue] else { continue }
            if slots[model.resource.rawValue] < 0 { slots[model.resource.rawValue] = Int8(members.count); members.append(ARIMAMember(model: model, state: model.fitted.filter([], firstStep: 0))) }
        }
        arima = members
        arimaSlots = slots
        self.hasARIMA = hasARIMA
        // The regression cache serves only states that are kept.
        let cached = arima.isEmpty ? 0 : Resource.count * horizonSteps
        regressionMeans = .init(repeating: 0, count: cached)
        regressionSteps = .init(repeating: Int.min, count: cached)
        var outputCount = 0, outputResources = 0
        if let global = models.lstm, global.model.spec.horizonSteps >= horizonSteps, global.model.spec.quantiles == levels {
            let scaling = global.scalings[name] ?? LSTMWorkloadScaling(values: scalingHistory, limits: limits)
            lstmScaling = scaling
            lstmStates = [LSTMOnlineState(shared: global.shared), LSTMOnlineState(shared: global.shared)]
            lstmEncoder = LSTMFeatureEncoder(scaling: scaling)
            lstmFeatures = .init(repeating: 0, count: LSTMFeatureLayout.count)
            outputCount = global.model.spec.outputCount
            outputResources = global.model.spec.outputResources
        } else {
            lstmStates = []
        }
        if let b = models.behaviour[name] {
            behaviour = b
            hmm = HMMFilterState(model: b.hmm)
            hmmObservation = HMMObservation(values: .init(repeating: .nan, count: b.dimensions.count))
        }
        history = NaiveHistory(capacity: naiveWindowSteps, resources: Resource.count, readsBack: readsBack)
        naiveSpread = .init(repeating: [], count: Resource.count)
        lastValues = .init(repeating: .nan, count: Resource.count)
        medianForecasters = Resource.allCases.prefix { Self.medianResources.contains($0) }.map { _ in AdaptiveWindowMedian(horizon: horizonSteps) }
        medianCoversLevels = levels.allSatisfy { [0.5, 0.9, 0.99].contains($0) }
        releasesMedianHistory = advance == .weightedMembers && medianCoversLevels
        // (A window read back costs nothing to keep: nothing is deferred then.)
        if advance == .weightedMembers && !lstmStates.isEmpty && !readsBack {
            for (r, w) in models.blendWeights.prefix(min(Resource.count, outputResources)).enumerated()
            where w.lstm > 0 && w.naive == 0 && w.arima == 0 {
                naiveDeferred |= 1 << UInt32(r)
                history.release(r)
            }
        }
        lstmOutputCount = outputCount
    }

    /// Records one execution-trace event (`phase`, `state`, …) of the step now being filled:
    /// the next ingested sample closes the step, and its symbol — the phase in effect, else
    /// the most frequent kernel state, else `none` — goes to the HMM with the usage, when
    /// the workload's behaviour model was trained with symbols.
    public mutating func observeTrace(kind: String, name: String) {
        traceTracker.observe(kind: kind, name: name)
        traceEventsObserved += 1
    }

    /// Which members serve this workload.
    public let hasARIMA: Bool
    public var hasLSTM: Bool { !lstmStates.isEmpty }
    public var hasHMM: Bool { hmm != nil }

    /// Feeds one sample (`Resource.count` SI values, NaN = not measured) at `timestamp`.
    /// Returns false when the sample was ignored (not after the last one, or not
    /// `Resource.count` values). Any value is safe (NaN, ±∞, 1e308): a member state that
    /// becomes degenerate is reset and counted in `degenerateResets`. Callers should still
    /// refuse what `InputRules` refuses, so that such values never reach the models.
    @discardableResult
    public mutating func ingest(timestamp: Int64, values: [Double]) -> Bool {
        guard values.count == Resource.count else { return false }
        if let last = lastTimestamp {
            // Checked: two arbitrary Int64 timestamps can be further apart than Int64 holds.
            let (elapsed, o1) = timestamp.subtractingReportingOverflow(last)
            let (rounded, o2) = elapsed.addingReportingOverflow(intervalSeconds / 2)
            if o1 || o2 {
                guard timestamp > last else { return false }
                restartARIMA(at: timestamp)
                feed(timestamp: timestamp, values: values)
                return true
            }
            let steps = Int(rounded / intervalSeconds)
            guard steps >= 1 else { return false }
            if steps - 1 > maximumGapSteps {
                restartARIMA(at: timestamp)
            } else {
                for k in 1..<steps { feed(timestamp: last + Int64(k) * intervalSeconds, values: nil) }
            }
            feed(timestamp: last + Int64(steps) * intervalSeconds, values: values)
        } else {
            restartARIMA(at: timestamp)
            feed(timestamp: timestamp, values: values)
        }
        return true
    }

    /// Points every ARIMA state at the Fourier phase of `timestamp` (a fresh state: the first
    /// d observed samples fix its level).
    private mutating func restartARIMA(at timestamp: Int64) {
        for i in arima.indices {
            let model = arima[i].model
            // Checked: a loaded model's first timestamp is within InputRules' range, the
            // sample's may not be; on overflow the Fourier phase starts at step 0.
            let (elapsed, overflow) = timestamp.subtractingReportingOverflow(model.firstTimestamp)
            let firstStep = overflow ? 0 : Int(elapsed / max(1, model.intervalSeconds))
            arima[i].state = model.fitted.filter([], firstStep: firstStep)
        }
    }

    private static let missingRow = [Double](repeating: .nan, count: Resource.count)

    /// Drops resource r's ARIMA state (and the regression cache with the last one): the warm
    /// median serves r alone from now on, in every mode that releases its naive window.
    private mutating func releaseARIMA(_ r: Int) {
        let i = Int(arimaSlots[r])
        guard i >= 0 else { return }
        arima.remove(at: i)
        arimaSlots[r] = -1
        for q in arimaSlots.indices where arimaSlots[q] > Int8(i) { arimaSlots[q] -= 1 }
        if arima.isEmpty { regressionMeans = []; regressionSteps = [] }
    }

    private mutating func feed(timestamp: Int64, values: [Double]?) {
        let row = values ?? Self.missingRow
        for r in 0..<Resource.count where arimaSlots[r] >= 0 && advancesARIMA[r] {
            let i = Int(arimaSlots[r])
            // x_tᵀβ of this step was computed by an earlier forecast (the cache): reuse it.
            let step = arima[i].state.nextStep
            let slot = Self.regressionSlot(resource: r, step: step, horizon: horizonSteps)
            let mean = regressionSteps[slot] == step ? regressionMeans[slot]
                : (row[r].isFinite ? arima[i].state.parameters.regressionMean(step: step) : .nan)
            arima[i].state.update(row[r], regressionMean: mean)
            if arima[i].state.isDegenerate {
                arima[i].state = arima[i].model.fitted.filter([], firstStep: arima[i].state.nextStep)
                degenerateResets.arima += 1
            }
        }
        if !lstmStates.isEmpty {
            // Reset each state once per window, staggered by half a window.
            let window = lstmStates[0].windowSteps
            let half = max(1, window / 2)
            for i in lstmStates.indices where stepsFed % window == (i * half) % window && stepsFed > 0 {
                lstmStates[i].reset()
            }
            row.withUnsafeBufferPointer { v in
                lstmFeatures.withUnsafeMutableBufferPointer { f in
                    lstmEncoder!.encode(timestampSeconds: timestamp, values: v.baseAddress!, into: f.baseAddress!)
                }
            }
            for i in lstmStates.indices {
                lstmStates[i].step(features: lstmFeatures)
                if lstmStates[i].isDegenerate {
                    lstmStates[i].reset()
                    degenerateResets.lstm += 1
                }
            }
        }
        if let b = behaviour {
            // A missing step (NaN values) is a prediction without an update.
            for (i, r) in b.dimensions.enumerated() { hmmObservation.values[i] = b.scaling.scaled(row[r], resource: r) }
            if b.vocabulary != nil { hmmObservation.symbol = hasTraces ? b.symbolIndex(traceTracker.closeStep()) : nil }
            try? hmm?.step(hmmObservation)
            degenerateResets.hmm = hmm?.degenerateResets ?? 0
        }
        history.record(step: stepsFed, row: row)
        historyCount = min(historyCount + 1, naiveWindowSteps)
        if values != nil {
            lastValues = row
            for r in medianForecasters.indices {
                medianForecasters[r].update(row[r])
                if releasesMedianHistory && medianForecasters[r].isWarm {
                    if history.holds(r) { history.release(r); naiveSpread[r] = [] }
                    // Never read again either (the median serves r alone from now on).
                    if arimaSlots[r] >= 0 { releaseARIMA(r) }
                }
            }
        }
        lastTimestamp = timestamp
        stepsFed += 1
        for r in 0..<Resource.count where stepsSinceSpread[r] != .max { stepsSinceSpread[r] += 1 }
    }

    /// The slot of step s in resource r's regression-mean cache (s mod H; steps before the
    /// training start are negative).
    @inline(__always)
    private static func regressionSlot(resource r: Int, step s: Int, horizon: Int) -> Int {
        r * horizon + (s % horizon + horizon) % horizon
    }

    /// Index of the LSTM state with the longer history of at most one window (ties: the
    /// first; neither within a window: the first).
    private var servingLSTMIndex: Int? {
        guard !lstmStates.isEmpty else { return nil }
        let window = lstmStates[0].windowSteps
        var best: Int?
        for i in lstmStates.indices where lstmStates[i].stepsTaken <= window {
            if best == nil || lstmStates[best!].stepsTaken < lstmStates[i].stepsTaken { best = i }
        }
        return best ?? 0
    }

    /// The per-member forecasts: `Resource.count` arrays of `horizonSteps × levels.count`
    /// (step-major), SI units clipped at 0, NaN where the member cannot forecast.
    public mutating func memberForecasts() -> (arima: [[Double]], lstm: [[Double]], naive: [[Double]]) {
        var members = Scratch()
        members.prepare(horizonSteps: horizonSteps, levels: levels, outputCount: lstmOutputCount)
        computeMembers(arimaFor: Self.allResources, lstmFor: Self.allResources, naiveFor: Self.allResources, members: &members)
        let width = horizonSteps * levels.count
        func split(_ flat: [Double]) -> [[Double]] { (0..<Resource.count).map { Array(flat[($0 * width)..<(($0 + 1) * width)]) } }
        return (split(members.arima), split(members.lstm), split(members.naive))
    }

    /// The candidate forecast: per resource the quantile blend of the members by the
    /// version's weights (renormalised over the members that forecast).
    public mutating func forecast() -> [[Double]] {
        var out: [[Double]] = []
        forecast(into: &out)
        return out
    }

    /// `forecast()` written into `out`, reusing its arrays when they have the right shape
    /// (`Resource.count` arrays of `horizonSteps × levels.count`): no allocation per tick.
    ///
    /// Only the members a resource's blend weighs are computed (ARIMA's forecast, the LSTM
    /// head's rows and the naive spread are most of a tick); when none of them forecasts
    /// some step, the blend falls back to the others (`BlendWeights.combine`), so they are
    /// then computed too and the result is the same as with every member computed.
    public mutating func forecast(into out: inout [[Double]]) {
        var scratch = Scratch()
        forecast(into: &out, scratch: &scratch)
    }

    /// `forecast(into:)` with the members computed in `scratch`, which the caller reuses
    /// for every workload it forecasts (the scorer's tick: then nothing is allocated).
    ///
    /// A state that `readsBack` reads the naive member's week from `stored` when a spread is
    /// due for a refresh (without it, the spread stays as it is).
    public mutating func forecast(into out: inout [[Double]], scratch members: inout Scratch, stored: StoredHistory? = nil) {
        members.prepare(horizonSteps: horizonSteps, levels: levels, outputCount: lstmOutputCount)
        // A resource the warm median forecasts at every level needs no blend member.
        var median: UInt32 = 0
        if medianCoversLevels {
            for r in medianForecasters.indices where medianForecasters[r].isWarm { median |= 1 << UInt32(r) }
        }
        let blended = Self.allResources & ~median
        let arimaFor = arimaWeighted & blended, lstmFor = lstmWeighted & blended, naiveFor = naiveWeighted & blended
        computeMembers(arimaFor: arimaFor, lstmFor: lstmFor, naiveFor: naiveFor, members: &members, stored: stored)
        let width = horizonSteps * levels.count
        if out.count != Resource.count || out.contains(where: { $0.count != width }) {
            out = .init(repeating: .init(repeating: .nan, count: width), count: Resource.count)
        }
        var fallback: UInt32 = 0
        for r in 0..<Resource.count where blended & (1 << UInt32(r)) != 0 {
            let complete = out[r].withUnsafeMutableBufferPointer { o in
                blend(r, into: o, arimaFor: arimaFor, lstmFor: lstmFor, naiveFor: naiveFor, members: members)
            }
            if !complete { fallback |= 1 << UInt32(r) }
        }
        if fallback != 0 {
            computeMembers(arimaFor: arimaFor | fallback, lstmFor: lstmFor | fallback, naiveFor: naiveFor | fallback, members: &members,
                           stored: stored)
            for r in 0..<Resource.count where fallback & (1 << UInt32(r)) != 0 {
                _ = out[r].withUnsafeMutableBufferPointer { o in
                    blend(r, into: o, arimaFor: Self.allResources, lstmFor: Self.allResources, naiveFor: Self.allResources, members: members)
                }
            }
        }
        // CPU and memory: the adaptive-window median, at the levels it has (0.5, 0.9, 0.99),
        // once every step has judged H forecasts (`AdaptiveWindowMedian.warmSamples`; a new
        // workload keeps the blend until then).
        for r in medianForecasters.indices where medianForecasters[r].isWarm {
            out[r].withUnsafeMutableBufferPointer { o in medianForecasters[r].writeQuantiles(levels: levels, into: o) }
        }
    }

    /// Resource r's blend (`BlendWeights.combine` per entry) into `o`, from the member
    /// buffers. Returns false when at some step no weighted member among those computed
    /// (`…For` masks) forecasts: `combine` then falls back to the unweighted members, which
    /// the caller computes before blending again.
    private func blend(_ r: Int, into o: UnsafeMutableBufferPointer<Double>,
                       arimaFor: UInt32, lstmFor: UInt32, naiveFor: UInt32, members: Scratch) -> Bool {
        let w = blendWeights[r], base = r * horizonSteps * levels.count, width = o.count, bit: UInt32 = 1 << UInt32(r)
        return members.arima.withUnsafeBufferPointer { a in
            members.lstm.withUnsafeBufferPointer { l in
                members.naive.withUnsafeBufferPointer { n in
                    // One member with all the weight: combine is that member where it forecasts,
                    // (0 + 1·x) / 1 = 0 + x exactly (the 0 + turns −0 into +0 as combine does),
                    // so it is copied; a NaN anywhere means a fallback.
                    let sole: UnsafePointer<Double>? = w.arima == 1 ? a.baseAddress : w.lstm == 1 ? l.baseAddress : w.naive == 1 ? n.baseAddress : nil
                    if let sole, (w.arima == 1 && arimaFor & bit != 0) || (w.lstm == 1 && lstmFor & bit != 0) || (w.naive == 1 && naiveFor & bit != 0) {
                        var finite = true
                        for i in 0..<width {
                            let v = sole[base + i]
                            o[i] = 0 + v
                            finite = finite && v.isFinite
                        }
                        if finite { return true }
                    }
                    let wa = w.arima > 0 && arimaFor & bit != 0, wl = w.lstm > 0 && lstmFor & bit != 0, wn = w.naive > 0 && naiveFor & bit != 0
                    var complete = true
                    for i in 0..<width {
                        let x = a[base + i], y = l[base + i], z = n[base + i]
                        o[i] = w.combine(arima: x, lstm: y, naive: z)
                        complete = complete && ((wa && x.isFinite) || (wl && y.isFinite) || (wn && z.isFinite))
                    }
                    return complete
                }
            }
        }
    }

    /// Fills the member buffers (the arrays `memberForecasts` returns, flat): each member for
    /// the resources whose bit its mask sets, NaN for the others.
    private mutating func computeMembers(arimaFor: UInt32, lstmFor: UInt32, naiveFor: UInt32, members: inout Scratch,
                                         stored: StoredHistory? = nil) {
        let width = horizonSteps * levels.count, nq = levels.count
        // ARIMA: quantile = mean + Φ⁻¹(p)·se per step (ARIMAForecast.quantile), clipped at 0.
        // (Through buffer pointers: the members are read in place, never copied.)
        let horizon = horizonSteps
        var arimaNaN = members.arimaNaN
        defer { members.arimaNaN = arimaNaN }
        arima.withUnsafeMutableBufferPointer { states in
            regressionMeans.withUnsafeMutableBufferPointer { cache in
                regressionSteps.withUnsafeMutableBufferPointer { cachedSteps in
                    members.withBuffers { b in
                        for r in 0..<Resource.count {
                            let base = r * width, bit: UInt32 = 1 << UInt32(r)
                            let i = Int(arimaSlots[r])
                            guard arimaFor & bit != 0, advancesARIMA[r], i >= 0, states[i].state.isReady else {
                                if arimaNaN & bit == 0 { for i in 0..<width { b.arima[base + i] = .nan } }
                                arimaNaN |= bit
                                continue
                            }
                            arimaNaN &= ~bit
                            let first = states[i].state.nextStep
                            for h in 0..<horizon {
                                let slot = Self.regressionSlot(resource: r, step: first + h, horizon: horizon)
                                if cachedSteps[slot] != first + h {
                                    cachedSteps[slot] = first + h
                                    cache[slot] = states[i].state.parameters.regressionMean(step: first + h)
                                }
                                b.regression[h] = cache[slot]
                            }
                            states[i].state.forecastMoments(horizon: horizon, regressionMeans: UnsafePointer(b.regression),
                                                             mean: b.mean, standardError: b.standardError)
                            for h in 0..<horizon { for j in 0..<nq {
                                let v = b.mean[h] + b.zScores[j] * b.standardError[h]
                                b.arima[base + h * nq + j] = v.isFinite ? max(0, v) : .nan
                            } }
                        }
                    }
                }
            }
        }
        // LSTM: the serving state's head for the resources wanted (their rows only), unscaled,
        // clipped at 0.
        var lstmDone: UInt32 = 0
        if lstmFor != 0, let s = servingLSTMIndex, let scaling = lstmScaling, lstmStates[s].stepsTaken > 0 {
            let spec = lstmStates[s].spec
            let resources = min(Resource.count, spec.outputResources), q = spec.quantiles.count
            lstmDone = lstmFor & ((1 << UInt32(resources)) - 1)
            members.lstmRaw.withUnsafeMutableBufferPointer { raw in
                members.lstmValues.withUnsafeMutableBufferPointer { values in
                    lstmStates[s].forecast(into: values.baseAddress!, scratch: raw.baseAddress!, resources: lstmDone)
                    members.lstm.withUnsafeMutableBufferPointer { out in
                        for r in 0..<resources where lstmDone & (1 << UInt32(r)) != 0 {
                            let scale = scaling.scales[r]
                            for h in 0..<horizonSteps { for j in 0..<nq {
                                out[r * width + h * nq + j] = max(0, Double(values[(h * spec.outputResources + r) * q + j]) * scale)
                            } }
                        }
                    }
                }
            }
        }
        let lstmStale = ~lstmDone & ~members.lstmNaN & Self.allResources
        if lstmStale != 0 {
            members.lstm.withUnsafeMutableBufferPointer { out in
                for r in 0..<Resource.count where lstmStale & (1 << UInt32(r)) != 0 {
                    for i in (r * width)..<((r + 1) * width) { out[i] = .nan }
                }
            }
        }
        members.lstmNaN = ~lstmDone & Self.allResources
        // Naive: refresh the change quantiles every `naiveRefreshSteps`, and sooner while the
        // history is young (whenever it has grown by half since the last refresh), so a new
        // workload's spread is not frozen at its first few samples for a day.
        if naiveFor & naiveDeferred != 0 {
            for r in 0..<Resource.count where naiveFor & naiveDeferred & (1 << UInt32(r)) != 0 { history.keep(r) }
            naiveDeferred &= ~naiveFor
        }
        let refreshEvery = min(naiveRefreshSteps, max(1, (historyCount + 1) / 2))
        // (A bit mask first: the list is built only on the rare tick that refreshes.)
        var dueMask: UInt32 = 0
        for r in 0..<Resource.count where naiveFor & (1 << UInt32(r)) != 0 && stepsSinceSpread[r] >= refreshEvery && history.holds(r) {
            dueMask |= 1 << UInt32(r)
        }
        if dueMask != 0 {
            let due = (0..<Resource.count).filter { dueMask & (1 << UInt32($0)) != 0 }
            if history.readsBack {
                // Read back once for every resource due; when the rows do not end in this
                // state's newest sample, the spreads stay as they were until the next refresh.
                if let stored, let last = lastTimestamp,
                   let columns = stored.lastSteps(workload: name, steps: historyCount, stepsFed: stepsFed, anchor: last,
                                                  intervalSeconds: intervalSeconds, maximumGapSteps: maximumGapSteps,
                                                  newest: lastValues, resources: due) {
                    for (j, r) in due.enumerated() {
                        columns[j].withUnsafeBufferPointer { refreshNaiveSpread(r, from: $0.baseAddress!) }
                    }
                } else {
                    staleNaiveRefreshes += 1
                }
            } else {
                for r in due { refreshNaiveSpread(r) }
            }
            for r in due { stepsSinceSpread[r] = 0 }
        }
        var naiveNaN = members.naiveNaN
        members.naive.withUnsafeMutableBufferPointer { out in
            for r in 0..<Resource.count {
                let base = r * width, last = lastValues[r], bit: UInt32 = 1 << UInt32(r)
                if last.isFinite && naiveFor & bit != 0 && history.holds(r) {
                    naiveSpread[r].withUnsafeBufferPointer { spread in
                        if spread.isEmpty {
                            for i in 0..<width { out[base + i] = max(0, last + 0) }
                        } else {
                            for i in 0..<width { out[base + i] = max(0, last + spread[i]) }
                        }
                    }
                    naiveNaN &= ~bit
                } else if naiveNaN & bit == 0 {
                    for i in base..<(base + width) { out[i] = .nan }
                    naiveNaN |= bit
                }
            }
        }
        members.naiveNaN = naiveNaN
    }

    /// `NaiveForecaster(windowSteps: naiveWindowSteps).spread` of resource r's trailing
    /// values: per step h the empirical quantiles (numpy "linear") of the finite h-step
    /// changes, 0 when there are none. The two order statistics each level needs are found
    /// by selection (expected O(n)) rather than a full sort (O(n log n)): same values.
    private mutating func refreshNaiveSpread(_ r: Int) {
        let count = historyCount, start = stepsFed - count
        // The column is scratch for this refresh only (once per `naiveRefreshSteps` per
        // resource): kept per workload, two window-long buffers would be a sixth of what a
        // workload costs the scorer.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, count)) { column in
            history.column(r, start: start, count: count, into: column.baseAddress!)
            refreshNaiveSpread(r, from: column.baseAddress!)
        }
    }

    /// The refresh over the `historyCount` values at `y` (oldest first, NaN = missing).
    private mutating func refreshNaiveSpread(_ r: Int, from y: UnsafePointer<Double>) {
        let count = historyCount, nq = levels.count, width = horizonSteps * nq
        withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, count)) { changes in
            let c = changes.baseAddress!
            if naiveSpread[r].isEmpty { naiveSpread[r] = .init(repeating: 0, count: width) }
            naiveSpread[r].withUnsafeMutableBufferPointer { spread in
                for h in 1...horizonSteps {
                    var m = 0
                    var t = h
                    while t < count {
                        let a = y[t], b = y[t - h]
                        // A change that overflows (±1e308 samples) is left out like a
                        // missing one, so it cannot make the spread NaN for a week.
                        if a.isFinite, b.isFinite, (a - b).isFinite { c[m] = a - b; m += 1 }
                        t += 1
                    }
                    let out = spread.baseAddress! + (h - 1) * nq
                    if m == 0 {
                        for j in 0..<nq { out[j] = 0 }
                    } else {
                        OrderStatistics.empiricalQuantiles(c, count: m, levels: levels, into: out)
                    }
                }
            }
        }
    }

    /// P(the workload is in a heavy phase within `steps`), or nil without an HMM.
    public func heavyPhaseProbability(withinSteps steps: Int) -> Double? {
        guard let hmm, hmm.stepCount > 0 else { return nil }
        return hmm.heavyPhaseProbability(withinSteps: steps)
    }
}
