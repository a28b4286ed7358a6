/// Rolling-origin backtest (Tashman 2000) over a period the models never saw.
///
/// For every workload and every origin `o` in the evaluation period (every
/// `originStrideSteps` steps, with the whole horizon inside the period), each forecaster
/// gets the history up to and including `o` and predicts steps `o+1 … o+h`; errors are
/// accumulated per resource and horizon step. Errors are scaled per series by the MASE
/// scale of its training part (the history before the period), so series of different
/// units average meaningfully; series whose training part never changes (scale 0) or is
/// too short are skipped and counted.
public struct Backtest {
    public struct Configuration: Sendable, Codable, Equatable {
        public var horizonSteps: Int
        public var quantiles: [Double]
        public var originStrideSteps: Int
        /// Training history used for the MASE scale: one week, on each case's grid (2,016
        /// steps of 5-minute data; uncapped: the case holds its history anyway, and the scale
        /// is computed once per case).
        public var scaleWindow: Duration
        /// Series plotted in the report (per forecaster: forecast made `horizonSteps` ago).
        public var plottedWorkloads: Int

        public init(horizonSteps: Int = 12, quantiles: [Double] = [0.5, 0.9, 0.99], originStrideSteps: Int = 12,
                    scaleWindow: Duration = .seconds(7 * 86_400), plottedWorkloads: Int = 4) {
            self.horizonSteps = horizonSteps
            self.quantiles = quantiles
            self.originStrideSteps = originStrideSteps
            self.scaleWindow = scaleWindow
            self.plottedWorkloads = plottedWorkloads
        }
    }

    /// One workload to evaluate: its whole grid (training part and evaluation period).
    public struct Case: Sendable {
        public var workload: String
        public var series: RegularSeries
        /// First step of the evaluation period.
        public var evaluationStart: Int
        /// One past the last step of the evaluation period.
        public var evaluationEnd: Int
        /// True for a workload that did not exist in the training window (cold start).
        public var isNew: Bool

        public init(workload: String, series: RegularSeries, evaluationStart: Int, evaluationEnd: Int, isNew: Bool) {
            self.workload = workload
            self.series = series
            self.evaluationStart = evaluationStart
            self.evaluationEnd = evaluationEnd
            self.isNew = isNew
        }
    }

    /// Points of one plotted series: the actual value at each target step and the
    /// forecaster's quantiles for it, made `horizonSteps` earlier.
    public struct PlotSeries: Sendable, Codable, Equatable {
        public var workload: String
        public var resource: String
        public var forecaster: String
        public var timestamps: [Int64]
        public var actual: [Double]
        /// `quantiles.count` arrays aligned with `timestamps`.
        public var predicted: [[Double]]
    }

    public struct Result: Sendable {
        /// accumulators[forecaster][resource] over established workloads, and over new ones.
        public var established: [String: [AccuracyAccumulator]]
        public var new: [String: [AccuracyAccumulator]]
        public var plots: [PlotSeries]
        /// Per-series MASE (over all horizon steps) of established workloads:
        /// `seriesMASE[forecaster][resource]` lists one value per series — for medians that
        /// a few near-constant series cannot dominate.
        public var seriesMASE: [String: [[Double]]]
        public var skippedSeries: Int
        public var forecasterOrder: [String]
    }

    public let configuration: Configuration
    public init(configuration: Configuration) { self.configuration = configuration }

    /// Runs every forecaster over every case. `progress(casesDone, casesTotal)`.
    public func run(cases: [Case], forecasters: inout [any WorkloadForecaster],
                    progress: (Int, Int) -> Void = { _, _ in }) -> Result {
        let c = configuration, h = c.horizonSteps, q = c.quantiles
        let empty = [AccuracyAccumulator](repeating: AccuracyAccumulator(quantiles: q, horizonSteps: h), count: Resource.count)
        var established: [String: [AccuracyAccumulator]] = [:]
        var new: [String: [AccuracyAccumulator]] = [:]
        for f in forecasters { established[f.name] = empty; new[f.name] = empty }
        var plots: [PlotSeries] = []
        var seriesMASE: [String: [[Double]]] = [:]
        for f in forecasters { seriesMASE[f.name] = .init(repeating: [], count: Resource.count) }
        var skipped = 0
        for (index, testCase) in cases.enumerated() {
            let series = testCase.series
            let scaleWindowSteps = c.scaleWindow.steps(atIntervalSeconds: series.intervalSeconds)
            // Per-resource MASE scale from the training part; a series with none (a new
            // workload) is scaled by the naive MAE of the evaluation period itself.
            let scales = Resource.allCases.map { r -> Double in
                let lower = max(0, testCase.evaluationStart - scaleWindowSteps)
                let training = (lower..<testCase.evaluationStart).map { series.values[$0 * Resource.count + r.rawValue] }
                let scale = ForecastAccuracy.maseScale(training: training)
                if scale.isFinite || training.filter(\.isFinite).count > 1 { return scale }
                let period = (testCase.evaluationStart..<testCase.evaluationEnd).map { series.values[$0 * Resource.count + r.rawValue] }
                return ForecastAccuracy.maseScale(training: period)
            }
            skipped += scales.filter { !$0.isFinite }.count
            let plotted = index < c.plottedWorkloads
            var plotPoints: [String: [(Int64, Double, [Double])]] = [:]
            // Σ scaled |error of the median| and counts, per forecaster × resource, this series only.
            var seriesError = [Double](repeating: 0, count: forecasters.count * Resource.count)
            var seriesCount = [Int](repeating: 0, count: forecasters.count * Resource.count)
            let medianColumn = q.indices.min { abs(q[$0] - 0.5) < abs(q[$1] - 0.5) }!
            var origin = testCase.evaluationStart - 1
            while origin + h < testCase.evaluationEnd {
                if origin >= 0 {
                    for f in forecasters.indices {
                        let predicted = forecasters[f].forecast(workload: testCase.workload, series: series, origin: origin,
                                                                horizonSteps: h, quantiles: q)
                        let name = forecasters[f].name
                        for r in Resource.allCases where scales[r.rawValue].isFinite {
                            let actual = (1...h).map { series.values[(origin + $0) * Resource.count + r.rawValue] }
                            for step in 0..<h where actual[step].isFinite && predicted[r.rawValue][step * q.count + medianColumn].isFinite {
                                seriesError[f * Resource.count + r.rawValue] += abs(actual[step] - predicted[r.rawValue][step * q.count + medianColumn]) / scales[r.rawValue]
                                seriesCount[f * Resource.count + r.rawValue] += 1
                            }
                            if testCase.isNew {
                                new[name]![r.rawValue].add(actual: actual, predicted: predicted[r.rawValue], scale: scales[r.rawValue])
                            } else {
                                established[name]![r.rawValue].add(actual: actual, predicted: predicted[r.rawValue], scale: scales[r.rawValue])
                            }
                            if plotted, r == .cpuCores || r == .memoryBytes {
                                let row = (h - 1) * q.count
                                plotPoints["\(name)|\(r.snakeCaseName)", default: []].append(
                                    (series.timestamp(ofStep: origin + h), actual[h - 1], Array(predicted[r.rawValue][row..<(row + q.count)])))
                            }
                        }
                    }
                }
                origin += c.originStrideSteps
            }
            if !testCase.isNew {
                for f in forecasters.indices {
                    for r in 0..<Resource.count where seriesCount[f * Resource.count + r] > 0 {
                        seriesMASE[forecasters[f].name]![r].append(seriesError[f * Resource.count + r] / Double(seriesCount[f * Resource.count + r]))
                    }
                }
            }
            for (key, points) in plotPoints.sorted(by: { $0.key < $1.key }) where points.contains(where: { $0.1.isFinite }) {
                let parts = key.split(separator: "|").map(String.init)
                plots.append(PlotSeries(workload: testCase.workload, resource: parts[1], forecaster: parts[0],
                                        timestamps: points.map(\.0), actual: points.map(\.1),
                                        predicted: q.indices.map { j in points.map { $0.2[j] } }))
            }
            progress(index + 1, cases.count)
        }
        return Result(established: established, new: new, plots: plots, seriesMASE: seriesMASE, skippedSeries: skipped,
                      forecasterOrder: forecasters.map(\.name))
    }
}
