import Foundation
import HeadroomTrace
import Testing
@testable import Agent

#if canImport(Glibc)
import Glibc
#endif

/// Issue 12, item 6, at the agent's trace socket: the socket file is not world-writable,
/// and with peer attribution (the agent's) a line cannot name another workload than the
/// one its process is in.
@Suite("Trace intake: who may speak for a workload", .serialized)
struct TraceServerSecurityTests {
    typealias Harness = TraceServerTests.Harness

    static func mode(_ path: String) -> mode_t {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0o7777 }
        return info.st_mode & 0o777
    }

    @Test("the socket is mode 0660 by default and never open to others, whatever is asked; its group is configurable")
    func socketMode() throws {
        let plain = try Harness()
        #expect(Self.mode(plain.path) == 0o660)
        let asked = try Harness(configure: { $0.socketMode = 0o666 })
        #expect(Self.mode(asked.path) == 0o660, "the bits for others are cleared")
        let owner = try Harness(configure: { $0.socketMode = 0o600 })
        #expect(Self.mode(owner.path) == 0o600)
        let group = getgid() == 0 ? gid_t(1) : getgid()  // a group other than root's when root can chown to it
        let grouped = try Harness(configure: { $0.socketGroup = group })
        var info = stat()
        #expect(lstat(grouped.path, &info) == 0 && info.st_gid == group)
    }

    @Test("peer attribution: a line naming another workload is dropped and counted; an unknown peer is not heard at all")
    func peerAttribution() throws {
        let me = getpid()
        let harness = try Harness(configure: { $0.attribution = .peer }, resolver: { pid in pid == me ? "mine" : nil })
        let own = Tracer(socketPath: harness.path)
        own.phase("a")
        let same = Tracer(socketPath: harness.path, workload: "mine")
        same.phase("b")
        let other = Tracer(socketPath: harness.path, workload: "someone-else")
        other.phase("c")
        #expect(harness.wait { harness.events.count == 2 && harness.server.counters.misattributedLines == 1 })
        #expect(harness.events.map(\.name).sorted() == ["a", "b"])
        #expect(harness.events.allSatisfy { $0.workload == "mine" })

        // A python child: the resolver does not know it, so its named lines are dropped too.
        let status = try TraceServerTests.python("""
            import json, socket, sys, time
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1])
            s.sendall((json.dumps({"v": 1, "ts": time.time(), "kind": "phase", "name": "sneaky", "workload": "mine"}) + "\\n").encode())
            s.close()
            """, harness.path)
        #expect(status == 0)
        #expect(harness.wait { harness.server.counters.unattributedLines == 1 })
        #expect(!harness.events.contains { $0.name == "sneaky" })
    }
}
