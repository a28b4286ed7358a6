import Foundation
import HeadroomTrace
import Synchronization
import Testing
@testable import Agent

#if canImport(Glibc)
import Glibc
#endif

/// The trace intake on a real Unix socket, with real clients: the Swift `Tracer` in this
/// process, and python3 children speaking the protocol by hand.
@Suite("Trace intake server", .serialized)
struct TraceServerTests {
    /// A server on a fresh socket whose sink collects every event.
    final class Collector: Sendable {
        let events = Mutex<[TraceEvent]>([])
        let batches = Mutex(0)
    }

    final class Harness: Sendable {
        let path = "/tmp/headroom-trace-\(UUID().uuidString.prefix(8)).sock"
        let collector = Collector()
        var batches: Int { collector.batches.withLock { $0 } }
        let server: TraceServer

        init(configure: (inout TraceServer.Configuration) -> Void = { _ in },
             resolver: @escaping TraceServer.Resolver = { _ in nil },
             sinkDelaySeconds: Double = 0) throws {
            var configuration = TraceServer.Configuration(socketPath: path)
            configure(&configuration)
            let collector = self.collector
            server = try TraceServer(configuration: configuration, resolver: resolver) { events in
                collector.events.withLock { $0 += events }
                collector.batches.withLock { $0 += 1 }
                if sinkDelaySeconds > 0 { usleep(UInt32(sinkDelaySeconds * 1e6)) }
            }
            server.start()
        }

        var events: [TraceEvent] { collector.events.withLock { $0 } }

        /// Waits up to `seconds` for `condition`; returns whether it came true.
        @discardableResult
        func wait(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if condition() { return true }
                usleep(10_000)
            }
            return condition()
        }

        deinit { server.stop() }
    }

    /// Runs a python3 script with the socket path as argv[1]; returns its exit status.
    @discardableResult
    static func python(_ script: String, _ path: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test("the Swift Tracer: span, phase, loop and state arrive in order, named by the peer pid's workload")
    func swiftTracer() throws {
        let me = getpid()
        let harness = try Harness(resolver: { pid in pid == me ? "test-runner" : nil })
        let tracer = Tracer(socketPath: harness.path)
        #expect(tracer.isConnected)
        let result = tracer.span("load", attributes: ["file": "a \"quoted\" name"]) {
            tracer.loop("rows", index: 7)
            return 42
        }
        #expect(result == 42)
        tracer.phase("crunch")
        tracer.state("waiting", value: 2.5)
        #expect(harness.wait { harness.events.count == 5 })
        let events = harness.events
        #expect(events.map(\.kind) == [.spanStart, .loop, .spanEnd, .phase, .state])
        #expect(events.map(\.name) == ["load", "rows", "load", "crunch", "waiting"])
        #expect(events.allSatisfy { $0.workload == "test-runner" })
        #expect(events[0].attributesJSON == #"{"file":"a \"quoted\" name"}"#)
        #expect(events[1].value == 7 && events[4].value == 2.5)
        let now = Date().timeIntervalSince1970
        #expect(events.allSatisfy { abs($0.timestampSeconds - now) < 60 })
        #expect(tracer.sentCount == 5 && tracer.droppedCount == 0)
        #expect(harness.server.counters.malformedLines == 0)

        // An explicit workload wins over the resolver.
        let named = Tracer(socketPath: harness.path, workload: "etl")
        named.phase("p")
        #expect(harness.wait { harness.events.count == 6 })
        #expect(harness.events.last?.workload == "etl")
    }

    @Test("a python client: good lines kept, malformed and oversized ones counted and dropped, later lines still read")
    func pythonClientWithBadLines() throws {
        let child = Collector()
        let harness = try Harness(resolver: { pid in
            child.batches.withLock { $0 = Int(pid) }
            return "py-\(pid)"
        })
        let status = try Self.python("""
            import json, socket, sys, time
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1])
            def ev(kind, name, **kw):
                return json.dumps(dict(v=1, ts=time.time(), kind=kind, name=name, **kw)) + "\\n"
            s.sendall(ev("phase", "load").encode())
            s.sendall(b"not json\\n")
            s.sendall(b'{"v":1,"ts":1,"kind":"bogus","name":"x"}\\n')
            s.sendall(b'{"v":1,"ts":1,"kind":"phase","name":"' + b"x" * 5000 + b'"}\\n')
            s.sendall(b"\\n")
            s.sendall(ev("loop", "i", value=3, attrs={"k": "v"}).encode())
            s.sendall(ev("span_end", "load").encode()[:20])
            time.sleep(0.05)
            s.sendall(ev("span_end", "load").encode()[20:])
            s.close()
            """, harness.path)
        #expect(status == 0)
        #expect(harness.wait { harness.events.count == 3 && harness.server.counters.openConnections == 0 })
        let events = harness.events
        #expect(events.map(\.name) == ["load", "i", "load"])
        #expect(events[1].value == 3 && events[1].attributesJSON == #"{"k": "v"}"#)
        let pid = child.batches.withLock { $0 }
        #expect(pid > 0 && pid != Int(getpid()))
        #expect(events.allSatisfy { $0.workload == "py-\(pid)" })
        let counters = harness.server.counters
        #expect(counters.malformedLines == 2)
        #expect(counters.oversizedLines == 1)
        #expect(counters.truncatedLines == 0)
        #expect(counters.lastError?.field == "kind")
    }

    @Test("the Python client printed in docs/trace-protocol.md works against the server as written")
    func documentedPythonClient() throws {
        let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/trace-protocol.md")
        let text = try String(contentsOf: doc, encoding: .utf8)
        let block = try #require(text.components(separatedBy: "```python\n").dropFirst().first?.components(separatedBy: "```").first)
        let harness = try Harness(resolver: { _ in "documented" })
        let status = try Self.python(block + """
            import sys
            t = Tracer(sys.argv[1])
            t.emit("phase", "load")
            for i in range(3): t.emit("loop", "rows", value=i)
            assert t.dropped == 0, t.dropped
            """, harness.path)
        #expect(status == 0)
        #expect(harness.wait { harness.events.count == 4 })
        #expect(harness.events.map(\.name) == ["load", "rows", "rows", "rows"])
        #expect(harness.events.allSatisfy { $0.workload == "documented" })
    }

    @Test("an oversized line split over many reads is dropped once; the next line on the connection is read")
    func oversizedAcrossReads() throws {
        let harness = try Harness(resolver: { _ in "w" })
        try Self.python("""
            import socket, sys, time
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1])
            for _ in range(10):
                s.sendall(b"y" * 3000)
                time.sleep(0.01)
            s.sendall(b'\\n{"v":1,"ts":2,"kind":"phase","name":"after"}\\n')
            s.close()
            """, harness.path)
        #expect(harness.wait { harness.events.count == 1 && harness.server.counters.openConnections == 0 })
        #expect(harness.events.map(\.name) == ["after"])
        #expect(harness.server.counters.oversizedLines == 1)
        #expect(harness.server.counters.malformedLines == 0)
    }

    @Test("a client that disconnects mid-line: the partial line is counted as truncated, the whole ones kept")
    func disconnectMidLine() throws {
        let harness = try Harness(resolver: { _ in "w" })
        try Self.python("""
            import os, socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1])
            s.sendall(b'{"v":1,"ts":1,"kind":"phase","name":"whole"}\\n{"v":1,"ts":1,"kind":"pha')
            os._exit(0)
            """, harness.path)
        #expect(harness.wait { harness.server.counters.truncatedLines == 1 })
        #expect(harness.events.map(\.name) == ["whole"])
        #expect(harness.server.counters.malformedLines == 0)
    }

    @Test("200 concurrent Tracers × 25 events: every event arrives, attributed, none malformed")
    func manyConcurrentClients() throws {
        let harness = try Harness(resolver: { _ in "pid-resolved" })
        let clients = 200, perClient = 25
        let dropped = Collector()
        DispatchQueue.concurrentPerform(iterations: clients) { c in
            let tracer = Tracer(socketPath: harness.path, workload: "w\(c)")
            for i in 0..<perClient { tracer.loop("step", index: i) }
            // Closing right after is fine: the kernel keeps the bytes sent until read.
            dropped.batches.withLock { $0 += tracer.droppedCount }
        }
        #expect(dropped.batches.withLock { $0 } == 0)
        #expect(harness.wait(seconds: 20) { harness.events.count == clients * perClient })
        let events = harness.events
        var perWorkload: [String: [Double]] = [:]
        for e in events { perWorkload[e.workload!, default: []].append(e.value!) }
        #expect(perWorkload.count == clients)
        #expect(perWorkload.values.allSatisfy { $0 == (0..<perClient).map(Double.init) }, "each client's events in order")
        let counters = harness.server.counters
        #expect(counters.acceptedConnections == clients && counters.rejectedConnections == 0)
        #expect(counters.malformedLines == 0 && counters.events == clients * perClient)
    }

    @Test("connections beyond the limit are closed at once and counted")
    func connectionLimit() throws {
        let harness = try Harness(configure: { $0.maximumConnections = 4 }, resolver: { _ in "w" })
        let tracers = (0..<6).map { _ in Tracer(socketPath: harness.path) }
        #expect(harness.wait { harness.server.counters.acceptedConnections == 4 && harness.server.counters.rejectedConnections == 2 })
        #expect(harness.server.counters.openConnections == 4)
        withExtendedLifetime(tracers) {}
    }

    @Test("lines over the connection's rate are dropped and counted")
    func rateLimit() throws {
        let harness = try Harness(configure: { $0.linesPerSecond = 1; $0.burstLines = 5 }, resolver: { _ in "w" })
        let tracer = Tracer(socketPath: harness.path)
        for i in 0..<50 { tracer.loop("i", index: i) }
        #expect(harness.wait { harness.server.counters.rateLimitedLines + harness.events.count == 50 })
        #expect(harness.events.count >= 5 && harness.events.count <= 7)
        #expect(harness.server.counters.rateLimitedLines >= 43)
    }

    @Test("the Tracer never blocks: with the agent stuck, 200 000 events take well under a second each way and the excess is dropped")
    func tracerNeverBlocks() throws {
        let harness = try Harness(resolver: { _ in "w" }, sinkDelaySeconds: 3)
        let tracer = Tracer(socketPath: harness.path)
        tracer.phase("first")  // the sink gets this and sleeps 3 s; nothing else is read meanwhile
        #expect(harness.wait { harness.batches == 1 })
        let start = Date()
        for i in 0..<200_000 { tracer.loop("hot", index: i) }
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 2.5, "200 000 events took \(elapsed) s")
        #expect(tracer.droppedCount > 0, "the socket buffer should have filled")
        #expect(tracer.sentCount + tracer.droppedCount == 200_001)
        // What was sent arrives whole once the agent catches up: no torn lines.
        #expect(harness.wait(seconds: 30) { harness.events.count == tracer.sentCount })
        #expect(harness.server.counters.malformedLines == 0)
    }

    @Test("no socket: a no-op tracer; agent restarts: the Tracer reconnects")
    func noSocketAndReconnect() throws {
        let none = Tracer.fromEnvironment([:])
        none.phase("x")
        #expect(none.socketPath == nil && none.sentCount == 0 && none.droppedCount == 0)
        #expect(Tracer.fromEnvironment(["HEADROOM_TRACE_SOCKET": "/tmp/x.sock"]).socketPath == "/tmp/x.sock")

        let path = "/tmp/headroom-trace-\(UUID().uuidString.prefix(8)).sock"
        let tracer = Tracer(socketPath: path, reconnectIntervalSeconds: 0.05)
        tracer.phase("before")
        #expect(!tracer.isConnected && tracer.droppedCount == 1)

        let collector = Collector()
        func names() -> [String] { collector.events.withLock { $0.map(\.name) } }
        func serve() throws -> TraceServer {
            let server = try TraceServer(configuration: .init(socketPath: path), resolver: { _ in "w" }) { events in
                collector.events.withLock { $0 += events }
            }
            server.start()
            return server
        }
        var server = try serve()
        usleep(60_000)
        tracer.phase("one")
        #expect(tracer.isConnected)
        let harness = try Harness()
        #expect(harness.wait { names() == ["one"] })
        server.stop()
        // The first write after the agent went away fails (EPIPE) and is dropped; the
        // tracer reconnects once the new agent listens.
        server = try serve()
        defer { server.stop() }
        var sent = false
        for i in 0..<100 where !sent {
            tracer.phase("two-\(i)")
            usleep(20_000)
            sent = names().contains { $0.hasPrefix("two") }
        }
        #expect(sent)
        #expect(tracer.droppedCount >= 2)
    }

    @Test("setup errors name the path: too long, not a socket")
    func setupErrors() throws {
        let long = "/tmp/" + String(repeating: "x", count: 200)
        #expect(throws: TraceServerError.pathTooLong(path: long, maximumBytes: 107)) {
            try TraceServer(configuration: .init(socketPath: long), resolver: { _ in nil }) { _ in }
        }
        let file = "/tmp/headroom-not-a-socket-\(UUID().uuidString.prefix(8))"
        _ = FileManager.default.createFile(atPath: file, contents: Data("keep me".utf8))
        defer { unlink(file) }
        #expect(throws: TraceServerError.notASocket(path: file)) {
            try TraceServer(configuration: .init(socketPath: file), resolver: { _ in nil }) { _ in }
        }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "keep me")
    }
}
