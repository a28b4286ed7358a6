import Foundation
import Hummingbird
import Forecast
import Store
import Wire

/// `InputRules` at the HTTP entrance: the same rule for workload names, timestamps and
/// values as the importers and the agent apply (issue 12, item 3: a sample stamped 2100
/// froze its workload's scoring for good, 1e308 was forecast, names with NUL collapsed into
/// one workload that could not be read back).
extension SampleBatch {
    /// Checks every sample and trace event of a decoded batch against `InputRules`, live
    /// timestamps against `nowSeconds` (the scorer's clock: up to a day ahead).
    /// - Throws: `FieldViolation` (400) for the first violation, in document order.
    static func checkRules(samples: [IncomingSample], traces: [TraceEvent], nowSeconds: Int64) throws {
        for (i, sample) in samples.enumerated() {
            if let violation = InputRules.nameViolation(sample.workload) {
                throw FieldViolation(array: "samples", index: i, workload: nil, violation: violation)
            }
            if let violation = InputRules.liveTimestampViolation(sample.timestamp, nowSeconds: nowSeconds) {
                throw FieldViolation(array: "samples", index: i, workload: sample.workload, violation: violation)
            }
            for resource in Resource.allCases {
                let value = sample.values[resource.rawValue]
                guard !value.isNaN, let violation = InputRules.valueViolation(value, resource: resource) else { continue }
                throw FieldViolation(array: "samples", index: i, workload: sample.workload, violation: violation)
            }
        }
        for (i, event) in traces.enumerated() {
            // A decoded element always has its workload (`TraceEvent+Codable` requires it).
            let workload = event.workload ?? ""
            if let violation = InputRules.nameViolation(workload) {
                throw FieldViolation(array: "traces", index: i, workload: nil, violation: violation)
            }
            // The decoder has bounded the time to 1970…2100, so the conversion is exact.
            if let violation = InputRules.liveTimestampViolation(Int64(event.timestampSeconds.rounded(.down)), nowSeconds: nowSeconds) {
                throw FieldViolation(array: "traces", index: i, workload: workload,
                                     violation: .init(field: violation.field, expected: violation.expected, found: "\(event.timestampSeconds)"))
            }
        }
    }
}

/// A field that breaks `InputRules`: a 400 whose body names it, in the usual
/// `{"error": {"message": …}}` and field by field:
///
/// ```json
/// {"error": {"message": "samples[0] (workload \"w\").timestamp: expected a time from 1970-01-01 up to one day after now (…), found 4102444800",
///            "field": "samples[0].timestamp", "index": 0, "workload": "w", "expected": "…", "found": "4102444800"}}
/// ```
///
/// `workload` is left out when the name itself is the violation (its visible form is in
/// `found`).
struct FieldViolation: HTTPResponseError, CustomStringConvertible {
    var array: String
    var index: Int
    var workload: String?
    var violation: InputRules.Violation

    var status: HTTPResponse.Status { .badRequest }

    var field: String { "\(array)[\(index)].\(violation.field)" }

    var description: String {
        let label = workload.map { " (workload \"\($0)\")" } ?? ""
        return "\(array)[\(index)]\(label).\(violation.field): expected \(violation.expected), found \(violation.found)"
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            var message: String
            var field: String
            var index: Int
            var workload: String?
            var expected: String
            var found: String
        }
        var error: Detail
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(error: .init(message: description, field: field, index: index, workload: workload, expected: violation.expected,
                                     found: violation.found))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }
}
