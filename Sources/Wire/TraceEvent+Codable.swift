import Foundation

/// One element of a batch's `traces` array:
///
/// ```json
/// {"workload": "etl-7", "timestamp": 1732500000.25, "kind": "phase", "name": "load",
///  "value": 3, "attributes": {"table": "orders"}}
/// ```
///
/// `workload` (1…256 bytes), `timestamp` (Unix seconds, fractions allowed, 1970…2100),
/// `kind` (`TraceEvent.Kind.known`) and `name` (1…256 bytes) are required; `value` (a finite
/// number or null) and `attributes` (a flat object of at most 32 strings, numbers, booleans
/// or nulls; kept re-encoded with sorted keys) are optional. Any other key is an error.
/// Decoding is strict: every error is a `WireError` naming the element and the field
/// (`traces[3].kind: …`).
extension TraceEvent: Codable {
    /// The fields a `traces` element may have.
    public static let fields: Set<String> = ["workload", "timestamp", "kind", "name", "value", "attributes"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: WireKey.self)
        // The element's path, built only for a message (this runs once per event).
        func at() -> String { WirePath.text(decoder.codingPath) }
        for key in container.allKeys where !Self.fields.contains(key.stringValue) {
            throw WireError(field: "\(at()).\(key.stringValue)",
                            "\(at()): unknown field \"\(key.stringValue)\"; expected workload, timestamp, kind, name and optionally value, attributes")
        }
        func text(_ field: String) throws -> String {
            let key = WireKey(field)
            guard container.contains(key) else { throw WireError(field: "\(at()).\(field)", "\(at()).\(field): missing") }
            guard let value = try? container.decode(String.self, forKey: key) else {
                throw WireError(field: "\(at()).\(field)", "\(at()).\(field): expected a string")
            }
            guard !value.isEmpty, value.utf8.count <= Self.maximumNameBytes else {
                throw WireError(field: "\(at()).\(field)", "\(at()).\(field): must be 1 to \(Self.maximumNameBytes) bytes, got \(value.utf8.count)")
            }
            return value
        }
        let workload = try text("workload")
        let kindText = try text("kind")
        guard let kind = Kind(rawValue: kindText) else {
            throw WireError(field: "\(at()).kind", "\(at()).kind: \"\(kindText)\" is not one of \(Self.kinds.sorted().joined(separator: ", "))")
        }
        let name = try text("name")
        let timestampKey = WireKey("timestamp")
        guard container.contains(timestampKey) else { throw WireError(field: "\(at()).timestamp", "\(at()).timestamp: missing") }
        guard let timestamp = try? container.decode(Double.self, forKey: timestampKey) else {
            throw WireError(field: "\(at()).timestamp", "\(at()).timestamp: expected Unix seconds (a number)")
        }
        guard timestamp >= 0, timestamp < Self.latestTimestampSeconds else {
            throw WireError(field: "\(at()).timestamp", "\(at()).timestamp: \(timestamp) is not Unix seconds between 1970 and 2100 (milliseconds?)")
        }
        var value: Double?
        let valueKey = WireKey("value")
        if container.contains(valueKey), try !container.decodeNil(forKey: valueKey) {
            guard let number = try? container.decode(Double.self, forKey: valueKey), number.isFinite else {
                throw WireError(field: "\(at()).value", "\(at()).value: expected a finite number or null")
            }
            value = number
        }
        var attributes: String?
        let attributesKey = WireKey("attributes")
        if container.contains(attributesKey), try !container.decodeNil(forKey: attributesKey) {
            attributes = try Self.attributesJSON(container.superDecoder(forKey: attributesKey), at: "\(at()).attributes")
        }
        self.init(workload: workload, timestampSeconds: timestamp, kind: kind, name: name, value: value, attributesJSON: attributes)
    }

    /// The fields above; `workload` nil is sent as "" (which the scorer refuses: the agent
    /// resolves every event's workload before it batches it), a non-finite `value` is left
    /// out, `attributes` is sent as the object its text holds.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WireKey.self)
        try container.encode(workload ?? "", forKey: WireKey("workload"))
        try container.encode(timestampSeconds, forKey: WireKey("timestamp"))
        try container.encode(kind, forKey: WireKey("kind"))
        try container.encode(name, forKey: WireKey("name"))
        if let value, value.isFinite { try container.encode(value, forKey: WireKey("value")) }
        if let attributesJSON, let object = try? JSONDecoder().decode([String: AttributeValue].self, from: Data(attributesJSON.utf8)) {
            try container.encode(object, forKey: WireKey("attributes"))
        }
    }

    /// A flat attribute value.
    public enum AttributeValue: Codable, Equatable, Sendable {
        case string(String), number(Double), bool(Bool), null

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let b = try? container.decode(Bool.self) {
                self = .bool(b)
            } else if let n = try? container.decode(Double.self), n.isFinite {
                self = .number(n)
            } else if let s = try? container.decode(String.self) {
                self = .string(s)
            } else {
                throw WireError(field: WirePath.text(decoder.codingPath),
                                "\(WirePath.text(decoder.codingPath)): expected a string, number, boolean or null (attributes are flat)")
            }
        }

        public func encode(to encoder: any Encoder) throws {
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
    /// - Throws: `WireError` naming `at` when it is not an object, a value is nested or
    ///   not finite, there are more than `maximumAttributes` keys, or it is over
    ///   `maximumAttributeBytes`.
    static func attributesJSON(_ decoder: any Decoder, at: String) throws -> String {
        guard let container = try? decoder.container(keyedBy: WireKey.self) else {
            throw WireError(field: at, "\(at): expected an object of strings, numbers, booleans or nulls")
        }
        guard container.allKeys.count <= maximumAttributes else {
            throw WireError(field: at, "\(at): \(container.allKeys.count) keys; at most \(maximumAttributes)")
        }
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
                throw WireError(field: "\(at).\(key.stringValue)",
                                "\(at).\(key.stringValue): expected a string, number, boolean or null (attributes are flat)")
            }
        }
        let text = String(decoding: try WireJSON.encode(values), as: UTF8.self)
        guard text.utf8.count <= maximumAttributeBytes else {
            throw WireError(field: at, "\(at): \(text.utf8.count) bytes encoded; at most \(maximumAttributeBytes)")
        }
        return text
    }
}
