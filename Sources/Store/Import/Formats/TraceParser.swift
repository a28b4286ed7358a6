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

    /// `timestamp` if `InputRules` accepts it for an import (1970-01-01 ≤ t < 2100-01-01),
    /// else a `FieldError` on field `index` (nil = the arithmetic that made it overflowed).
    /// Every parser passes its final timestamp (after epochs, row indices, milliseconds)
    /// through here, so absurd times are refused or, with `--skip-invalid`, skipped.
    func checkedTimestamp(_ timestamp: Int64?, field index: Int, name: String) throws -> Int64 {
        try checkedImportTimestamp(timestamp, column: index + 1, columnName: name, found: text(index))
    }

    /// `value` (a converted resource value read from field `index`) if it is NaN (missing),
    /// negative (the sink stores NaN and counts it) or within `InputRules.valueViolation`'s
    /// bound; an infinite or physically impossible value is a `FieldError` naming the field.
    func checkedValue(_ value: Double, _ resource: Resource, field index: Int, name: String) throws -> Double {
        try checkedImportValue(value, resource, column: index + 1, columnName: name, found: text(index))
    }

    /// A workload name read from field `index` (with the import prefix), checked by
    /// `InputRules.nameViolation`.
    func checkedName(_ name: String, field index: Int, columnName: String) throws -> String {
        if let violation = InputRules.nameViolation(name) {
            throw FieldError(column: index + 1, columnName: columnName, expected: violation.expected, found: violation.found)
        }
        return name
    }

    /// Throws unless the line has exactly `expected` fields.
    func requireCount(_ expected: Int, description: String) throws {
        guard count == expected else {
            throw FieldError(column: min(count, expected) + 1, columnName: "(row)",
                             expected: "\(expected) fields \(description)", found: "\(count) fields")
        }
    }
}

/// A workload name made from a file's name (with the import prefix), checked by
/// `InputRules.nameViolation`; the error names no column (`ImportProducer` reports it
/// against the file, line 0).
func checkedFileName(_ name: String) throws -> String {
    if let violation = InputRules.nameViolation(name) {
        throw FieldError(column: 0, columnName: "file name", expected: violation.expected, found: violation.found)
    }
    return name
}

/// `checkedTimestamp` for a time that is not read from one field (row numbers × interval).
func checkedImportTimestamp(_ timestamp: Int64?, column: Int, columnName: String, found: @autoclosure () -> String) throws -> Int64 {
    guard let timestamp, InputRules.importTimestampViolation(timestamp) == nil else {
        throw FieldError(column: column, columnName: columnName, expected: importTimestampExpectation, found: found())
    }
    return timestamp
}

/// `checkedValue` for a value that is not read from one field.
func checkedImportValue(_ value: Double, _ resource: Resource, column: Int, columnName: String,
                        found: @autoclosure () -> String) throws -> Double {
    guard value.isNaN || value < 0 || InputRules.valueViolation(value, resource: resource) == nil else {
        throw FieldError(column: column, columnName: columnName,
                         expected: "a value giving \(resource.snakeCaseName) ≤ \(InputRules.maximumValue(resource)) (InputRules: no machine has more)",
                         found: found())
    }
    return value
}

/// The `expected` text of a refused timestamp (one text, so `--skip-invalid` counts them together).
let importTimestampExpectation = "a time from 1970-01-01 up to 2099-12-31 (InputRules; with --epoch and --interval applied)"

/// `a + b · c` on Int64, nil when any step overflows.
func checkedAffine(_ a: Int64, _ b: Int64, _ c: Int64) -> Int64? {
    let (product, o1) = b.multipliedReportingOverflow(by: c)
    let (sum, o2) = a.addingReportingOverflow(product)
    return o1 || o2 ? nil : sum
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
