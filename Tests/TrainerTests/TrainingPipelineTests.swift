import Forecast
import Models
import Foundation
import Resources
import Testing
@testable import Store

/// train → models list → evaluate → promote (--if-better) → corrupt file → rollback, and
/// resuming an interrupted training run, through the real executable on real traces.
@Suite("Training pipeline through the CLI", .serialized)
struct TrainingPipelineTests {
    typealias CLI = TrainerCLITests

    /// A store with 3 Bitbrains VMs (both months) and one Google job placed after the
    /// training window (a new workload: cold start).
    static func prepareStore(_ directory: URL) throws -> String {
        let db = directory.appendingPathComponent("s.sqlite").path
        let extract = Process()
        extract.executableURL = URL(fileURLWithPath: "/bin/tar")
        extract.arguments = ["-I", "zstd", "-xf", CLI.repositoryRoot.appendingPathComponent("datasets/bitbrains-rnd-40vms-2013-07-08.tar.zst").path,
                             "-C", directory.path, "bitbrains-rnd/2013-7/1.csv", "bitbrains-rnd/2013-8/1.csv", "bitbrains-rnd/2013-7/6.csv",
                             "bitbrains-rnd/2013-8/6.csv", "bitbrains-rnd/2013-7/11.csv", "bitbrains-rnd/2013-8/11.csv"]
        try extract.run()
        extract.waitUntilExit()
        #expect(extract.terminationStatus == 0)
        let imported = try CLI.run(["import", "--db", db, "--format", "bitbrains", "--prefix", "bb-", "--quiet",
                                    directory.appendingPathComponent("bitbrains-rnd").path])
        #expect(imported.status == 0, "\(imported.stderr)")
        let google = try CLI.run(["import", "--db", db, "--format", "google-gcd", "--prefix", "new-", "--quiet",
                                  "--epoch", "2013-08-10T00:00:00Z", "--cpu-cores", "4",
                                  CLI.repositoryRoot.appendingPathComponent("datasets/google2011-gcd-20jobs.tar.zst").path])
        #expect(google.status == 0, "\(google.stderr)")
        return db
    }

    static func train(_ db: String, _ models: String, until: String, extra: [String] = []) throws -> [String: Any] {
        let out = try CLI.run(["train", "--db", db, "--models", models, "--until", until, "--profile", "smoke",
                               "--workloads", "bb-1,bb-6,bb-11", "--json", "--quiet"] + extra)
        #expect(out.status == 0, "\(out.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
    }

    @Test("train, list, evaluate against baselines, promote, refuse a corrupt file, roll back")
    func pipeline() throws {
        let directory = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = try Self.prepareStore(directory)
        let models = directory.appendingPathComponent("models").path

        let first = try Self.train(db, models, until: "2013-08-10T00:00:00Z")
        let v1 = try #require(first["version"] as? String)
        #expect(first["workloads"] as? Int == 3)
        #expect((first["arima_series"] as? Int ?? 0) >= 12)
        #expect(first["hmm_workloads"] as? Int == 3)
        for family in ["arima", "hmm", "lstm", "risk"] {
            #expect(FileManager.default.fileExists(atPath: "\(models)/\(family)/\(v1)/\(family).safetensors"))
        }
        let list = try CLI.run(["models", "list", "--db", db, "--models", models, "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 4)
        #expect(rows.allSatisfy { $0["status"] as? String == "candidate" && $0["version"] as? String == v1 })

        let report = directory.appendingPathComponent("report.html").path
        let evaluation = try CLI.run(["evaluate", "--db", db, "--models", models, "--version", v1, "--from", "2013-08-10T00:00:00Z",
                                      "--to", "2013-08-11T00:00:00Z", "--horizon", "12", "--json", "--quiet", "--report", report])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(evaluation.stdout.utf8)) as? [String: Any])
        let entries = try #require(json["entries"] as? [[String: Any]])
        let forecasters = Set(entries.compactMap { $0["forecaster"] as? String })
        #expect(forecasters == ["naive", "seasonal_naive", "vpa_p95", "arima", "lstm", "candidate"])
        // The Google job started after the training window: reported separately, and the
        // global LSTM forecasts it (cold start) although no model was trained on it.
        #expect((json["new_workloads"] as? Int ?? 0) >= 1)
        let coldStart = entries.filter { $0["cohort"] as? String == "new" && $0["forecaster"] as? String == "lstm" }
        #expect(coldStart.contains { ($0["points"] as? Int ?? 0) > 0 })
        for entry in entries where entry["cohort"] as? String == "established" {
            #expect((entry["mase_by_step"] as? [Any])?.count == 12)
            #expect(entry["median_mase"] is Double, "per-series median MASE for \(entry["forecaster"] ?? "?")")
            #expect((entry["coverage"] as? [String: Any])?.keys.sorted() == ["0.5", "0.9", "0.99"])
        }
        // The calibrated risk is scored on the evaluation day the way the scorer computes it.
        let risk = try #require(json["risk"] as? [String: Any])
        let calibrated = try #require(risk["calibrated"] as? [String: Any])
        let raw = try #require(risk["raw"] as? [String: Any])
        #expect((risk["ticks"] as? Int ?? 0) > 200)
        #expect((calibrated["bins"] as? [Any])?.count == 10)
        for diagram in [calibrated, raw] {
            let brier = try #require(diagram["brier_score"] as? Double)
            #expect(brier >= 0 && brier <= 1)
        }
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("Risk: P(demand exceeds the allocation"))
        #expect(html.contains("<svg") && html.contains("candidate"))

        // The predictive policy's default knobs, matched to vpa's slack over the window's last week.
        let registry = ModelRegistry(store: try HeadroomStore(path: db), directory: models)
        let knobs = try #require(try TrainedModels.load(registry: registry, version: v1).risk?.predictiveDefaults)
        #expect(knobs.to == 1_376_092_800 && knobs.from == knobs.to - 7 * 86_400)
        #expect(knobs.cpu > -1 && knobs.memory > -1 && knobs.vpaSlackCoreHours > 0)

        #expect(try CLI.run(["promote", "--db", db, "--models", models, v1]).status == 0)
        let second = try Self.train(db, models, until: "2013-08-11T00:00:00Z", extra: ["--no-knob-calibration"])
        let v2 = try #require(second["version"] as? String)
        #expect(v2 != v1)
        let gate = try CLI.run(["promote", "--db", db, "--models", models, "--latest", "--if-better",
                                "--from", "2013-08-11T00:00:00Z", "--to", "2013-08-12T00:00:00Z"])
        #expect(gate.status == 0, "\(gate.stderr)")
        #expect(gate.stdout.contains("promoted version \(v1)"))
        // The decisions step replayed the candidate's predictive policy against v1's at equal slack.
        #expect(gate.stdout.contains("decisions: replay 3 workloads"), "\(gate.stdout)")
        #expect(gate.stdout.contains("promoted version \(v1)'s predictive (its default knobs: CPU"), "v1's calibrated knobs serve as its default")
        #expect(try TrainedModels.load(registry: registry, version: v2).risk?.predictiveDefaults == nil,
                "--no-knob-calibration keeps the fixed default")
        #expect(gate.stdout.contains("OOM kills at"))
        #expect(try CLI.run(["promote", "--db", db, "--models", models, v2]).status == 0)

        // Corrupt v2's LSTM file: evaluating and re-promoting it are refused, naming the file;
        // rollback brings v1 back.
        let lstm = "\(models)/lstm/\(v2)/lstm.safetensors"
        var bytes = [UInt8](FileManager.default.contents(atPath: lstm)!)
        bytes[bytes.count / 2] ^= 0x40
        #expect(FileManager.default.createFile(atPath: lstm, contents: Data(bytes)))
        let refused = try CLI.run(["evaluate", "--db", db, "--models", models, "--version", v2, "--from", "2013-08-11T00:00:00Z",
                                   "--to", "2013-08-12T00:00:00Z", "--quiet"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("lstm/\(v2)/lstm.safetensors"))
        let rollback = try CLI.run(["rollback", "--db", db, "--models", models])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        #expect(rollback.stdout.contains(v1))
        let promoted = try registry.promotedVersion()
        #expect(promoted == v1)
    }

    @Test("an interrupted training run resumes from its saved pieces")
    func resume() throws {
        let directory = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = try Self.prepareStore(directory)
        let models = directory.appendingPathComponent("models").path
        // Leave a run half done: a first process is killed once a piece is saved.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: try CLI.trainer)
        child.arguments = ["train", "--db", db, "--models", models, "--until", "2013-08-10T00:00:00Z", "--profile", "smoke",
                           "--workloads", "bb-1,bb-6,bb-11", "--quiet"]
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        let work = URL(fileURLWithPath: models).appendingPathComponent(".work")
        let deadline = Date().addingTimeInterval(60)
        func pieces() -> Int {
            ((try? FileManager.default.subpathsOfDirectory(atPath: work.path)) ?? []).filter { $0.hasSuffix(".safetensors") }.count
        }
        while pieces() == 0, child.isRunning, Date() < deadline { usleep(5_000) }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        let interrupted = child.terminationReason == .uncaughtSignal
        let saved = pieces()
        #expect(interrupted, "the first run finished before it could be interrupted")
        #expect(saved > 0)
        let result = try Self.train(db, models, until: "2013-08-10T00:00:00Z")
        #expect(result["resumed"] as? Bool == true)
        #expect(result["workloads"] as? Int == 3)
        #expect(!FileManager.default.fileExists(atPath: work.path) || pieces() == 0, "the work folder is cleaned up")
        // Exactly one version was registered: the interrupted run did not leave a second one.
        let store = try HeadroomStore(path: db)
        let versions = Set(try ModelRegistry(store: store, directory: models).list().map(\.version))
        #expect(versions.count == 1)
    }

    @Test("two shards and a merge register the same models as one run; a version missing a part is refused and never registered")
    func shardedTraining() throws {
        let directory = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = try Self.prepareStore(directory)
        let models = directory.appendingPathComponent("models").path
        let until = "2013-08-10T00:00:00Z"
        let names = ["bb-1", "bb-6", "bb-11"]
        // The stable hash puts these three into both shards of two (so both parts hold models).
        #expect(Set(names.map { WorkloadShard.index(of: $0, count: 2) }) == [0, 1])

        let whole = try #require(try Self.train(db, models, until: until)["version"] as? String)

        func shard(_ i: Int, version: String = "sharded-1") throws -> CLI.Output {
            try CLI.run(["train", "--db", db, "--models", models, "--until", until, "--profile", "smoke",
                         "--workloads", names.joined(separator: ","), "--shard", "\(i)/2", "--version", version, "--json", "--quiet"])
        }
        func merge(_ version: String = "sharded-1") throws -> CLI.Output {
            try CLI.run(["train", "--db", db, "--models", models, "--json", "--quiet", "--merge", version])
        }
        let first = try shard(0)
        #expect(first.status == 0, "\(first.stderr)")
        let firstJSON = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        #expect(firstJSON["workloads"] as? Int == names.filter { WorkloadShard.index(of: $0, count: 2) == 0 }.count)
        // One part of two: the merge names the missing part and registers nothing.
        let early = try merge()
        #expect(early.status == 1)
        #expect(early.stderr.contains("1/2") && early.stderr.contains("missing"), "\(early.stderr)")
        let registry = ModelRegistry(store: try HeadroomStore(path: db), directory: models)
        #expect(try registry.list().allSatisfy { $0.version != "sharded-1" })
        // A shard run with another window cannot join the version.
        let odd = try CLI.run(["train", "--db", db, "--models", models, "--until", "2013-08-09T00:00:00Z", "--profile", "smoke",
                               "--workloads", names.joined(separator: ","), "--shard", "1/2", "--version", "sharded-1", "--quiet"])
        #expect(odd.status == 0, "\(odd.stderr)")
        let disagreeing = try merge()
        #expect(disagreeing.status == 1)
        #expect(disagreeing.stderr.contains("arima-1-of-2") && disagreeing.stderr.contains("same --until"), "\(disagreeing.stderr)")
        let second = try shard(1)
        #expect(second.status == 0, "\(second.stderr)")
        let merged = try merge()
        #expect(merged.status == 0, "\(merged.stderr)")
        let mergedJSON = try #require(try JSONSerialization.jsonObject(with: Data(merged.stdout.utf8)) as? [String: Any])
        #expect(mergedJSON["version"] as? String == "sharded-1")
        #expect(mergedJSON["workloads"] as? Int == 3)
        #expect(!FileManager.default.fileExists(atPath: "\(models)/parts/sharded-1"), "the parts are removed once merged")
        // Same tensors in every family as the unsharded run (the metadata differ by version name).
        for family in ["arima", "hmm", "lstm", "risk"] {
            let a = try Safetensors.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(models)/\(family)/\(whole)/\(family).safetensors"))))
            let b = try Safetensors.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(models)/\(family)/sharded-1/\(family).safetensors"))))
            #expect(a.tensors.keys.sorted() == b.tensors.keys.sorted(), "\(family)")
            for (name, tensor) in a.tensors { #expect(b.tensors[name] == tensor, "\(family): tensor \(name) differs") }
        }
        // The merge calibrates the default knobs over the same replays: the same knobs.
        let wholeKnobs = try TrainedModels.load(registry: registry, version: whole).risk?.predictiveDefaults
        let mergedKnobs = try TrainedModels.load(registry: registry, version: "sharded-1").risk?.predictiveDefaults
        #expect(wholeKnobs != nil && wholeKnobs == mergedKnobs)
        // Now a whole version: promotable like any other; a second merge is refused.
        let promote = try CLI.run(["promote", "--db", db, "--models", models, "sharded-1"])
        #expect(promote.status == 0, "\(promote.stderr)")
        #expect(try registry.promotedVersion() == "sharded-1")
        #expect(try merge().status == 1)
        // Bad arguments are refused before any work.
        for bad in [["--shard", "2/2", "--version", "x"], ["--shard", "0/2"], ["--shard", "a/b", "--version", "x"],
                    ["--version", "x"], ["--shard", "0/2", "--version", "../escape"]] {
            let out = try CLI.run(["train", "--db", db, "--models", models, "--until", until, "--profile", "smoke"] + bad)
            #expect(out.status != 0, "\(bad)")
        }
        let mergeWithWindow = try CLI.run(["train", "--db", db, "--models", models, "--merge", "sharded-1", "--until", until])
        #expect(mergeWithWindow.status != 0)
    }
}
