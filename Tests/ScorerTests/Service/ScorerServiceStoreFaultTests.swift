import Foundation
import Hummingbird
import HummingbirdTesting
@testable import Scorer
import Store
import Testing

/// Issue 12, item 5: the store's files made immutable (`chattr +i`, which stops writes even
/// through descriptors already open, and even for root) while the service runs, then
/// restored; and a store that cannot be written at start.
@Suite("Scoring service when the store fails", .serialized, .enabled(if: StoreFaultSupport.canMakeImmutable))
struct ScorerServiceStoreFaultTests {
    typealias H = ServiceHarness

    @Test("a write failure is a 503 with the reason, healthz turns unhealthy naming the store, and both recover with the store")
    func immutableWhileServing() async throws {
        let log = CapturedLog()
        let h = try await H.make(logger: log.logger)
        let samples = try h.continuation(of: "bb-22", count: 6)
        // The main file and the WAL: every commit writes the WAL. (Not -shm: SQLite maps it,
        // and a write to an immutable mapped page is a SIGBUS no process can answer.)
        let files = [h.storePath, h.storePath + "-wal"]
        try await h.application().test(.router) { client in
            try StoreFaultSupport.chattr("+i", files)
            defer { try? StoreFaultSupport.chattr("-i", files) }
            let failed = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: H.body(Array(samples[0..<3])))
            #expect(failed.status == .serviceUnavailable)
            #expect(failed.headers[.retryAfter] == "5")
            let message = (try H.json(failed)["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains(h.storePath) && message.contains("SQLite error"), "\(message)")

            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .serviceUnavailable)
            let body = try H.json(health)
            #expect(body["status"] as? String == "unhealthy")
            let store = try #require(body["store"] as? [String: Any])
            #expect(store["path"] as? String == h.storePath && store["healthy"] as? Bool == false)
            #expect(store["during"] as? String == "POST /v1/samples")
            #expect(await h.service.probeStore() == false, "still failing")
            #expect(log.lines.filter { $0.contains("store \(h.storePath) failed during POST /v1/samples") }.count == 1,
                    "logged once per episode, with the path: \(log.lines)")

            // Reads that need only the store still answer.
            let decisions = try await client.execute(uri: "/v1/decisions?limit=1", method: .get, headers: H.auth)
            #expect(decisions.status == .ok)

            try StoreFaultSupport.chattr("-i", files)
            #expect(await h.service.probeStore(), "the probe's write succeeds once the store does")
            #expect(log.lines.contains { $0.contains("store \(h.storePath) is writable again") })
            let healthy = try await client.execute(uri: "/healthz", method: .get)
            #expect(healthy.status == .ok)
            #expect(try H.json(healthy)["status"] as? String == "ok")

            let retried = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: H.body(samples))
            #expect(retried.status == .ok, "\(String(buffer: retried.body))")
            #expect(try H.json(retried)["accepted"] as? Int == 6, "nothing of the failed batch was kept")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("headroom_store_faults_total 2"), "the request and the first probe")
            #expect(metrics.contains("headroom_store_unhealthy 0"))
        }
    }

    @Test("an immutable WAL index (-shm) is a 503 naming it, not a SIGBUS, for writes and reads; and it recovers")
    func immutableSharedMemory() async throws {
        let h = try await H.make()
        let samples = try h.continuation(of: "bb-22", count: 6)
        let shm = h.storePath + "-shm"
        try await h.application().test(.router) { client in
            let first = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: H.body(Array(samples[0..<3])))
            #expect(first.status == .ok)
            #expect(FileManager.default.fileExists(atPath: shm), "SQLite maps its WAL index")
            // Without the check before each use, the next transaction's write to the mapped
            // page kills this process with SIGBUS (reproduced with Python's sqlite3 too).
            try StoreFaultSupport.chattr("+i", [shm])
            defer { try? StoreFaultSupport.chattr("-i", [shm]) }
            let failed = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: H.body(Array(samples[3..<6])))
            #expect(failed.status == .serviceUnavailable)
            let message = (try H.json(failed)["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains(shm) && message.contains("SIGBUS"), "\(message)")
            let read = try await client.execute(uri: "/v1/decisions?limit=1", method: .get, headers: H.auth)
            #expect(read.status == .serviceUnavailable, "a reader writes its read mark in -shm too")
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .serviceUnavailable)
            #expect(try H.json(health)["status"] as? String == "unhealthy")
            #expect(await h.service.probeStore() == false)
            #expect((try? await h.service.reloadIfPromoted()) != nil, "the periodic reload refuses the store instead of crashing")

            try StoreFaultSupport.chattr("-i", [shm])
            #expect(await h.service.probeStore())
            let retried = try await client.execute(uri: "/v1/samples", method: .post, headers: H.auth, body: H.body(Array(samples[3..<6])))
            #expect(retried.status == .ok, "\(String(buffer: retried.body))")
            #expect(try H.json(retried)["accepted"] as? Int == 3)
        }
    }

    @Test("a store that cannot be written at start fails naming the file")
    func immutableAtStart() async throws {
        let fixture = try ScorerFixture.get()
        let (path, _) = try fixture.copyStore()
        try StoreFaultSupport.chattr("+i", [path])
        defer { try? StoreFaultSupport.chattr("-i", [path]) }
        do {
            _ = try await H.make(storePath: path)
            Issue.record("started on an immutable store")
        } catch {
            #expect("\(error)".contains(path), "\(error)")
        }
    }
}

enum StoreFaultSupport {
    /// Root on a file system with the immutable attribute (ext4, xfs, btrfs; not tmpfs or overlayfs).
    static let canMakeImmutable: Bool = {
        guard getuid() == 0 else { return false }
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-chattr-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else { return false }
        defer {
            try? chattr("-i", [probe])
            try? FileManager.default.removeItem(atPath: probe)
        }
        return (try? chattr("+i", [probe])) != nil
    }()

    struct ChattrFailed: Error { var output: String }

    static func chattr(_ flag: String, _ paths: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag] + paths
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ChattrFailed(output: String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
    }
}
