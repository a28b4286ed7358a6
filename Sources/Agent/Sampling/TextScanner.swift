/// Byte-level helpers shared by the /proc and cgroup parsers.
///
/// The parsers work on the UTF-8 bytes of the file text (what `read(2)` returned), so the
/// readers can parse straight from their read buffer without building a `String`; the
/// public `init(parsing:file:)` entry points take a `String` for fixtures and tests.

/// A file's name for error messages, built into a `String` only when an error needs it
/// (the per-process files are read hundreds of times a second).
struct FileName: CustomStringConvertible {
    private let path: String
    private let pid: Int32
    private let name: StaticString?

    init(_ path: String) {
        self.path = path
        self.pid = 0
        self.name = nil
    }

    /// `<root>/<pid>/<name>`.
    init(root: String, pid: Int32, name: StaticString) {
        self.path = root
        self.pid = pid
        self.name = name
    }

    var description: String {
        guard let name else { return path }
        return "\(path)/\(pid)/\(name)"
    }
}

/// The bytes of one file's text, with the file's name for error messages.
struct TextBytes {
    let bytes: UnsafeBufferPointer<UInt8>
    let file: FileName

    init(bytes: UnsafeBufferPointer<UInt8>, file: FileName) {
        self.bytes = bytes
        self.file = file
    }

    init(bytes: UnsafeBufferPointer<UInt8>, file: String) {
        self.init(bytes: bytes, file: FileName(file))
    }

    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    static let colon = UInt8(ascii: ":")

    /// Calls `body` with each line (without its newline) and its 1-based number. A final
    /// line without a newline is included; an empty final line after the last newline is not.
    func forEachLine(_ body: (Line) throws(SamplingError) -> Void) throws(SamplingError) {
        var start = 0
        var number = 1
        let count = bytes.count
        while start < count {
            var end = start
            while end < count && bytes[end] != Self.newline { end += 1 }
            try body(Line(bytes: bytes, range: start..<end, number: number, file: file))
            start = end + 1
            number += 1
        }
    }

    /// The first line (empty when the text is empty).
    var firstLine: Line {
        var end = 0
        while end < bytes.count && bytes[end] != Self.newline { end += 1 }
        return Line(bytes: bytes, range: 0..<end, number: 1, file: file)
    }

    func malformed(line: Int, field: String, _ reason: String) -> SamplingError {
        .malformed(file: file.description, line: line, field: field, reason: reason)
    }
}

/// One line of a file: a byte range with whitespace-separated tokens.
struct Line {
    let bytes: UnsafeBufferPointer<UInt8>
    let range: Range<Int>
    let number: Int
    let file: FileName

    var isBlank: Bool { var it = tokenIterator(); return it.next() == nil }

    /// The line's tokens, separated by runs of spaces and tabs.
    func tokens() -> [Token] {
        var result: [Token] = []
        result.reserveCapacity(8)
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            while i < end && (bytes[i] == TextBytes.space || bytes[i] == TextBytes.tab) { i += 1 }
            if i == end { break }
            let start = i
            while i < end && bytes[i] != TextBytes.space && bytes[i] != TextBytes.tab { i += 1 }
            result.append(Token(bytes: bytes, range: start..<i))
        }
        return result
    }

    /// The line's tokens one at a time, without building an array.
    func tokenIterator() -> TokenIterator {
        TokenIterator(bytes: bytes, index: range.lowerBound, end: range.upperBound)
    }

    /// The part of the line after byte index `index` (exclusive) as a new line.
    func suffix(after index: Int) -> Line {
        Line(bytes: bytes, range: min(index + 1, range.upperBound)..<range.upperBound, number: number, file: file)
    }

    /// The part of the line before byte index `index` (exclusive) as a new line.
    func prefix(upTo index: Int) -> Line {
        Line(bytes: bytes, range: range.lowerBound..<index, number: number, file: file)
    }

    /// The index of the first `byte` in the line, if any.
    func firstIndex(of byte: UInt8) -> Int? {
        var i = range.lowerBound
        while i < range.upperBound {
            if bytes[i] == byte { return i }
            i += 1
        }
        return nil
    }

    /// The index of the last `byte` in the line, if any.
    func lastIndex(of byte: UInt8) -> Int? {
        var i = range.upperBound
        while i > range.lowerBound {
            i -= 1
            if bytes[i] == byte { return i }
        }
        return nil
    }

    var text: String { String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }

    func malformed(field: String, _ reason: String) -> SamplingError {
        .malformed(file: file.description, line: number, field: field, reason: reason)
    }

    /// The unsigned decimal in token `index`, or a malformed error naming `field`.
    func unsigned(_ tokens: [Token], _ index: Int, field: String) throws(SamplingError) -> UInt64 {
        guard index < tokens.count else { throw malformed(field: field, "missing (the line has \(tokens.count) fields)") }
        guard let value = tokens[index].unsigned else {
            throw malformed(field: field, "\"\(tokens[index].text)\" is not an unsigned decimal")
        }
        return value
    }

    /// The signed decimal in token `index`, or a malformed error naming `field`.
    func signed(_ tokens: [Token], _ index: Int, field: String) throws(SamplingError) -> Int64 {
        guard index < tokens.count else { throw malformed(field: field, "missing (the line has \(tokens.count) fields)") }
        guard let value = tokens[index].signed else {
            throw malformed(field: field, "\"\(tokens[index].text)\" is not a decimal integer")
        }
        return value
    }
}

/// Iterates the space- and tab-separated tokens of a byte range.
struct TokenIterator: IteratorProtocol {
    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int
    let end: Int

    mutating func next() -> Token? {
        while index < end && (bytes[index] == TextBytes.space || bytes[index] == TextBytes.tab) { index += 1 }
        guard index < end else { return nil }
        let start = index
        while index < end && bytes[index] != TextBytes.space && bytes[index] != TextBytes.tab { index += 1 }
        return Token(bytes: bytes, range: start..<index)
    }
}

/// A run of non-blank bytes.
struct Token {
    let bytes: UnsafeBufferPointer<UInt8>
    let range: Range<Int>

    var text: String { String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }

    /// Byte-wise equality with an ASCII literal (no `String` is built).
    func equals(_ literal: StaticString) -> Bool {
        guard literal.utf8CodeUnitCount == range.count else { return false }
        let p = literal.utf8Start
        var i = 0
        for j in range {
            if bytes[j] != p[i] { return false }
            i += 1
        }
        return true
    }

    /// The token as an unsigned decimal; `nil` if it has a non-digit or overflows `UInt64`.
    var unsigned: UInt64? { Self.parseUnsigned(bytes, range) }

    /// The token as a signed decimal (optional leading `-`); `nil` if malformed or out of range.
    var signed: Int64? {
        guard !range.isEmpty else { return nil }
        if bytes[range.lowerBound] == UInt8(ascii: "-") {
            guard let magnitude = Self.parseUnsigned(bytes, (range.lowerBound + 1)..<range.upperBound),
                  magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard let magnitude = Self.parseUnsigned(bytes, range), magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    static func parseUnsigned(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty else { return nil }
        var value: UInt64 = 0
        for i in range {
            let digit = bytes[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            guard !o1 && !o2 else { return nil }
            value = sum
        }
        return value
    }
}

/// Runs a byte-level parser over the UTF-8 of `text`.
func parseText<T>(
    _ text: String, file: String, _ parse: (TextBytes) throws(SamplingError) -> T
) throws(SamplingError) -> T {
    var text = text
    let result: Result<T, SamplingError> = text.withUTF8 { buffer in
        Result { () throws(SamplingError) -> T in try parse(TextBytes(bytes: buffer, file: file)) }
    }
    return try result.get()
}
