import Agent
import Forecast
import Foundation
import HeadroomTestSupport
import Store
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15's sharded scorers as real processes: one PostgreSQL (the test's private server),
/// two `headroom-scorer serve --shard i/2`, one `headroom-agent run` whose four workloads
/// (real processes in real cgroups) hash two to each shard. The agent must route each
/// workload's samples to its owner; two workloads of different shards racing for the last
/// room of a POP must not overbook it; and scorer 1, killed with SIGKILL in the middle of a
/// stream of acknowledged batches and started again, must have lost none of them — while
/// shard 0 keeps ingesting, and the agent's samples of the downtime reach scorer 1 once it
/// is back (the agent keeps the parts it could not deliver).
@Suite("Sharded scorers, live: two scorer processes, one PostgreSQL, one agent, a scorer killed and restarted", .serialized,
       .enabled(if: PostgresTestServer.isAvailable && geteuid() == 0, "needs PostgreSQL's server binaries and root (the agent makes cgroups)"))
struct ShardedScorersLiveTests {
    static let token = "sharded-live-token-0123456789"
    /// sleeper-a and -c hash to shard 1 of 2, -b and -d to shard 0; probe-1 to shard 1.
    static let sleepers = ["sleeper-a", "sleeper-b", "sleeper-c", "sleeper-d"]
    static let probe = "probe-1"


    static func get(_ url: String) -> (status: Int, body: String)? {
        guard let target = URL(string: url) else { return nil }
        var request = URLRequest(url: target)
        request.timeoutInterval = 2
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        return send(request)
    }

    static func post(_ url: String, json: String) -> (status: Int, body: String)? {
        guard let target = URL(string: url) else { return nil }
        var request = URLRequest(url: target)
        request.httpMethod = "POST"
        request.timeoutInterval = 2
        request.httpBody = Data(json.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        return send(request)
    }

    static func send(_ request: URLRequest) -> (status: Int, body: String)? {
        final class Box: @unchecked Sendable { var value: (Int, String)? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, _ in
            if let http = response as? HTTPURLResponse { box.value = (http.statusCode, String(decoding: data ?? Data(), as: UTF8.self)) }
            done.signal()
        }.resume()
        done.wait()
        return box.value.map { (status: $0.0, body: $0.1) }
    }

    static func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(200_000)
        }
        return try condition()
    }

    static func text(_ path: String) -> String {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    @Test("samples go to their shard's scorer; a scorer killed mid-stream loses no acknowledged sample and gets the agent's missed ones after its restart",
          .timeLimit(.minutes(5)))
    func killAndRestart() throws {
        #expect(WorkloadShardCheck.shards(Self.sleepers) == [1, 0, 1, 0])
        #expect(WorkloadShardCheck.shards([Self.probe]) == [1])
        let (url, models) = try ShardedScorerTests.freshStore()
        let store = try HeadroomStore(location: url)
        let scratch = TestProcess.temporaryDirectory(prefix: "headroom-sharded-live")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let dir = scratch.path
        try "\(Self.token)\n".write(toFile: "\(dir)/token", atomically: true, encoding: .utf8)
        var found = [try TestProcess.freeLoopbackPort()]
        while found.count < 2 { let port = try TestProcess.freeLoopbackPort(); if port != found[0] { found.append(port) } }
        let ports = found
        let prefix = "headroom-shard-test-\(getpid())"
        let fleet = """
            [[pops]]
            name = "sh-a"
            price_per_hour = 0.1
            strategies = ["checkpoint_restart"]
            [pops.capacity]
            cpu_cores = 2
            memory_bytes = 1_073_741_824

            # Room for both racers' allocations (0.5 + 0.5 cores) and one resize to 1.2, not two.
            [[pops]]
            name = "race"
            price_per_hour = 0.1
            strategies = ["checkpoint_restart"]
            [pops.capacity]
            cpu_cores = 2.0

            [[scorers]]
            url = "http://127.0.0.1:\(ports[0])"
            [[scorers]]
            url = "http://127.0.0.1:\(ports[1])"

            [agent]
            token_file = "\(dir)/token"
            pops = ["sh-a"]
            sample_interval_seconds = 1
            state_directory = "\(dir)/state"
            cgroup_prefix = "\(prefix)"
            launcher = "\(try TestProcess.executable("headroom-launch"))"

            """ + Self.sleepers.map { name in
                """

                [[workloads]]
                name = "\(name)"
                pop = "sh-a"
                argv = ["/bin/sleep", "600"]
                [workloads.limits]
                cpu_cores = 0.25
                memory_bytes = 67_108_864

                """
            }.joined()
        try fleet.write(toFile: "\(dir)/fleet.toml", atomically: true, encoding: .utf8)

        let environment = ProcessInfo.processInfo.environment
        let scorerBinary = try TestProcess.executable("headroom-scorer")
        func startScorer(_ shard: Int, log: String) throws -> LaunchedProcess {
            try ProcessSpawner.spawn([scorerBinary, "serve", "--db", url, "--models", models, "--pops", "\(dir)/fleet.toml",
                                      "--listen", "127.0.0.1:\(ports[shard])", "--token-file", "\(dir)/token", "--shard", "\(shard)/2",
                                      "--new-workload-interval-seconds", "1", "--policy", "reactive"],
                                     environment: environment, logPath: "\(dir)/\(log)")
        }
        var scorers = [try startScorer(0, log: "scorer-0.log"), try startScorer(1, log: "scorer-1.log")]
        defer { for scorer in scorers where scorer.isRunning { _ = scorer.signal(SIGKILL); _ = scorer.wait() } }
        for shard in 0..<2 {
            let up = Self.waitUntil(90) { Self.get("http://127.0.0.1:\(ports[shard])/healthz")?.status == 200 }
            try #require(up, "scorer \(shard) did not come up: \(Self.text("\(dir)/scorer-\(shard).log").suffix(2000))")
        }

        let agent = try ProcessSpawner.spawn([try TestProcess.executable("headroom-agent"), "run", "--config", "\(dir)/fleet.toml"],
                                             environment: environment, logPath: "\(dir)/agent.log")
        defer { if agent.isRunning { _ = agent.signal(SIGKILL); _ = agent.wait() } }
        func stored(_ name: String) throws -> [Int64] {
            guard try store.workload(named: name) != nil else { return [] }
            return try store.lastSamples(workload: name, count: 100_000, until: nil).timestamps
        }
        let flowing = try Self.waitUntil(60) { try Self.sleepers.allSatisfy { try stored($0).count >= 3 } }
        try #require(flowing, "the agent's samples did not reach both scorers: \(Self.text("\(dir)/agent.log").suffix(3000))")
        #expect(!Self.text("\(dir)/agent.log").contains("refused"), "a scorer refused a part: \(Self.text("\(dir)/agent.log").suffix(3000))")

        // The race: probe-0 (shard 0) and probe-3 (shard 1), each allocated 0.5 cores at POP
        // `race` and using 1.0, reach their scorers at the same moment. Each scorer's reactive
        // policy resizes its workload in place to 1.2 × usage = 1.2 cores; the POP has room for
        // one: 0.5 + 0.5 + 0.7 = 1.7 ≤ 2, and a second growth would make 2.4.
        let racers = ["probe-0", "probe-3"]
        #expect(WorkloadShardCheck.shards(racers) == [0, 1])
        let now = Int64(Date().timeIntervalSince1970)
        final class Statuses: @unchecked Sendable { var values = [Int?](repeating: nil, count: 2); let lock = NSLock() }
        let statuses = Statuses()
        DispatchQueue.concurrentPerform(iterations: 2) { shard in
            let name = racers[shard]
            let body = #"{"pop":"race","samples":[{"workload":"\#(name)","timestamp":\#(now),"cpu_cores":1.0,"memory_bytes":1000000}],"allocations":{"\#(name)":{"cpu_cores":0.5,"memory_bytes":1000000000}}}"#
            let status = Self.post("http://127.0.0.1:\(ports[shard])/v1/samples", json: body)?.status
            statuses.lock.lock(); statuses.values[shard] = status; statuses.lock.unlock()
        }
        #expect(statuses.values == [200, 200])
        let raceTotal = try #require(try store.bookedTotals()["race"])
        #expect(raceTotal[.cpuCores] <= 2.0 + 1e-9, "the race POP is overbooked: \(raceTotal)")
        #expect(abs(raceTotal[.cpuCores] - 1.7) < 1e-9, "one resize booked beside both allocations: \(raceTotal)")
        let commands = (0..<2).flatMap { shard -> [String] in
            let listed = Self.get("http://127.0.0.1:\(ports[shard])/v1/agents/race/commands")?.body ?? ""
            return racers.filter { listed.contains("\"workload\":\"\($0)\"") }
        }
        #expect(commands.count == 1, "exactly one racer is resized: \(commands)")
        let refusals = (0..<2).map { Self.get("http://127.0.0.1:\(ports[$0])/metrics")?.body ?? "" }
        print("sharded live race: resized \(commands); booking refusals counted: \(refusals.map { $0.contains("headroom_capacity_booking_refusals_total 1") })")

        // A stream of batches to scorer 1, one sample each; SIGKILL after the 30th acknowledgement.
        let base = Int64(Date().timeIntervalSince1970) - 7200
        var acknowledged: [Int64] = []
        var failures = 0
        var killedAt: Int64 = 0
        for i in 0..<2000 where failures < 10 {
            let timestamp = base + Int64(i)
            let body = #"{"samples":[{"workload":"\#(Self.probe)","timestamp":\#(timestamp),"cpu_cores":0.1,"memory_bytes":1000000}]}"#
            if Self.post("http://127.0.0.1:\(ports[1])/v1/samples", json: body)?.status == 200 {
                acknowledged.append(timestamp)
            } else {
                failures += 1
            }
            if acknowledged.count == 30 && killedAt == 0 {
                _ = scorers[1].signal(SIGKILL)
                killedAt = Int64(Date().timeIntervalSince1970)
            }
        }
        _ = scorers[1].wait()
        try #require(killedAt > 0)
        #expect(acknowledged.count >= 30)
        sleep(3)  // the agent's pushes to scorer 1 fail meanwhile; scorer 0 keeps taking its own
        scorers[1] = try startScorer(1, log: "scorer-1-restarted.log")
        let back = Self.waitUntil(90) { Self.get("http://127.0.0.1:\(ports[1])/healthz")?.status == 200 }
        try #require(back, "scorer 1 did not come back: \(Self.text("\(dir)/scorer-1-restarted.log").suffix(2000))")
        let restartedAt = Int64(Date().timeIntervalSince1970)

        // Every acknowledged sample is in the store.
        let probeStored = Set(try stored(Self.probe))
        #expect(acknowledged.allSatisfy(probeStored.contains), "lost acknowledged samples: \(acknowledged.filter { !probeStored.contains($0) })")
        // The agent's samples of the downtime reach scorer 1 once it is back (queued parts
        // are sent first); shard 0's workloads never stopped.
        let covered = try Self.waitUntil(30) {
            try ["sleeper-a", "sleeper-c"].allSatisfy { name in
                let seconds = Set(try stored(name))
                return (killedAt...restartedAt).filter { !seconds.contains($0) }.count <= 2
            }
        }
        #expect(covered, "scorer 1's workloads have a gap over its downtime \(killedAt)…\(restartedAt): \(Self.text("\(dir)/agent.log").suffix(2000))")
        for name in ["sleeper-b", "sleeper-d"] {
            let seconds = Set(try stored(name))
            #expect((killedAt...restartedAt).filter { !seconds.contains($0) }.count <= 2, "shard 0's \(name) stopped while scorer 1 was down")
        }
        // Each scorer holds only its own shard's workloads (the other's are 421 there).
        #expect(Self.get("http://127.0.0.1:\(ports[0])/v1/workloads/sleeper-a/risk")?.status == 421)
        #expect(Self.get("http://127.0.0.1:\(ports[1])/v1/workloads/sleeper-b/risk")?.status == 421)

        _ = agent.signal(SIGTERM)
        #expect(agent.wait(timeoutSeconds: 60) == .exited(0), "\(Self.text("\(dir)/agent.log").suffix(2000))")
        for scorer in scorers { _ = scorer.signal(SIGTERM) }
        for scorer in scorers { _ = scorer.wait(timeoutSeconds: 30) }
    }
}

/// `WorkloadShard` through the scorer's module (the test's assumptions about the names).
enum WorkloadShardCheck {
    static func shards(_ names: [String]) -> [Int] {
        names.map { ShardedScorerTests.shardIndex($0) }
    }
}
