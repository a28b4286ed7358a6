import Foundation

/// Small JSON helpers for metadata strings (safetensors metadata holds strings only).
public enum JSONText {
    public static func encode<T: Encodable>(_ value: T, snakeCase: Bool = false) -> String {
        let encoder = JSONEncoder()
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    public static func decode<T: Decodable>(_ text: String) throws -> T {
        try decode(text, snakeCase: false)
    }

    /// `decode` of what `encode(_:snakeCase: true)` wrote.
    public static func decodeSnakeCase<T: Decodable>(_ text: String) throws -> T {
        try decode(text, snakeCase: true)
    }

    private static func decode<T: Decodable>(_ text: String, snakeCase: Bool) throws -> T {
        let decoder = JSONDecoder()
        if snakeCase { decoder.keyDecodingStrategy = .convertFromSnakeCase }
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(T.self, from: Data(text.utf8))
    }
}
