import Forecast
import Foundation
import Models
import Store
import Testing

/// The right-sizing policies and `frontier` through the real executable, on the replay
/// fixture's store and version (two days after its training window).
@Suite("Right-sizing replays and the frontier through the CLI", .serialized)
struct RightSizingReplayTests {
    /// (workload, timestamp) → [cpu cores, memory bytes] of the replayed period, from the store.
    static func samples(_ storePath: String) throws -> [String: [Double]] {
        let from = 1_376_092_800, to = from + 2 * 86_400
        let store = try HeadroomStore(path: storePath)
        var out: [String: [Double]] = [:]
        for series in try store.samples(workloads: store.workloads().map(\.name), from: Int64(from), to: Int64(to)) {
            for i in 0..<series.count {
                out["\(series.workload),\(series.timestamps[i])"] = [series.value(i, .cpuCores), series.value(i, .memoryBytes)]
            }
        }
        return out
    }

    @Test("every right-sizing policy goes down as well as up, and its exported allocations give the summary's slack and throttling")
    func bothWaysAndExports() throws {
        let fixture = try ScorerFixture.get()
        let usage = try Self.samples(fixture.storePath)
        let directory = ScorerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for policy in ["predictive", "reactive", "vpa", "autopilot"] {
            let path = directory.appendingPathComponent("alloc-\(policy).csv").path
            let summary = try ReplayTests.replay(policy, extra: ["--export-allocations", path])
            #expect(summary["knob"] as? Double != nil, "\(policy): the default knob is recorded")
            #expect((summary["downsizes"] as? Int ?? 0) > 0, "\(policy) goes down")
            #expect((summary["resizes"] as? Int ?? 0) > (summary["downsizes"] as? Int ?? 0), "\(policy) goes up too")
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            #expect(lines.first == "timestamp,workload,pop,cpu_cores,memory_bytes")
            var previous: [String: [Double]] = [:]
            var (up, down) = (false, false)
            var (throttled, slackCores, slackGib, oom) = (0.0, 0.0, 0.0, 0)
            for line in lines.dropFirst() {
                let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                let a = [Double(f[3]) ?? .nan, Double(f[4]) ?? .nan]
                if let p = previous[f[1]] {
                    for r in 0..<2 where a[r].isFinite && p[r].isFinite {
                        if a[r] > p[r] { up = true }
                        if a[r] < p[r] { down = true }
                    }
                }
                previous[f[1]] = a
                let u = try #require(usage["\(f[1]),\(f[0])"], "an allocation row for every replayed sample")
                if u[0].isFinite, a[0].isFinite {
                    throttled += max(0, u[0] - a[0]) * 5
                    slackCores += max(0, a[0] - u[0]) * 300 / 3600
                }
                if u[1].isFinite, a[1].isFinite {
                    slackGib += max(0, a[1] - u[1]) / 1_073_741_824 * 300 / 3600
                    if u[1] > a[1] { oom += 1 }
                }
            }
            #expect(up && down, "\(policy): allocations rise and fall in the export")
            #expect(lines.count - 1 == summary["samples"] as? Int)
            func close(_ a: Double, _ key: String) -> Bool {
                let b = summary[key] as? Double ?? .nan
                return abs(a - b) <= 1e-4 * max(1, abs(b))   // the CSV's %.6g rounding
            }
            #expect(close(throttled, "throttled_core_minutes"), "\(policy): \(throttled) vs \(summary["throttled_core_minutes"] ?? "nil")")
            #expect(close(slackCores, "slack_core_hours"), "\(policy): \(slackCores) vs \(summary["slack_core_hours"] ?? "nil")")
            #expect(close(slackGib, "slack_gib_hours"), "\(policy): \(slackGib) vs \(summary["slack_gib_hours"] ?? "nil")")
            #expect(oom == summary["oom_kills"] as? Int)
        }
    }

    @Test("--knob and the observations are recorded (censored by default for sizing policies); a knob changes the outcome; bad knobs are refused")
    func knobAndCensoring() throws {
        let low = try ReplayTests.replay("autopilot", extra: ["--knob", "0", "--trace-demand"])
        let high = try ReplayTests.replay("autopilot", extra: ["--knob", "0.5"])
        #expect(try ReplayTests.replay("static")["censored_observations"] as? Bool == false, "static sees the trace's demand")
        #expect(low["knob"] as? Double == 0 && high["knob"] as? Double == 0.5)
        #expect(low["censored_observations"] as? Bool == false && high["censored_observations"] as? Bool == true)
        #expect((high["slack_core_hours"] as? Double ?? 0) > (low["slack_core_hours"] as? Double ?? 0), "a larger margin holds more")
        let fixture = try ScorerFixture.get()
        let bad = try ScorerFixture.run("headroom-scorer", ["replay", "--db", fixture.storePath, "--models", fixture.modelsDirectory,
                                                            "--pops", "x", "--from", ReplayTests.from, "--to", ReplayTests.to,
                                                            "--policy", "static", "--knob", "1"])
        #expect(bad.status != 0 && bad.stderr.contains("has no knob"))
    }

    @Test("predictive's default knobs are the version's: matched by the trainer to vpa's slack over the training window's last week, reproduced by a replay that names no knob")
    func calibratedDefaultKnobs() throws {
        let fixture = try ScorerFixture.get()
        let registry = ModelRegistry(store: try HeadroomStore(path: fixture.storePath), directory: fixture.modelsDirectory)
        let knobs = try #require(try TrainedModels.load(registry: registry, version: fixture.version).risk?.predictiveDefaults,
                                 "train stores the calibrated knobs in the risk file")
        #expect(knobs.to == ScorerFixture.untilSeconds && knobs.from == ScorerFixture.untilSeconds - 7 * 86_400)
        // The calibration's own setting: one POP without capacity limits, the training workloads.
        let directory = ScorerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fleet = directory.appendingPathComponent("one.toml").path
        try "[[pops]]\nname = \"one\"\nprice_per_hour = 0\nstrategies = []\n".write(toFile: fleet, atomically: true, encoding: .utf8)
        func replay(_ policy: String, _ extra: [String] = []) throws -> [String: Any] {
            let out = try ScorerFixture.run("headroom-scorer", ["replay", "--db", fixture.storePath, "--models", fixture.modelsDirectory,
                                                                "--pops", fleet, "--policy", policy, "--from", String(knobs.from),
                                                                "--to", String(knobs.to), "--json"] + extra)
            #expect(out.status == 0, "\(out.stderr)")
            let last = try #require(out.stdout.split(separator: "\n").last)
            return try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        }
        func number(_ s: [String: Any], _ key: String) -> Double { (s[key] as? NSNumber)?.doubleValue ?? .nan }
        func same(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }
        let vpa = try replay("vpa")
        #expect(same(number(vpa, "slack_core_hours"), knobs.vpaSlackCoreHours) && same(number(vpa, "slack_gib_hours"), knobs.vpaSlackGibHours))
        // No knob named: the version's, recorded in the summary, with the slack the trainer measured.
        let calibrated = try replay("predictive")
        #expect(number(calibrated, "knob") == knobs.memory && same(number(calibrated, "cpu_knob"), knobs.cpu), "\(calibrated["cpu_knob"] ?? "nil") vs \(knobs.cpu)")
        #expect(same(number(calibrated, "slack_core_hours"), knobs.slackCoreHours), "\(calibrated["slack_core_hours"] ?? "nil") vs \(knobs.slackCoreHours)")
        #expect(same(number(calibrated, "slack_gib_hours"), knobs.slackGibHours))
        // Naming them gives the same replay; --knob alone moves both resources, as before.
        let named = try replay("predictive", ["--knob", String(knobs.memory), "--cpu-knob", String(knobs.cpu)])
        #expect(same(number(named, "slack_core_hours"), number(calibrated, "slack_core_hours")))
        let fixed = try replay("predictive", ["--knob", "0.4"])
        #expect(number(fixed, "knob") == 0.4 && fixed["cpu_knob"] == nil)
        // Each matched resource's slack is at least as near vpa's as the fixed default's.
        if knobs.cpuSource == .matched {
            #expect(abs(knobs.slackCoreHours - knobs.vpaSlackCoreHours) <= abs(number(fixed, "slack_core_hours") - knobs.vpaSlackCoreHours) + 1e-9)
        }
        if knobs.memorySource == .matched {
            #expect(abs(knobs.slackGibHours - knobs.vpaSlackGibHours) <= abs(number(fixed, "slack_gib_hours") - knobs.vpaSlackGibHours) + 1e-9)
        }
        #expect(knobs.cpuSource != .fixed || knobs.memorySource != .fixed, "the knob moves at least one slack on Bitbrains VMs")
    }

    @Test("frontier: one row per policy × knob, JSON with points, the comparison with vpa and predictive's at reactive's and autopilot's defaults, an HTML report with two plots")
    func frontier() throws {
        let fixture = try ScorerFixture.get()
        let directory = ScorerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("frontier.html").path
        let fleet = ScorerFixture.repositoryRoot.appendingPathComponent("config/pops.demo.toml").path
        let base = ["frontier", "--db", fixture.storePath, "--models", fixture.modelsDirectory, "--pops", fleet,
                    "--from", ReplayTests.from, "--to", ReplayTests.to]
        let knobs = "predictive=-0.4,0.1,0.4;vpa=0.05,0.15,0.5;autopilot=0.1,0.3;reactive=1.1,1.2"
        let out = try ScorerFixture.run("headroom-scorer", base + ["--knobs", knobs, "--report", report, "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        let last = try #require(out.stdout.split(separator: "\n").last)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        let points = try #require(json["points"] as? [[String: Any]])
        let keys = points.map { "\($0["policy"] as? String ?? "?")=\($0["knob"] as? Double ?? .nan)" }
        #expect(Set(keys) == Set(["predictive=-0.4", "predictive=0.1", "predictive=0.4", "vpa=0.05", "vpa=0.15", "vpa=0.5", "autopilot=0.1", "autopilot=0.3",
                                  "reactive=1.1", "reactive=1.2"]))
        #expect(keys.count == 10)
        for p in points {
            let s = try #require(p["summary"] as? [String: Any])
            #expect(s["knob"] as? Double == p["knob"] as? Double)
        }
        // The version's calibrated default knobs ride along, so a reader sees where the default sits.
        let defaults = try #require(json["predictive_default_knobs"] as? [String: Any])
        #expect(defaults["cpu"] is Double && defaults["memory"] is Double && defaults["cpu_source"] is String)
        let comparisons = try #require(json["comparisons"] as? [[String: Any]])
        #expect(Set(comparisons.compactMap { $0["candidate"] as? String }) == ["predictive", "autopilot", "reactive"])
        // Predictive is read at reactive's default (1.2) and autopilot's (0.1) too, both swept.
        // Its throttling ratio against reactive is its curve at reactive's CPU slack, by linear
        // interpolation between the neighbouring swept points, over reactive's throttling.
        let baselines = comparisons.filter { $0["candidate"] as? String == "predictive" }.compactMap { $0["baseline"] as? String }
        #expect(Set(baselines) == ["vpa", "reactive", "autopilot"])
        func number(_ s: [String: Any], _ key: String) throws -> Double { try #require((s[key] as? NSNumber)?.doubleValue) }
        let summaries = try points.map { p -> (policy: String, knob: Double, summary: [String: Any]) in
            (p["policy"] as? String ?? "", p["knob"] as? Double ?? .nan, try #require(p["summary"] as? [String: Any]))
        }
        let reactive = try #require(summaries.first { $0.policy == "reactive" && $0.knob == 1.2 }?.summary)
        let curve = try summaries.filter { $0.policy == "predictive" }
            .map { (x: try number($0.summary, "slack_core_hours"), y: try number($0.summary, "throttled_core_minutes")) }
            .sorted { $0.x < $1.x }
        let x = try number(reactive, "slack_core_hours"), reactiveThrottled = try number(reactive, "throttled_core_minutes")
        let vsReactive = try #require(comparisons.first { $0["candidate"] as? String == "predictive" && $0["baseline"] as? String == "reactive" })
        let k = try #require(zip(curve, curve.dropFirst()).first { $0.0.x <= x && x <= $0.1.x && $0.0.x < $0.1.x },
                             "reactive's slack \(x) lies inside predictive's swept range \(curve.map(\.x))")
        let expected = (k.0.y + (k.1.y - k.0.y) * (x - k.0.x) / (k.1.x - k.0.x)) / reactiveThrottled
        #expect(abs(try number(vsReactive, "throttled_ratio") - expected) < 1e-9 * max(1, expected))
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.components(separatedBy: "<svg").count - 1 == 2)
        #expect(html.contains("at the slack of vpa"))

        // The table: a header and one row per policy × knob, each with 8 columns.
        let table = try ScorerFixture.run("headroom-scorer", base + ["--knobs", "vpa=0.15;reactive=1.2", "--policies", "vpa,reactive"])
        #expect(table.status == 0, "\(table.stderr)")
        let rows = table.stdout.split(separator: "\n").filter { !$0.hasPrefix("at the slack") }
        #expect(rows.first?.split(separator: " ").map(String.init) == ["policy", "knob", "oom_kills", "throttled_core_minutes",
                                                                       "slack_core_hours", "slack_gib_hours", "cost", "resizes"])
        let body = rows.dropFirst().map { $0.split(separator: " ").map(String.init) }
        #expect(body.count == 2 && body.allSatisfy { $0.count == 8 })
        #expect(body.map { $0[0] } == ["vpa", "reactive"])
    }
}
