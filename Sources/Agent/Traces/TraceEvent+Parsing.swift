/// Parsing one protocol line (docs/trace-protocol.md) into a `TraceEvent`.
///
/// The line is a JSON object (RFC 8259) whose keys are:
///   `v` (must be 1), `ts` (Unix seconds, 0 ≤ ts < 4102444800, i.e. before 2100),
///   `kind` (`span_start|span_end|phase|loop|state`), `name` (1…256 bytes),
///   optionally `workload` (1…256 bytes), `value` (finite number or null) and `attrs` (an
///   object of at most 32 keys whose values are strings, numbers, booleans or null).
/// Unknown keys are skipped (any JSON value nested at most 8 deep), so later protocol
/// versions can add fields; a key given twice is an error. Invalid UTF-8 inside a
/// string is an error. The parser never traps on input: every failure is a
/// `TraceLineError` naming the byte offset and the field.
extension TraceEvent {
    /// Parses one line (without its newline).
    public init(parsing line: String) throws(TraceLineError) {
        var copy = line
        let result: Result<TraceEvent, TraceLineError> = copy.withUTF8 { bytes in
            do throws(TraceLineError) { return .success(try TraceEvent(parsing: bytes)) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    /// Parses the bytes of one line (without its newline).
    public init(parsing bytes: UnsafeBufferPointer<UInt8>) throws(TraceLineError) {
        var parser = TraceLineParser(bytes)
        self = try parser.event()
    }
}

/// A cursor over one line's bytes; each method reads one JSON production.
struct TraceLineParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0
    var field: String?

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func fail(_ reason: String, at offset: Int? = nil) -> TraceLineError {
        TraceLineError(byteOffset: offset ?? i, field: field, reason: reason)
    }

    mutating func event() throws(TraceLineError) -> TraceEvent {
        var version: Double?, timestamp: Double?, kind: TraceEvent.Kind?, name: String?
        var workload: String?, value: Double?, attributes: String?
        var seen: Set<String> = []
        skipSpace()
        try expect(UInt8(ascii: "{"), "a line must be one JSON object starting with \"{\"")
        skipSpace()
        if peek() != UInt8(ascii: "}") {
            while true {
                skipSpace()
                field = nil
                let keyOffset = i
                let key = try string()
                guard seen.insert(key).inserted else { throw fail("key \"\(key)\" appears twice", at: keyOffset) }
                field = key
                skipSpace()
                try expect(UInt8(ascii: ":"), "expected \":\" after the key")
                skipSpace()
                let valueOffset = i
                switch key {
                case "v":
                    version = try number()
                    guard version == 1 else { throw fail("protocol version \(version!) is not supported; send \"v\":1", at: valueOffset) }
                case "ts":
                    let t = try number()
                    guard t >= 0, t < TraceEvent.latestTimestampSeconds else {
                        throw fail("\(t) is not Unix seconds between 1970 and 2100 (milliseconds? divide by 1000)", at: valueOffset)
                    }
                    timestamp = t
                case "kind":
                    let text = try string()
                    guard TraceEvent.Kind.protocolKinds.contains(text), let k = TraceEvent.Kind(rawValue: text) else {
                        throw fail("unknown kind \"\(text)\"; use span_start, span_end, phase, loop or state", at: valueOffset)
                    }
                    kind = k
                case "name":
                    name = try boundedName(at: valueOffset)
                case "workload":
                    workload = try boundedName(at: valueOffset)
                case "value":
                    if peek() == UInt8(ascii: "n") { try literal("null") } else { value = try number() }
                case "attrs":
                    attributes = try flatObject()
                default:
                    try skipValue(depth: 0)
                }
                skipSpace()
                field = nil
                if peek() == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                break
            }
        }
        try expect(UInt8(ascii: "}"), "expected \",\" or \"}\" after a value")
        skipSpace()
        guard i == bytes.count else { throw fail("text after the closing \"}\"; send one object per line") }
        guard version != nil else { throw TraceLineError(byteOffset: 0, field: "v", reason: "missing; send \"v\":1") }
        guard let timestamp else { throw TraceLineError(byteOffset: 0, field: "ts", reason: "missing (Unix seconds, e.g. 1732500000.25)") }
        guard let kind else { throw TraceLineError(byteOffset: 0, field: "kind", reason: "missing") }
        guard let name else { throw TraceLineError(byteOffset: 0, field: "name", reason: "missing") }
        return TraceEvent(workload: workload, timestampSeconds: timestamp, kind: kind, name: name, value: value,
                          attributesJSON: attributes)
    }

    // MARK: - Productions

    func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0D || bytes[i] == 0x0A { i += 1 }
    }

    mutating func expect(_ byte: UInt8, _ reason: String) throws(TraceLineError) {
        guard peek() == byte else { throw fail(peek() == nil ? reason + ", found the end of the line" : reason) }
        i += 1
    }

    mutating func literal(_ text: StaticString) throws(TraceLineError) {
        let start = i
        for byte in UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount) {
            guard peek() == byte else { throw fail("expected \(text)", at: start) }
            i += 1
        }
    }

    mutating func boundedName(at offset: Int) throws(TraceLineError) -> String {
        let text = try string()
        guard !text.isEmpty, text.utf8.count <= TraceEvent.maximumNameBytes else {
            throw fail("must be 1 to \(TraceEvent.maximumNameBytes) bytes, got \(text.utf8.count)", at: offset)
        }
        return text
    }

    /// A JSON string, unescaped, as valid UTF-8.
    mutating func string() throws(TraceLineError) -> String {
        let start = i
        try expect(UInt8(ascii: "\""), "expected a string in double quotes")
        var out: [UInt8] = []
        while true {
            guard let byte = peek() else { throw fail("unterminated string", at: start) }
            i += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: out, as: UTF8.self) else { throw fail("the string is not valid UTF-8", at: start) }
                return text
            case UInt8(ascii: "\\"):
                guard let escape = peek() else { throw fail("unterminated escape") }
                i += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        // A high surrogate must be followed by \u and a low one.
                        guard peek() == UInt8(ascii: "\\") else { throw fail("lone high surrogate \\u\(String(scalar, radix: 16))") }
                        i += 1
                        guard peek() == UInt8(ascii: "u") else { throw fail("lone high surrogate") }
                        i += 1
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("a high surrogate must be followed by a low one") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw fail("\\u escape is not a Unicode scalar") }
                    out += Array(String(Character(unicode)).utf8)
                default:
                    throw fail("unknown escape \\\(Character(Unicode.Scalar(escape)))", at: i - 2)
                }
            case 0..<0x20:
                throw fail("control character 0x\(String(byte, radix: 16)) inside a string; escape it", at: i - 1)
            default:
                out.append(byte)
            }
        }
    }

    mutating func hex4() throws(TraceLineError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek() else { throw fail("\\u needs four hex digits") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("\\u needs four hex digits")
            }
            value = value * 16 + UInt32(digit)
            i += 1
        }
        return value
    }

    /// A JSON number (RFC 8259 grammar), finite.
    mutating func number() throws(TraceLineError) -> Double {
        let start = i
        if peek() == UInt8(ascii: "-") { i += 1 }
        func digits(_ p: inout TraceLineParser) -> Int {
            let s = p.i
            while let b = p.peek(), b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { p.i += 1 }
            return p.i - s
        }
        guard digits(&self) > 0 else { throw fail("expected a number", at: start) }
        if peek() == UInt8(ascii: ".") {
            i += 1
            guard digits(&self) > 0 else { throw fail("expected digits after \".\"", at: start) }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            i += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else { throw fail("expected digits in the exponent", at: start) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw fail("\(text) is not a finite number", at: start) }
        return value
    }

    /// `attrs`: an object of scalars, returned as its exact JSON text.
    mutating func flatObject() throws(TraceLineError) -> String {
        let start = i
        try expect(UInt8(ascii: "{"), "attrs must be an object")
        skipSpace()
        var count = 0
        if peek() == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipSpace()
                _ = try string()
                skipSpace()
                try expect(UInt8(ascii: ":"), "expected \":\" after an attribute key")
                skipSpace()
                switch peek() {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    throw fail("attribute values must be strings, numbers, booleans or null (attrs is flat)")
                default:
                    try skipValue(depth: 1)
                }
                count += 1
                guard count <= TraceEvent.maximumAttributes else {
                    throw fail("more than \(TraceEvent.maximumAttributes) attributes")
                }
                skipSpace()
                if peek() == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                try expect(UInt8(ascii: "}"), "expected \",\" or \"}\" in attrs")
                break
            }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
    }

    /// Any JSON value, checked and skipped; objects and arrays at most 8 deep.
    mutating func skipValue(depth: Int) throws(TraceLineError) {
        guard depth <= 8 else { throw fail("values nested more than 8 deep") }
        switch peek() {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = peek() == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = close == UInt8(ascii: "}")
            i += 1
            skipSpace()
            if peek() == close {
                i += 1
                return
            }
            while true {
                skipSpace()
                if isObject {
                    _ = try string()
                    skipSpace()
                    try expect(UInt8(ascii: ":"), "expected \":\"")
                    skipSpace()
                }
                try skipValue(depth: depth + 1)
                skipSpace()
                if peek() == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                try expect(close, "expected \",\" or the closing bracket")
                return
            }
        case nil: throw fail("expected a value, found the end of the line")
        default: _ = try number()
        }
    }
}
