import Forecast

/// One workload's online state over a loaded version: each new sample advances every
/// member by one step — the ARIMA Kalman states (one per resource, O(m²) each), the LSTM's
/// hidden state (one sgemv), the HMM's forward filter (O(K²)) and the naive member's last
/// value — and nothing recomputes a window per tick.
///
/// **Grid.** Samples are placed on the workload's grid (`intervalSeconds`): a sample whose
/// timestamp is k > 1 intervals after the previous one first feeds k − 1 missing steps
/// (NaN: the Kalman filters skip them, the LSTM carries the last values forward, the HMM
/// predicts without an update); a gap longer than `maximumGapSteps` restarts the ARIMA
/// states from the next sample. A sample at or before the previous one is ignored (the
/// store already refuses duplicates and out-of-order rows are sorted on import).
///
/// **LSTM window.** The global LSTM was trained on windows of `windowSteps` from a zero
/// state, while an online state would otherwise carry unbounded history. Two states run
/// staggered by half a window and are reset in turn; the forecast comes from the one
/// whose history is longer but at most one window (between W/2 and W steps), at the cost
/// of two steps per tick instead of one.
///
/// **Naive member.** The last value plus the empirical h-step change quantiles over the
/// trailing `naiveWindowSteps`, recomputed every `naiveRefreshSteps` (as in the backtest).
public struct OnlineWorkload: Sendable {
    public let name: String
    public let intervalSeconds: Int64
    public let horizonSteps: Int
    public let levels: [Double]
    public let blendWeights: [BlendWeights]
    /// Steps of missing data after which the ARIMA states restart (one day of 5-minute steps).
    public static let maximumGapSteps = 288
    public static let naiveWindowSteps = 2016
    public static let naiveRefreshSteps = 288

    private var arima: [ARIMAMember?]
    private var lstmStates: [LSTMOnlineState]
    private var lstmScaling: LSTMWorkloadScaling?
    private var behaviour: BehaviourModel?
    private var hmm: HMMFilterState?
    /// Ring buffer of the last `naiveWindowSteps` values per resource (row-major steps × resources).
    private var history: [Double]
    private var historyCount = 0
    private var naiveSpread: [[Double]]
    private var stepsSinceSpread = Int.max
    /// Unix seconds of the last grid step fed.
    public private(set) var lastTimestamp: Int64?
    /// The last sample's values (NaN = not measured), `Resource.count`.
    public private(set) var lastValues: [Double]
    /// Grid steps fed since the start (including missing ones).
    public private(set) var stepsFed = 0

    struct ARIMAMember: Sendable {
        var model: SeriesARIMA
        var state: ARIMAState
    }

    /// A fresh state for `name` over `models`. Known workloads use their own ARIMA, HMM and
    /// LSTM scaling; a new workload gets the global LSTM with a scaling from `limits` (or,
    /// without limits, from `warmup` history if given) and the naive member.
    /// - Parameters:
    ///   - intervalSeconds: the workload's grid (its median sample interval).
    ///   - horizonSteps: steps forecast per tick; the LSTM serves only when its trained
    ///     horizon covers it.
    public init(name: String, models: TrainedModels, intervalSeconds: Int64, horizonSteps: Int,
                levels: [Double] = [0.5, 0.9, 0.99], limits: [Double], scalingHistory: [Double] = []) {
        precondition(intervalSeconds > 0 && horizonSteps > 0, "OnlineWorkload: interval and horizon must be positive")
        self.name = name
        self.intervalSeconds = intervalSeconds
        self.horizonSteps = horizonSteps
        self.levels = levels
        self.blendWeights = models.blendWeights
        self.arima = .init(repeating: nil, count: Resource.count)
        for model in models.arima[name] ?? [] where model.intervalSeconds == intervalSeconds {
            arima[model.resource.rawValue] = ARIMAMember(model: model, state: model.fitted.filter([], firstStep: 0))
        }
        if let global = models.lstm, global.model.spec.horizonSteps >= horizonSteps, global.model.spec.quantiles == levels {
            let scaling = global.scalings[name] ?? LSTMWorkloadScaling(values: scalingHistory, limits: limits)
            lstmScaling = scaling
            lstmStates = [LSTMOnlineState(model: global.model, scaling: scaling), LSTMOnlineState(model: global.model, scaling: scaling)]
        } else {
            lstmStates = []
        }
        if let b = models.behaviour[name] {
            behaviour = b
            hmm = HMMFilterState(model: b.hmm)
        }
        history = .init(repeating: .nan, count: Self.naiveWindowSteps * Resource.count)
        naiveSpread = .init(repeating: .init(repeating: 0, count: horizonSteps * levels.count), count: Resource.count)
        lastValues = .init(repeating: .nan, count: Resource.count)
    }

    /// Which members serve this workload.
    public var hasARIMA: Bool { arima.contains { $0 != nil } }
    public var hasLSTM: Bool { !lstmStates.isEmpty }
    public var hasHMM: Bool { hmm != nil }

    /// Feeds one sample (`Resource.count` SI values, NaN = not measured) at `timestamp`.
    /// Returns false when the sample was ignored (not after the last one).
    @discardableResult
    public mutating func ingest(timestamp: Int64, values: [Double]) -> Bool {
        precondition(values.count == Resource.count, "ingest: \(values.count) values, expected \(Resource.count)")
        if let last = lastTimestamp {
            let steps = Int((timestamp - last + intervalSeconds / 2) / intervalSeconds)
            guard steps >= 1 else { return false }
            if steps - 1 > Self.maximumGapSteps {
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
        for r in arima.indices {
            guard let member = arima[r] else { continue }
            let firstStep = Int((timestamp - member.model.firstTimestamp) / member.model.intervalSeconds)
            arima[r]!.state = member.model.fitted.filter([], firstStep: firstStep)
        }
    }

    private mutating func feed(timestamp: Int64, values: [Double]?) {
        let row = values ?? .init(repeating: .nan, count: Resource.count)
        for r in arima.indices where arima[r] != nil { arima[r]!.state.update(row[r]) }
        if !lstmStates.isEmpty {
            // Reset each state once per window, staggered by half a window.
            let window = lstmStates[0].model.spec.windowSteps
            let half = max(1, window / 2)
            for i in lstmStates.indices where stepsFed % window == (i * half) % window && stepsFed > 0 {
                lstmStates[i].reset()
            }
            for i in lstmStates.indices { lstmStates[i].step(timestampSeconds: timestamp, values: row) }
        }
        if let b = behaviour {
            // A missing step (NaN values) is a prediction without an update.
            let observation = HMMObservation(values: b.dimensions.map { b.scaling.scaled(row[$0], resource: $0) })
            try? hmm?.step(observation)
        }
        let slot = (stepsFed % Self.naiveWindowSteps) * Resource.count
        for r in 0..<Resource.count { history[slot + r] = row[r] }
        historyCount = min(historyCount + 1, Self.naiveWindowSteps)
        if values != nil { lastValues = row }
        lastTimestamp = timestamp
        stepsFed += 1
        stepsSinceSpread = stepsSinceSpread == Int.max ? Int.max : stepsSinceSpread + 1
    }

    /// The LSTM state with the longer history of at most one window.
    private var servingLSTM: LSTMOnlineState? {
        guard let first = lstmStates.first else { return nil }
        let second = lstmStates[1]
        let window = first.model.spec.windowSteps
        let candidates = [first, second].filter { $0.stepsTaken <= window }
        return candidates.max { $0.stepsTaken < $1.stepsTaken } ?? first
    }

    /// The per-member forecasts: `Resource.count` arrays of `horizonSteps × levels.count`
    /// (step-major), SI units clipped at 0, NaN where the member cannot forecast.
    public mutating func memberForecasts() -> (arima: [[Double]], lstm: [[Double]], naive: [[Double]]) {
        let width = horizonSteps * levels.count
        let empty = [Double](repeating: .nan, count: width)
        var a = [[Double]](repeating: empty, count: Resource.count)
        var l = a
        var n = a
        for r in arima.indices {
            guard let member = arima[r], member.state.isReady else { continue }
            let q = member.state.quantiles(horizon: horizonSteps, probabilities: levels)
            for h in 0..<horizonSteps { for j in levels.indices {
                let v = q[h][j]
                a[r][h * levels.count + j] = v.isFinite ? max(0, v) : .nan
            } }
        }
        if let state = servingLSTM, let scaling = lstmScaling, state.stepsTaken > 0 {
            let forecast = state.forecast()
            let nq = levels.count
            for r in 0..<min(Resource.count, forecast.resources) {
                let scale = scaling.scales[r]
                for h in 0..<horizonSteps { for j in 0..<nq {
                    l[r][h * nq + j] = max(0, Double(forecast[step: h, resource: r, level: j]) * scale)
                } }
            }
        }
        // Naive: refresh the change quantiles every `naiveRefreshSteps`.
        if stepsSinceSpread == Int.max || stepsSinceSpread >= Self.naiveRefreshSteps {
            let naive = NaiveForecaster(windowSteps: Self.naiveWindowSteps)
            for r in 0..<Resource.count { naiveSpread[r] = naive.spread(history: column(r)[...], horizonSteps: horizonSteps, quantiles: levels) }
            stepsSinceSpread = 0
        }
        for r in 0..<Resource.count where lastValues[r].isFinite {
            for i in 0..<width { n[r][i] = max(0, lastValues[r] + naiveSpread[r][i]) }
        }
        return (a, l, n)
    }

    /// The candidate forecast: per resource the quantile blend of the members by the
    /// version's weights (renormalised over the members that forecast).
    public mutating func forecast() -> [[Double]] {
        let (a, l, n) = memberForecasts()
        return (0..<Resource.count).map { r in
            let w = blendWeights[r]
            return a[r].indices.map { i in w.combine(arima: a[r][i], lstm: l[r][i], naive: n[r][i]) }
        }
    }

    /// P(the workload is in a heavy phase within `steps`), or nil without an HMM.
    public func heavyPhaseProbability(withinSteps steps: Int) -> Double? {
        guard let hmm, hmm.stepCount > 0 else { return nil }
        return hmm.heavyPhaseProbability(withinSteps: steps)
    }

    /// Resource r's trailing values in time order (oldest first).
    private func column(_ r: Int) -> [Double] {
        let count = historyCount
        let start = stepsFed - count
        return (0..<count).map { k in history[((start + k) % Self.naiveWindowSteps) * Resource.count + r] }
    }
}
