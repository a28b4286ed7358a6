import Forecast

/// A malformed field: where it is and what was expected there.
struct FieldError: Error {
    /// 1-based column.
    var column: Int
    var columnName: String
    var expected: String
    var found: String
}

/// Parses the lines of one file of one format into a `SampleSink`.
protocol TraceParser {
    /// Starts a file; `stem` is its name without directory and extensions.
    mutating func beginFile(stem: String, sink: SampleSink) throws
    /// Parses one line. Throws `FieldError` for malformed content.
    mutating func parse(line: UnsafeBufferPointer<UInt8>, lineNumber: Int, sink: SampleSink) throws
    /// Ends the file (formats that buffer rows flush here).
    mutating func endFile(sink: SampleSink) throws
}

extension TraceParser {
    mutating func endFile(sink: SampleSink) throws {}
}

extension FieldSplitter {
    /// A number in field `index`: empty or `NaN` → NaN (missing, counted on `sink`);
    /// anything else that is not a decimal number → `FieldError`.
    func number(_ index: Int, name: String, sink: SampleSink) throws -> Double {
        if isEmpty(index) { sink.note(.missingValue); return .nan }
        guard let value = NumberParser.parseDouble(field(index)) else {
            throw FieldError(column: index + 1, columnName: name, expected: "a decimal number (or NaN / empty for missing)", found: text(index))
        }
        if value.isNaN { sink.note(.missingValue) }
        return value
    }

    /// A timestamp in field `index`: ISO-8601 or Unix seconds (see `TimestampParser`).
    func timestamp(_ index: Int, name: String) throws -> Int64 {
        guard !isEmpty(index), let value = TimestampParser.parse(field(index)) else {
            throw FieldError(column: index + 1, columnName: name,
                             expected: "a timestamp (Unix seconds or ISO-8601 like 2014-02-14 14:30:00)", found: text(index))
        }
        return value
    }

    /// Throws unless the line has exactly `expected` fields.
    func requireCount(_ expected: Int, description: String) throws {
        guard count == expected else {
            throw FieldError(column: min(count, expected) + 1, columnName: "(row)",
                             expected: "\(expected) fields \(description)", found: "\(count) fields")
        }
    }
}

/// True for a line that is a comment (`#`) or only whitespace.
func isBlankOrComment(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    for byte in line {
        if byte == 0x20 || byte == 0x09 { continue }
        return byte == UInt8(ascii: "#")
    }
    return true
}

/// True when the line starts with an ASCII letter (a header line in numeric formats).
func startsWithLetter(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let first = line.first else { return false }
    return (first | 0x20) >= UInt8(ascii: "a") && (first | 0x20) <= UInt8(ascii: "z")
}
