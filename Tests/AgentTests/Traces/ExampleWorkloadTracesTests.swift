import Agent
import Foundation
import HeadroomTestSupport
import Synchronization
import Testing

/// The example workload, run as a real child with `HEADROOM_TRACE_SOCKET` pointing at a
/// real trace server, reports its phases and loop iterations, attributed by its pid.
@Suite("Example workload traces")
struct ExampleWorkloadTracesTests {
    @Test("phases per input file, then summarise; a loop event every 1,000 rows; attributed through the peer's pid")
    func phases() throws {
        let directory = TestProcess.temporaryDirectory(prefix: "headroom-agg-traces")
        defer { try? FileManager.default.removeItem(at: directory) }
        try TestProcess.extractBitbrains([1], into: directory)
        let socket = directory.appendingPathComponent("t.sock").path
        let child = Process()
        let pid = Mutex<Int32>(0)
        let events = Mutex<[TraceEvent]>([])
        let server = try TraceServer(configuration: .init(socketPath: socket),
                                     resolver: { peer in
            // The child may connect before `run()` has returned its pid to us: wait for it.
            for _ in 0..<500 where pid.withLock({ $0 }) == 0 { usleep(1_000) }
            return peer == pid.withLock { $0 } ? "aggregate" : nil
        }) { batch in
            events.withLock { $0 += batch }
        }
        server.start()
        defer { server.stop() }
        child.executableURL = URL(fileURLWithPath: try TestProcess.executable("headroom-example-aggregate"))
        child.arguments = ["--output", directory.appendingPathComponent("out.txt").path,
                           directory.appendingPathComponent("bitbrains-rnd").path]
        child.environment = ["HEADROOM_TRACE_SOCKET": socket]
        try child.run()
        pid.withLock { $0 = child.processIdentifier }
        child.waitUntilExit()
        #expect(child.terminationStatus == 0)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !events.withLock({ $0.contains { $0.name == "summarise" && $0.kind == .phase } && $0.filter { $0.name == "summarise" }.count == 2 }) {
            usleep(20_000)
        }
        let received = events.withLock { $0 }
        let phases = received.filter { $0.kind == .phase }.map(\.name)
        #expect(phases == ["read:2013-7/1.csv", "summarise", "read:2013-8/1.csv", "summarise"])
        let rows = try String(contentsOfFile: directory.appendingPathComponent("out.txt").path, encoding: .utf8)
            .split(separator: " ").filter { $0.hasPrefix("rows=") }.compactMap { Int($0.dropFirst(5)) }.reduce(0, +)
        #expect(received.filter { $0.kind == .loop }.count == rows / 1000)
        #expect(received.allSatisfy { $0.workload == "aggregate" })
    }
}
