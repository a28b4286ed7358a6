import Forecast
import Store

/// One ARIMA model: a workload's resource, fitted on the grid ending at the training end.
public struct SeriesARIMA: Sendable {
    public var workload: String
    public var resource: Resource
    /// Unix seconds of the first training step and the grid interval (for Fourier phase).
    public var firstTimestamp: Int64
    public var intervalSeconds: Int64
    public var fitted: FittedARIMA

    public init(workload: String, resource: Resource, firstTimestamp: Int64, intervalSeconds: Int64, fitted: FittedARIMA) {
        self.workload = workload
        self.resource = resource
        self.firstTimestamp = firstTimestamp
        self.intervalSeconds = intervalSeconds
        self.fitted = fitted
    }
}

/// The ARIMA family: auto-ARIMA (KPSS for d, stepwise AICc search) per workload and
/// resource on the most recent `historySteps` of the training window, with the daily
/// cycle as Fourier regressors when the history holds at least two days.
public enum ARIMAModels {
    public static let family = "arima"

    public struct Settings: Codable, Sendable {
        /// Most recent steps fitted per series: a step count by design, not a span of time.
        /// It bounds the fit's cost (each likelihood evaluation is a Kalman pass over these
        /// steps, hundreds per stepwise search), which is what a profile budgets, and it is
        /// stored with the model's hyperparameters as fitted.
        public var historySteps: Int
        public var maxP: Int
        public var maxQ: Int
        public var fourierPairs: Int
        /// Seconds of the seasonal cycle modelled by Fourier terms (one day).
        public var periodSeconds: Int64 = 86_400

        public init(historySteps: Int, maxP: Int, maxQ: Int, fourierPairs: Int, periodSeconds: Int64 = 86_400) {
            self.historySteps = historySteps
            self.maxP = maxP
            self.maxQ = maxQ
            self.fourierPairs = fourierPairs
            self.periodSeconds = periodSeconds
        }
    }

    /// Fits every measured resource of one workload; skipped series are returned with why.
    public static func fit(_ history: WorkloadHistory, settings: Settings) -> (models: [SeriesARIMA], skipped: [(Resource, TrainingSkip)]) {
        let series = history.series.slice(max(0, history.series.steps - settings.historySteps)..<history.series.steps)
        let interval = series.intervalSeconds
        let periodSteps = settings.periodSeconds % interval == 0 ? Int(settings.periodSeconds / interval) : nil
        var models: [SeriesARIMA] = []
        var skipped: [(Resource, TrainingSkip)] = []
        for resource in Resource.allCases {
            let y = series.column(resource)
            let measured = y.filter(\.isFinite).count
            guard measured > 0 else { continue }
            var spec = ARIMASpec()
            spec.maxP = settings.maxP
            spec.maxQ = settings.maxQ
            if let periodSteps, y.count >= 2 * periodSteps {
                spec.fourierPeriod = periodSteps
                spec.fourierPairs = .fixed(settings.fourierPairs)
            }
            let start = spec.fourierPeriod.map { series.phase(ofStep: 0, periodSteps: $0) } ?? 0
            do {
                let fitted = try AutoARIMA.fit(y, startStep: start, spec: spec)
                models.append(SeriesARIMA(workload: history.name, resource: resource, firstTimestamp: series.startTimestamp,
                                          intervalSeconds: interval, fitted: fitted))
            } catch {
                skipped.append((resource, TrainingSkip(error.description)))
            }
        }
        return (models, skipped)
    }

    public struct Entry: Codable {
        var workload: String
        var resource: String
        var firstTimestamp: Int64
        var intervalSeconds: Int64
    }

    public static func encode(_ models: [SeriesARIMA], into bundle: inout TensorBundle) {
        for (i, model) in models.enumerated() { model.fitted.encode(into: &bundle, prefix: "arima.\(i)") }
        bundle.metadata["series"] = JSONText.encode(models.map {
            Entry(workload: $0.workload, resource: $0.resource.snakeCaseName, firstTimestamp: $0.firstTimestamp, intervalSeconds: $0.intervalSeconds)
        })
    }

    public static func decode(_ bundle: TensorBundle) throws -> [SeriesARIMA] {
        let entries: [Entry] = try JSONText.decode(bundle.meta("series"))
        return try entries.enumerated().map { i, e in
            guard let resource = Resource(snakeCaseName: e.resource) else {
                throw TensorBundleError.invalid("arima series \(i): unknown resource \(e.resource)")
            }
            return SeriesARIMA(workload: e.workload, resource: resource, firstTimestamp: e.firstTimestamp,
                               intervalSeconds: e.intervalSeconds, fitted: try FittedARIMA(from: bundle, prefix: "arima.\(i)"))
        }
    }
}
