import Agent
import Foundation
import Testing
import Wire

@Suite("Wire: one trace-event type from the socket to the store")
struct TraceEventTests {
    @Test("kinds: the socket takes the protocol's five, the wire and the store also the kernel's two")
    func kinds() throws {
        #expect(TraceEvent.Kind(rawValue: "phase") == .phase)
        #expect(TraceEvent.Kind(rawValue: "syscall") == .syscall)
        #expect(TraceEvent.Kind(rawValue: "enter") == nil)
        #expect(throws: TraceLineError.self) { try TraceEvent(parsing: #"{"v":1,"ts":1,"kind":"syscall","name":"read"}"#) }
        let line = try TraceEvent(parsing: #"{"v":1,"ts":1.5,"kind":"phase","name":"load","workload":"w","attrs":{"b":1,"a":"x"}}"#)
        #expect(line == TraceEvent(workload: "w", timestampSeconds: 1.5, kind: .phase, name: "load", attributesJSON: #"{"b":1,"a":"x"}"#))
        let decoded = try JSONDecoder().decode(TraceEvent.self, from: try WireJSON.encode(line))
        var sorted = line
        sorted.attributesJSON = #"{"a":"x","b":1}"#
        #expect(decoded == sorted, "a socket line's event crosses the wire unchanged but for its attributes' key order, which the scorer sorts")
    }

    @Test("strict decoding names the element and the field")
    func strict() {
        let cases: [(String, String)] = [
            (#"{"workload":"w","timestamp":1,"kind":"phase"}"#, ".name: missing"),
            (#"{"workload":"w","timestamp":1,"kind":"phase","name":"x","colour":1}"#, "unknown field \"colour\""),
            (#"{"workload":"w","timestamp":1,"kind":"phase","name":"x","attributes":{"a":{"b":1}}}"#, ".attributes.a: expected a string, number, boolean or null"),
            (#"{"workload":"","timestamp":1,"kind":"phase","name":"x"}"#, ".workload: must be 1 to 256 bytes"),
            (#"{"workload":"w","timestamp":1e13,"kind":"phase","name":"x"}"#, "is not Unix seconds between 1970 and 2100"),
        ]
        for (text, fragment) in cases {
            do {
                _ = try WireJSON.decode([TraceEvent].self, from: Data("[\(text)]".utf8), what: "trace events")
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.message.hasPrefix("[0]") && error.message.contains(fragment), "\(text) → \(error.message)")
            }
        }
    }
}
