import Foundation
import Testing

/// `headroom-scorer replay` through the real executable, on the fixture's real store and
/// trained version, over the two days after its training window.
@Suite("Replay through the CLI", .serialized)
struct ReplayTests {
    static let from = "2013-08-10T00:00:00Z"
    static let to = "2013-08-12T00:00:00Z"

    static func replay(_ policy: String, extra: [String] = []) throws -> [String: Any] {
        let fixture = try ScorerFixture.get()
        let fleet = ScorerFixture.repositoryRoot.appendingPathComponent("config/pops.demo.toml").path
        let out = try ScorerFixture.run("headroom-scorer", ["replay", "--db", fixture.storePath, "--models", fixture.modelsDirectory,
                                                            "--pops", fleet, "--policy", policy, "--from", from, "--to", to, "--json"] + extra)
        #expect(out.status == 0, "\(out.stderr)")
        let last = try #require(out.stdout.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
    }

    @Test("every policy prints the summary; static never acts; acting policies cut contention")
    func policies() throws {
        var results: [String: [String: Any]] = [:]
        for policy in ["static", "reactive", "predictive", "oracle"] {
            // Seeing the trace's demand (the sizing policies' default is censored: below).
            let summary = try Self.replay(policy, extra: ["--trace-demand"])
            for key in ["contention_minutes", "cost", "migrations", "moved_bytes", "decisions_per_workload_day", "resizes", "samples"] {
                #expect(summary[key] != nil, "\(policy): \(key) missing")
            }
            #expect(summary["policy"] as? String == policy)
            #expect(summary["workloads"] as? Int == ScorerFixture.workloads.count)
            results[policy] = summary
        }
        let samples = try #require(results["static"]?["samples"] as? Int)
        #expect(samples > 4 * 500, "two days of 5-minute samples for four VMs")
        #expect(results.values.allSatisfy { $0["samples"] as? Int == samples }, "every policy replays the same samples")
        #expect((results["static"]?["migrations"] as? [String: Any])?.isEmpty == true)
        #expect(results["static"]?["resizes"] as? Int == 0)
        #expect(results["static"]?["decisions_per_workload_day"] as? Double == 0)
        let staticContention = try #require(results["static"]?["contention_minutes"] as? Double)
        #expect(staticContention > 0, "the VPA-style starting allocation is exceeded at times")
        for policy in ["reactive", "predictive", "oracle"] {
            let contention = try #require(results[policy]?["contention_minutes"] as? Double)
            #expect(contention < staticContention, "\(policy) \(contention) vs static \(staticContention)")
            #expect((results[policy]?["resizes"] as? Int ?? 0) > 0)
        }
        // Censored (the default for sizing policies): predictive sizes CPU low and steps up on
        // throttling, so it is throttled more often but for less: fewer throttled core-minutes
        // and OOM kills than static, not fewer contended samples. At the fixed knob 0.4: the
        // version's calibrated default matches vpa's slack over the training week, which on
        // these four VMs' smoke models holds about static's CPU slack (12.1 against 11.3
        // core-hours) and throttles 4.3 core-minutes against static's 3.8; the frontier, not
        // this test, compares policies at equal slack.
        let censored = try Self.replay("predictive", extra: ["--knob", "0.4"])
        #expect(censored["censored_observations"] as? Bool == true)
        let staticThrottled = try #require(results["static"]?["throttled_core_minutes"] as? Double)
        let staticKills = try #require(results["static"]?["oom_kills"] as? Int)
        let throttled = try #require(censored["throttled_core_minutes"] as? Double)
        let kills = try #require(censored["oom_kills"] as? Int)
        #expect(throttled < staticThrottled, "censored predictive \(throttled) vs static \(staticThrottled) core-min")
        #expect(kills <= staticKills, "censored predictive \(kills) vs static \(staticKills) OOM kills")
        print("replay fixture: static contention \(staticContention) min, \(staticThrottled) core-min, \(staticKills) kills; "
              + "censored predictive \(censored["contention_minutes"] ?? "?") min, \(throttled) core-min, \(kills) kills")
    }

    @Test("exports: one score row per tick with snake_case resources, forecasts every N ticks")
    func exports() throws {
        let directory = ScorerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scores = directory.appendingPathComponent("scores.csv").path
        let forecasts = directory.appendingPathComponent("forecasts.csv").path
        let summary = try Self.replay("predictive", extra: ["--export-scores", scores, "--export-forecasts", forecasts, "--every", "6",
                                                            "--dry-run"])
        let scoreLines = try String(contentsOfFile: scores, encoding: .utf8).split(separator: "\n")
        #expect(scoreLines.first == "timestamp,workload,risk,resource_at_risk")
        #expect(scoreLines.count - 1 == summary["samples"] as? Int)
        let names = Set(["cpu_cores", "memory_bytes", "disk_read_bytes_per_second", "disk_write_bytes_per_second",
                         "network_receive_bytes_per_second", "network_transmit_bytes_per_second", ""])
        for line in scoreLines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(fields.count == 4)
            let risk = try #require(Double(fields[2]))
            #expect(risk >= 0 && risk <= 1)
            #expect(names.contains(String(fields[3])))
            #expect(Int64(fields[0]) != nil)
        }
        let forecastLines = try String(contentsOfFile: forecasts, encoding: .utf8).split(separator: "\n")
        #expect(forecastLines.first == "timestamp,workload,resource,step,p50,p90,p99")
        var perTick: [String: Int] = [:]
        for line in forecastLines.dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(f.count == 7)
            let (p50, p90, p99) = (Double(f[4]) ?? .nan, Double(f[5]) ?? .nan, Double(f[6]) ?? .nan)
            #expect(p50 <= p90 + 1e-9 && p90 <= p99 + 1e-9, "quantiles ordered: \(line)")
            #expect((1...12).contains(Int(f[3]) ?? 0))
            perTick["\(f[0]),\(f[1])", default: 0] += 1
        }
        // Every 6th tick per workload, 12 steps per forecast resource.
        let ticks = Set(perTick.keys).count
        let samples = summary["samples"] as? Int ?? 0
        #expect(abs(ticks - samples / 6) <= ScorerFixture.workloads.count)
        #expect(perTick.values.allSatisfy { $0 % 12 == 0 })
        // Dry run: decisions are made but nothing is executed.
        #expect(summary["resizes"] as? Int == 0)
        #expect((summary["migrations"] as? [String: Any])?.isEmpty == true)
    }

    @Test("a POP that fails mid-replay: its workloads restart elsewhere from their last checkpoint, it is never chosen again")
    func popFailure() throws {
        let directory = ScorerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let decisions = directory.appendingPathComponent("decisions.csv").path
        // Every VM starts on ams1, the cheapest POP; it fails at 06:07 on the first day.
        let failAt: Int64 = 1_376_092_800 + 6 * 3600 + 420
        let summary = try Self.replay("predictive", extra: ["--fail-pop", "ams1@\(failAt)", "--checkpoint-seconds", "900",
                                                            "--export-decisions", decisions])
        #expect(summary["pop_failures"] as? Int == 1)
        let restarts = (summary["migrations"] as? [String: Any])?["restart"] as? Int ?? 0
        #expect(restarts == ScorerFixture.workloads.count, "every VM on ams1 is restarted elsewhere")
        // Bitbrains VMs checkpoint: each loses the 7 minutes since the 06:00 checkpoint.
        #expect(abs((summary["lost_work_minutes"] as? Double ?? 0) - 7.0 * Double(ScorerFixture.workloads.count)) < 1e-9)
        #expect((summary["downtime_minutes"] as? Double ?? 0) > 0)
        let rows = try String(contentsOfFile: decisions, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let restartRows = rows.filter { $0[2] == "restart" }
        #expect(restartRows.count == restarts)
        #expect(restartRows.allSatisfy { Int64($0[0])! >= failAt && $0[4] != "ams1" })
        #expect(!rows.contains { Int64($0[0])! >= failAt && $0[4].split(separator: "+").contains("ams1") }, "a down POP is never a target")
    }

    @Test("bad arguments fail with a message naming what to fix")
    func errors() throws {
        let fixture = try ScorerFixture.get()
        let out = try ScorerFixture.run("headroom-scorer", ["replay", "--db", fixture.storePath, "--models", fixture.modelsDirectory,
                                                            "--pops", "/nonexistent.toml", "--from", Self.from, "--to", Self.to])
        #expect(out.status != 0)
        #expect(out.stderr.contains("/nonexistent.toml"))
        let reversed = try ScorerFixture.run("headroom-scorer", ["replay", "--db", fixture.storePath, "--models", fixture.modelsDirectory,
                                                                 "--pops", "x", "--from", Self.to, "--to", Self.from])
        #expect(reversed.status != 0)
        #expect(reversed.stderr.contains("--from must be before --to"))
    }
}
