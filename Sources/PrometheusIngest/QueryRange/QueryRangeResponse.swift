import Foundation

/// A Prometheus HTTP API answer to `GET /api/v1/query_range` (https://prometheus.io/docs/prometheus/latest/querying/api/#range-queries):
///
/// ```json
/// {"status":"success","data":{"resultType":"matrix","result":[
///   {"metric":{"__name__":"up","job":"node"},"values":[[1435781430.781,"1"],[1435781445.781,"1"]]}]}}
/// ```
///
/// decoded into the remote-write message types (labels sorted by name, samples in
/// milliseconds), so history and live data go through the one `SeriesAssembler`.
package enum QueryRangeResponse {
    /// The series of a successful answer.
    /// - Throws: `QueryRangeError.server` with Prometheus' `errorType` and `error` for a
    ///   `"status":"error"` body; `.malformed` naming what was expected where.
    package static func decode(_ data: Data) throws(QueryRangeError) -> [Prometheus_TimeSeries] {
        let body: Body
        do { body = try JSONDecoder().decode(Body.self, from: data) } catch {
            throw .malformed("the answer is not a query_range JSON body: \(Self.describe(error))")
        }
        guard body.status == "success" else {
            throw .server(type: body.errorType ?? "unknown", message: body.error ?? "(no message)")
        }
        guard let payload = body.data else { throw .malformed("\"data\" is missing from a successful answer") }
        guard payload.resultType == "matrix" else {
            throw .malformed("data.resultType: expected \"matrix\", found \"\(payload.resultType)\"")
        }
        return payload.result.map { item in
            var series = Prometheus_TimeSeries()
            series.labels = item.metric.sorted { $0.key < $1.key }.map { name, value in
                var label = Prometheus_Label()
                label.name = name
                label.value = value
                return label
            }
            series.samples = item.values.map { point in
                var sample = Prometheus_Sample()
                sample.timestamp = point.milliseconds
                sample.value = point.value
                return sample
            }
            return series
        }
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return "at \(path.isEmpty ? "the top" : path): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    struct Body: Decodable {
        var status: String
        var data: Payload?
        var errorType: String?
        var error: String?
    }

    struct Payload: Decodable {
        var resultType: String
        var result: [Item]
    }

    struct Item: Decodable {
        var metric: [String: String]
        var values: [Point]
    }

    /// `[unix seconds (float), "value"]`; the value a string so that NaN and ±Inf survive JSON.
    struct Point: Decodable {
        var milliseconds: Int64
        var value: Double

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            let seconds = try container.decode(Double.self)
            let text = try container.decode(String.self)
            guard seconds.isFinite, abs(seconds) < 1e13 else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "time \(seconds) is not Unix seconds")
            }
            milliseconds = Int64((seconds * 1000).rounded())
            switch text {
            case "NaN": value = .nan
            case "+Inf", "Inf": value = .infinity
            case "-Inf": value = -.infinity
            default:
                guard let v = Double(text) else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "value \"\(text)\" is not a number")
                }
                value = v
            }
        }
    }
}

/// Why a `query_range` answer could not be used.
package enum QueryRangeError: Error, Equatable, CustomStringConvertible {
    /// Prometheus answered `"status":"error"`.
    case server(type: String, message: String)
    /// The body is not what the API documents.
    case malformed(String)

    package var description: String {
        switch self {
        case .server(let type, let message): "Prometheus refused the query (\(type)): \(message)"
        case .malformed(let message): message
        }
    }
}
