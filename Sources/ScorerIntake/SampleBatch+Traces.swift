import Foundation
import Store

extension SampleBatch {
    /// The fields a `traces` element may have.
    static let traceFields: Set<String> = ["workload", "timestamp", "kind", "name", "value", "attributes"]
    /// Longest `attributes` object, re-encoded: the agent's intake takes lines of at most
    /// 4 KiB (docs/trace-protocol.md), so a longer object cannot have come from it.
    static let maximumAttributeBytes = 4096

    /// One element of a batch's `traces` array, parsed strictly:
    ///
    /// ```json
    /// {"workload": "etl-7", "timestamp": 1732500000.25, "kind": "phase", "name": "load",
    ///  "value": 3, "attributes": {"table": "orders"}}
    /// ```
    ///
    /// `workload` (1…256 bytes), `timestamp` (Unix seconds, fractions allowed, 1970…2100),
    /// `kind` (`span_start`, `span_end`, `phase`, `loop`, `state`, or the raw kernel kinds
    /// `syscall`, `wchan`) and `name` (1…256 bytes) are required; `value` (a finite number
    /// or null) and `attributes` (a flat object of at most 32 strings, numbers, booleans or
    /// nulls; stored re-encoded with sorted keys) are optional. Any other key is an error.
    /// Every error names the element and the field (`traces[3].kind: …`).
    struct TraceItem: Decodable {
        var event: IncomingTraceEvent

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            let at = SampleBatch.path(decoder.codingPath)
            for key in container.allKeys where !SampleBatch.traceFields.contains(key.stringValue) {
                throw BatchError("\(at): unknown field \"\(key.stringValue)\"; expected workload, timestamp, kind, name and optionally value, attributes")
            }
            func text(_ field: String) throws -> String {
                let key = Key(stringValue: field)
                guard container.contains(key) else { throw BatchError("\(at).\(field): missing") }
                guard let value = try? container.decode(String.self, forKey: key) else { throw BatchError("\(at).\(field): expected a string") }
                guard !value.isEmpty, value.utf8.count <= 256 else {
                    throw BatchError("\(at).\(field): must be 1 to 256 bytes, got \(value.utf8.count)")
                }
                return value
            }
            let workload = try text("workload")
            let kind = try text("kind")
            guard IncomingTraceEvent.kinds.contains(kind) else {
                throw BatchError("\(at).kind: \"\(kind)\" is not one of \(IncomingTraceEvent.kinds.sorted().joined(separator: ", "))")
            }
            let name = try text("name")
            let timestampKey = Key(stringValue: "timestamp")
            guard container.contains(timestampKey) else { throw BatchError("\(at).timestamp: missing") }
            guard let timestamp = try? container.decode(Double.self, forKey: timestampKey) else {
                throw BatchError("\(at).timestamp: expected Unix seconds (a number)")
            }
            guard timestamp >= 0, timestamp < Double(HeadroomStore.latestTimestamp) else {
                throw BatchError("\(at).timestamp: \(timestamp) is not Unix seconds between 1970 and 2100 (milliseconds?)")
            }
            var value: Double?
            let valueKey = Key(stringValue: "value")
            if container.contains(valueKey), try !container.decodeNil(forKey: valueKey) {
                guard let number = try? container.decode(Double.self, forKey: valueKey), number.isFinite else {
                    throw BatchError("\(at).value: expected a finite number or null")
                }
                value = number
            }
            var attributes: String?
            let attributesKey = Key(stringValue: "attributes")
            if container.contains(attributesKey), try !container.decodeNil(forKey: attributesKey) {
                attributes = try SampleBatch.attributesJSON(container.superDecoder(forKey: attributesKey), at: "\(at).attributes")
            }
            event = IncomingTraceEvent(workload: workload, timestampSeconds: timestamp, kind: kind, name: name, value: value,
                                       attributesJSON: attributes)
        }
    }

    /// A flat attribute value.
    enum AttributeValue: Encodable {
        case string(String), number(Double), bool(Bool), null

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let s): try container.encode(s)
            case .number(let n): try container.encode(n)
            case .bool(let b): try container.encode(b)
            case .null: try container.encodeNil()
            }
        }
    }

    /// Reads a flat `attributes` object and re-encodes it as compact JSON, keys sorted.
    /// - Throws: `BatchError` naming `at` when it is not an object, a value is nested or
    ///   not finite, there are more than 32 keys, or it is over `maximumAttributeBytes`.
    static func attributesJSON(_ decoder: any Decoder, at: String) throws -> String {
        guard let container = try? decoder.container(keyedBy: Key.self) else {
            throw BatchError("\(at): expected an object of strings, numbers, booleans or nulls")
        }
        guard container.allKeys.count <= 32 else { throw BatchError("\(at): \(container.allKeys.count) keys; at most 32") }
        var values: [String: AttributeValue] = [:]
        for key in container.allKeys {
            if try container.decodeNil(forKey: key) {
                values[key.stringValue] = .null
            } else if let b = try? container.decode(Bool.self, forKey: key) {
                values[key.stringValue] = .bool(b)
            } else if let n = try? container.decode(Double.self, forKey: key), n.isFinite {
                values[key.stringValue] = .number(n)
            } else if let s = try? container.decode(String.self, forKey: key) {
                values[key.stringValue] = .string(s)
            } else {
                throw BatchError("\(at).\(key.stringValue): expected a string, number, boolean or null (attributes are flat)")
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(values), as: UTF8.self)
        guard text.utf8.count <= maximumAttributeBytes else {
            throw BatchError("\(at): \(text.utf8.count) bytes encoded; at most \(maximumAttributeBytes)")
        }
        return text
    }
}
