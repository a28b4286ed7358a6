import Foundation

/// The one JSON configuration both ends use: bodies are written with sorted keys and
/// unescaped slashes (stable bytes for logs and tests), and read strictly, every failure a
/// `WireError` naming the field.
public enum WireJSON {
    /// Encodes `value` as the agent and the scorer send it.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Decodes a body, turning Foundation's `DecodingError` into a `WireError` that names the
    /// field (Foundation's own messages name Swift types and omit the path).
    /// - Parameter what: the body, for a message about the whole ("a sample batch").
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String) throws(WireError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as WireError {
            throw error
        } catch let DecodingError.typeMismatch(expected, context) {
            let field = WirePath.text(context.codingPath)
            throw WireError(field: field, "\(field): expected \(WirePath.describe(expected))")
        } catch let DecodingError.keyNotFound(key, context) {
            let field = WirePath.text(context.codingPath + [key])
            throw WireError(field: field, "\(field): missing")
        } catch let DecodingError.valueNotFound(expected, context) {
            let field = WirePath.text(context.codingPath)
            throw WireError(field: field, "\(field): expected \(WirePath.describe(expected)), got null")
        } catch let DecodingError.dataCorrupted(context) {
            if let underlying = context.underlyingError as? WireError { throw underlying }
            if context.codingPath.isEmpty { throw WireError(field: "", "body is not valid JSON") }
            let field = WirePath.text(context.codingPath)
            // JSONDecoder reports an integer field given a fraction (or out of range) as
            // corrupted data with its own wording; say what the field takes.
            if context.codingPath.last?.stringValue == "timestamp" || context.codingPath.first?.stringValue == "checkpoints" {
                throw WireError(field: field, "\(field): expected \(WirePath.describe(Int64.self))")
            }
            throw WireError(field: field, "\(field): \(context.debugDescription)")
        } catch {
            throw WireError(field: "", "body is not \(what): \(error)")
        }
    }
}
