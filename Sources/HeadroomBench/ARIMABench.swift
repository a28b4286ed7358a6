import Forecast
import Foundation

/// ARIMA fitting throughput: ARIMA(2,1,2) and AutoARIMA on every series of the benchmark
/// input (/work/shared/bench/arima_1000x288.csv: one series per row), one thread.
/// Prints one JSON line; bench/arima/run.sh runs it beside the Python peers.
///
/// The models match the peers': ARIMA(2,1,2) without drift (statsforecast
/// `ARIMA(order=(2,1,2))` and statsmodels `ARIMA(order=(2,1,2))` include none for d = 1),
/// CSS then exact ML; AutoARIMA with the defaults of `ARIMASpec` (exact search, as
/// statsforecast's `AutoARIMA()`). AICc is Hyndman's (n − d observations, σ² counted).
///
/// Usage: headroom-bench arima [--input PATH] [--limit N] [--only arima212|auto]
///        [--single-start] [--search exact|approximate] [--aicc-out PREFIX]
/// `--aicc-out PREFIX` writes each series' AICc (one per line, "nan" for a failure) to
/// PREFIX-arima212.txt and PREFIX-auto.txt, for per-series comparisons with the peers.
enum ARIMABench {
    struct Options {
        var input = "/work/shared/bench/arima_1000x288.csv"
        var limit = Int.max
        var cases: Set<String> = ["arima212", "auto"]
        var multipleStarts = true
        var search: ARIMASpec.SearchLikelihood = .exact
        var aiccOut: String? = nil
    }

    static func run(_ arguments: [String]) {
        guard let options = parse(arguments) else {
            print("usage: headroom-bench arima [--input PATH] [--limit N] [--only arima212|auto] [--single-start] "
                  + "[--search exact|approximate] [--aicc-out PREFIX]")
            return
        }
        let series: [[Double]]
        do {
            series = try load(options.input, limit: options.limit)
        } catch {
            print("{\"error\": \"cannot read \(options.input): \(error)\"}")
            return
        }
        var results: [String] = []
        if options.cases.contains("arima212") {
            var spec = ARIMASpec()
            spec.constant = .excluded
            spec.multipleStarts = options.multipleStarts
            let order = ARIMAOrder(p: 2, d: 1, q: 2)
            results.append(measure("arima212", series, aiccOut: options.aiccOut) { (y: [Double]) throws(ARIMAError) in
                try ARIMA.fit(y, order: order, spec: spec)
            })
        }
        if options.cases.contains("auto") {
            var spec = ARIMASpec()
            spec.multipleStarts = options.multipleStarts
            spec.searchLikelihood = options.search
            results.append(measure("auto", series, aiccOut: options.aiccOut) { (y: [Double]) throws(ARIMAError) in
                try AutoARIMA.fit(y, spec: spec)
            })
        }
        let settings = "\"settings\": {\"multiple_starts\": \(options.multipleStarts), \"search\": \"\(options.search.rawValue)\"}"
        print("{\"series\": \(series.count), \(settings), " + results.joined(separator: ", ") + "}")
    }

    /// `"name": {seconds, series_per_second, mean_aicc, failures, orders}` for one model over all series.
    static func measure(_ name: String, _ series: [[Double]], aiccOut: String?,
                        fit: ([Double]) throws(ARIMAError) -> FittedARIMA) -> String {
        var aiccSum = 0.0, finite = 0, failures = 0
        var perSeries: [Double] = []
        perSeries.reserveCapacity(series.count)
        var orders: [String: Int] = [:]
        let clock = ContinuousClock()
        let start = clock.now
        for y in series {
            do {
                let model = try fit(y)
                if model.aicc.isFinite { aiccSum += model.aicc; finite += 1 }
                perSeries.append(model.aicc)
                let key = "\(model.order.p),\(model.order.d),\(model.order.q)\(model.parameters.regressors.constant == .none ? "" : "+c")"
                orders[key, default: 0] += 1
            } catch {
                failures += 1
                perSeries.append(.nan)
            }
        }
        let elapsed = clock.now - start
        if let prefix = aiccOut {
            let text = perSeries.map { $0.isFinite ? String(format: "%.10g", $0) : "nan" }.joined(separator: "\n") + "\n"
            try? text.write(toFile: "\(prefix)-\(name).txt", atomically: true, encoding: .utf8)
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let topOrders = orders.sorted { $0.value > $1.value }.prefix(5).map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
        return "\"\(name)\": {\"seconds\": \(format(seconds)), \"series_per_second\": \(format(Double(series.count) / seconds)), "
            + "\"mean_aicc\": \(format(aiccSum / Double(max(finite, 1)))), \"failures\": \(failures), \"top_orders\": {\(topOrders)}}"
    }

    static func parse(_ arguments: [String]) -> Options? {
        var options = Options()
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--input": guard let value = iterator.next() else { return nil }; options.input = value
            case "--limit": guard let value = iterator.next().flatMap(Int.init), value > 0 else { return nil }; options.limit = value
            case "--only":
                guard let value = iterator.next(), ["arima212", "auto"].contains(value) else { return nil }
                options.cases = [value]
            case "--single-start": options.multipleStarts = false
            case "--aicc-out": guard let value = iterator.next() else { return nil }; options.aiccOut = value
            case "--search":
                guard let value = iterator.next(), let mode = ARIMASpec.SearchLikelihood(rawValue: value) else { return nil }
                options.search = mode
            default: return nil
            }
        }
        return options
    }

    /// One series per line, comma-separated numbers.
    static func load(_ path: String, limit: Int) throws -> [[Double]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var series: [[Double]] = []
        for line in text.split(whereSeparator: \.isNewline) where series.count < limit {
            let values = line.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) ?? .nan }
            if !values.isEmpty { series.append(values) }
        }
        return series
    }

    static func format(_ value: Double) -> String {
        value.isFinite ? String(format: "%.6g", value) : "null"
    }
}
