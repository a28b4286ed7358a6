import Agent
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `headroom-agent run` as a real process (real cgroups, a real workload) against a real
/// local HTTP endpoint standing in for the scorer (python3's `http.server`: it serves two
/// commands and writes down every request the agent makes), stopped with SIGTERM while it
/// executes a command: the service group's graceful shutdown must let that command finish
/// and be reported, start no other, clean up and exit 0.
@Suite("headroom-agent run: graceful shutdown on SIGTERM, live", .serialized,
       .enabled(if: LiveRuntime.available, "needs root, cgroup v1 and headroom-launch"))
struct AgentShutdownLiveTests {
    /// The endpoint: `GET /v1/agents/a/commands` lists command 1 (move `w` from a to b by
    /// checkpoint/restart) and command 2 (a resize at a); every request is appended to the
    /// log as one line (`samples POP N`, `heartbeat POP`, `commands POP`, `report ID STATE`).
    static let endpoint = """
        import json, sys, threading
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
        log_path, port_path = sys.argv[1], sys.argv[2]
        lock = threading.Lock()
        def note(line):
            with lock, open(log_path, "a") as f:
                f.write(line + "\\n")
        target = {"cpu_cores": 1, "memory_bytes": 134217728}
        commands = [
            {"id": 1, "workload": "w", "action": "migrate", "strategy": "checkpoint_restart", "source_pop": "a",
             "targets": [{"pop": "b", "allocation": target}], "state": "pending", "issued_at": 1700000000, "steps": []},
            {"id": 2, "workload": "w", "action": "resize", "strategy": "resize", "source_pop": "a",
             "targets": [{"pop": "a", "allocation": target}], "state": "pending", "issued_at": 1700000000, "steps": []},
        ]
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args):
                pass
            def answer(self, body):
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def do_GET(self):
                parts = self.path.strip("/").split("/")
                note("commands " + parts[2])
                self.answer({"pop": parts[2], "commands": commands if parts[2] == "a" else []})
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                parts = self.path.strip("/").split("/")
                if parts[1] == "samples":
                    note("samples %s %d" % (body["pop"], len(body.get("samples", []))))
                elif parts[-1] == "heartbeat":
                    note("heartbeat " + parts[2])
                else:
                    note("report %s %s" % (parts[-1], body["state"]))
                self.answer({})
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        with open(port_path + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        import os
        os.rename(port_path + ".tmp", port_path)
        server.serve_forever()
        """

    /// The workload: idles; on SIGUSR1 takes 1.5 s to write its checkpoint, then exits 85
    /// (docs/checkpoint-protocol.md), so the move is still under way when SIGTERM arrives.
    static let workload = """
        import os, signal, sys, time
        args = sys.argv[1:]
        directory = args[args.index("--checkpoint-dir") + 1]
        def checkpoint(number, frame):
            time.sleep(1.5)
            with open(os.path.join(directory, "state"), "w") as f:
                f.write("checkpoint")
            sys.exit(85)
        signal.signal(signal.SIGUSR1, checkpoint)
        while True:
            time.sleep(0.05)
        """

    static func lines(_ path: String) -> [String] {
        (FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? "").split(separator: "\n").map(String.init)
    }

    @Test("SIGTERM mid-command: the move finishes and is reported done, the next command is not started, cgroups removed, exit 0",
          .timeLimit(.minutes(3)))
    func sigtermDrains() throws {
        let scratch = try LiveRuntime.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let requests = "\(scratch)/requests.log", portFile = "\(scratch)/port"
        // Both processes through `ProcessSpawner` (posix_spawn with an empty signal mask and
        // default dispositions): a child of a test thread would otherwise inherit that
        // thread's blocked signals, SIGTERM among them.
        let environment = ProcessInfo.processInfo.environment
        let server = try ProcessSpawner.spawn(["/usr/bin/python3", "-c", Self.endpoint, requests, portFile], environment: environment,
                                              logPath: "\(scratch)/endpoint.log")
        defer {
            server.signal(SIGKILL)
            _ = server.wait()
        }
        var port: String?
        for _ in 0..<200 where port == nil {
            port = FileManager.default.contents(atPath: portFile).map { String(decoding: $0, as: UTF8.self) }
            if port == nil { usleep(25_000) }
        }
        let endpointPort = try #require(port, "the endpoint did not start")

        let prefix = LiveRuntime.uniquePrefix()
        let launcher = try LiveRuntime.binary("headroom-launch")
        try "test-token\n".write(toFile: "\(scratch)/token", atomically: true, encoding: .utf8)
        let fleet = """
            [[pops]]
            name = "a"
            [pops.capacity]
            cpu_cores = 2
            memory_bytes = 536_870_912

            [[pops]]
            name = "b"
            [pops.capacity]
            cpu_cores = 2
            memory_bytes = 536_870_912

            [agent]
            scorer_url = "http://127.0.0.1:\(endpointPort)"
            token_file = "\(scratch)/token"
            pops = ["a", "b"]
            sample_interval_seconds = 0.5
            state_directory = "\(scratch)/state"
            cgroup_prefix = "\(prefix)"
            launcher = "\(launcher)"

            [[workloads]]
            name = "w"
            pop = "a"
            argv = ["/usr/bin/python3", "-c", '''\(Self.workload)''']
            [workloads.limits]
            cpu_cores = 1
            memory_bytes = 134_217_728
            [workloads.checkpoint]
            dir_argument = "--checkpoint-dir"
            resume_argument = "--resume"
            signal = "SIGUSR1"
            timeout_seconds = 20
            """
        try fleet.write(toFile: "\(scratch)/fleet.toml", atomically: true, encoding: .utf8)

        let agentLog = "\(scratch)/agent.log"
        let agent = try ProcessSpawner.spawn([try LiveRuntime.binary("headroom-agent"), "run", "--config", "\(scratch)/fleet.toml"],
                                             environment: environment, logPath: agentLog)

        // SIGTERM as soon as command 1 is reported running: its executor is then under way.
        let deadline = MonotonicClock.seconds() + 60
        while !Self.lines(requests).contains("report 1 running"), agent.isRunning, MonotonicClock.seconds() < deadline { usleep(20_000) }
        defer {
            if agent.isRunning { agent.signal(SIGKILL) }
            _ = agent.wait()
        }
        try #require(Self.lines(requests).contains("report 1 running"), "the agent never started command 1: \(Self.lines(requests).suffix(5))")
        let beforeSignal = Self.lines(requests).count
        agent.signal(SIGTERM)
        let exit = agent.wait(timeoutSeconds: 60)
        let log = (FileManager.default.contents(atPath: agentLog).map { String(decoding: $0, as: UTF8.self) }) ?? ""

        #expect(exit == .exited(0), "\(log)")
        let after = Array(Self.lines(requests).dropFirst(beforeSignal))
        #expect(after.contains("report 1 done"), "command 1 was not finished and reported: \(after)")
        #expect(!Self.lines(requests).contains { $0.hasPrefix("report 2 ") }, "command 2 was started after SIGTERM")
        #expect(Self.lines(requests).contains { $0.hasPrefix("samples a ") && !$0.hasSuffix(" 0") }, "no samples were sent")
        #expect(log.contains("shutting down"), "\(log)")
        #expect(log.contains("removing the POPs' cgroups and namespaces"), "\(log)")
        #expect(!FileManager.default.fileExists(atPath: "\(LiveRuntime.memoryMount)/\(prefix)"), "the cgroups under \(prefix) are left: \(log)")

        struct Status: Decodable {
            struct Workload: Decodable { var pop: String; var migrations: Int }
            var workloads: [String: Workload]
        }
        let status = try JSONDecoder().decode(Status.self, from: try #require(FileManager.default.contents(atPath: "\(scratch)/state/status.json")))
        #expect(status.workloads["w"]?.pop == "b" && status.workloads["w"]?.migrations == 1)
    }
}
