import Testing
@testable import Agent

/// The trace line parser on hand-written lines: every protocol field, and each way a line
/// can be wrong, with the byte offset and field the error names.
@Suite("Trace line parser")
struct TraceLineParserTests {
    @Test("a full line: every field, escapes, attrs kept as their JSON text")
    func fullLine() throws {
        let line = #"{"v":1,"workload":"etl-7","ts":1732500000.25,"kind":"loop","name":"batch \"A\"\n","value":42,"attrs":{"rows":1000,"ok":true,"who":"caf\u00e9 \ud83d\ude00","none":null}}"#
        let event = try TraceEvent(parsing: line)
        #expect(event.workload == "etl-7")
        #expect(event.timestampSeconds == 1_732_500_000.25)
        #expect(event.kind == .loop)
        #expect(event.name == "batch \"A\"\n")
        #expect(event.value == 42)
        #expect(event.attributesJSON == #"{"rows":1000,"ok":true,"who":"caf\u00e9 \ud83d\ude00","none":null}"#)
    }

    @Test("minimal line, spaces around tokens, unknown keys skipped, value null, CR-free")
    func minimalAndUnknown() throws {
        let event = try TraceEvent(parsing: #"  { "kind" : "phase" , "name":"load", "ts": 1.5e9, "v": 1, "future": {"a":[1,2,{"b":null}]}, "value": null } "#)
        #expect(event == TraceEvent(workload: nil, timestampSeconds: 1.5e9, kind: .phase, name: "load"))
        for kind in TraceEvent.Kind.protocolCases {
            #expect(try TraceEvent(parsing: #"{"v":1,"ts":1,"kind":"\#(kind.rawValue)","name":"x"}"#).kind == kind)
        }
        let unicode = try TraceEvent(parsing: #"{"v":1,"ts":1,"kind":"phase","name":"ünïcødé ✓"}"#)
        #expect(unicode.name == "ünïcødé ✓")
    }

    /// (line, byte offset, field, words the reason must contain)
    static let bad: [(String, Int, String?, String)] = [
        ("", 0, nil, "JSON object"),
        ("[1]", 0, nil, "JSON object"),
        (#"{"v":2,"ts":1,"kind":"phase","name":"x"}"#, 5, "v", "version"),
        (#"{"ts":1,"kind":"phase","name":"x"}"#, 0, "v", "missing"),
        (#"{"v":1,"kind":"phase","name":"x"}"#, 0, "ts", "missing"),
        (#"{"v":1,"ts":1,"name":"x"}"#, 0, "kind", "missing"),
        (#"{"v":1,"ts":1,"kind":"phase"}"#, 0, "name", "missing"),
        (#"{"v":1,"ts":"now","kind":"phase","name":"x"}"#, 12, "ts", "number"),
        (#"{"v":1,"ts":1732500000123,"kind":"phase","name":"x"}"#, 12, "ts", "milliseconds"),
        (#"{"v":1,"ts":-1,"kind":"phase","name":"x"}"#, 12, "ts", "between 1970"),
        (#"{"v":1,"ts":1,"kind":"enter","name":"x"}"#, 21, "kind", "unknown kind"),
        (#"{"v":1,"ts":1,"kind":"phase","name":""}"#, 36, "name", "1 to 256"),
        (#"{"v":1,"ts":1,"kind":"phase","name":"x","value":"7"}"#, 48, "value", "number"),
        (#"{"v":1,"ts":1,"kind":"phase","name":"x","value":1e999}"#, 48, "value", "finite"),
        (#"{"v":1,"ts":1,"kind":"phase","name":"x","attrs":{"a":{"b":1}}}"#, 53, "attrs", "flat"),
        (#"{"v":1,"ts":1,"kind":"phase","name":"x","attrs":[1]}"#, 48, "attrs", "object"),
        (#"{"v":1,"ts":1,"kind":"phase","name":"x","v":1}"#, 40, nil, "twice"),
        (#"{"v":1,"ts":1,"kind":"phase","name":"x"} {"#, 41, nil, "one object per line"),
        (#"{"v":1,"ts":1,"kind":"phase","name":"x""#, 39, nil, "end of the line"),
        (#"{"v":1,"ts":1,"kind":"phase","name":"x\q"}"#, 38, "name", "escape"),
        (#"{"v":1,"ts":1,"kind":"phase","name":"\ud800"}"#, 43, "name", "surrogate"),
        (#"{"v":1,"ts":1,"kind":"phase","name":"tab\#there"}"#, 40, "name", "control character"),
        (#"{"v":1,"ts":01x,"kind":"phase","name":"x"}"#, 14, nil, "\",\" or \"}\""),
    ]

    @Test("malformed lines: typed errors naming the byte offset and field", arguments: bad.indices)
    func malformed(_ index: Int) {
        let (line, offset, field, reason) = Self.bad[index]
        #expect {
            _ = try TraceEvent(parsing: line)
        } throws: { error in
            guard let error = error as? TraceLineError else { return false }
            let matches = error.byteOffset == offset && error.field == field && error.reason.contains(reason)
            if !matches { print("line \(index): got \(error)") }
            return matches
        }
    }

    @Test("invalid UTF-8 inside a string is refused, never trapped on")
    func invalidUTF8() {
        var bytes = Array(#"{"v":1,"ts":1,"kind":"phase","name":"x"}"#.utf8)
        bytes[37] = 0xFF
        #expect(throws: TraceLineError.self) {
            try bytes.withUnsafeBufferPointer { buffer throws(TraceLineError) in _ = try TraceEvent(parsing: buffer) }
        }
        // Every prefix of a valid line is an error, not a crash.
        let line = Array(#"{"v":1,"ts":1,"kind":"phase","name":"x\u00e9","attrs":{"k":-1.5e3}}"#.utf8)
        for cut in 0..<line.count {
            #expect(throws: TraceLineError.self) {
                try Array(line[0..<cut]).withUnsafeBufferPointer { buffer throws(TraceLineError) in _ = try TraceEvent(parsing: buffer) }
            }
        }
    }
}
