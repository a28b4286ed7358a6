/// A body that is not what the protocol says, found while decoding it: `field` is the path
/// of the offending value (`samples[3].timestamp`, `traces[0].attributes.a`; empty for the
/// body as a whole) and `message` the whole sentence a client sees, naming that field and
/// what was expected. The scorer answers it with a 400.
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { message }
}

/// A coding key for any string: the bodies read their keys themselves, so an unknown key is
/// an error naming it instead of being skipped as synthesized `Decodable` would.
public struct WireKey: CodingKey, Hashable, Sendable {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
    public init(_ name: String) { stringValue = name }
}

/// How fields are named in messages.
public enum WirePath {
    /// `samples[3].timestamp` for the coding path samples → 3 → timestamp.
    public static func text(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                if !out.isEmpty { out += "." }
                out += key.stringValue
            }
        }
        return out
    }

    /// What a value of `type` must look like, for "expected …".
    public static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int64.Type: "Unix seconds (an integer)"
        case is Double.Type: "a number ≥ 0"
        case is String.Type: "a string"
        case is [String].Type: "an array of strings"
        case is Bool.Type: "true or false"
        default: "\(type)"
        }
    }
}
