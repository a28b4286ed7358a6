import ArgumentParser
import Decisions
import Foundation
import Models
import Store

extension ReplayPolicy: ExpressibleByArgument {}

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Drives the decision loop over stored history with a simulated fleet and prints what it cost.",
        discussion: """
            The last line on stdout is one JSON object: contention_minutes, cost, migrations (by strategy), \
            moved_bytes, decisions_per_workload_day and more. Progress goes to stderr.
            """)

    @Option(name: .customLong("db"), help: "The store: a SQLite file path or a postgres:// URL.") var databasePath: String
    @Option(name: .customLong("models"), help: "Models directory.") var modelsDirectory: String
    @Option(name: .customLong("pops"), help: "Fleet file (TOML).") var popsPath: String
    @Option(help: "predictive, reactive, vpa, autopilot, static or oracle.") var policy: ReplayPolicy = .predictive
    @Option(help: "The policy's one knob: predictive margin (0.4), vpa safety margin (0.15), autopilot margin (0.1), reactive factor (1.2).")
    var knob: Double?
    @Option(name: .customLong("cpu-knob"), help: "predictive only: the CPU side's own margin (default: --knob), as frontier's run at vpa's slack uses.")
    var cpuKnob: Double?
    @Flag(name: .customLong("censored-observations"), help: "Every policy (static and oracle too) sees min(demand, allocation) (default for the sizing policies).")
    var censoredObservations = false
    @Flag(name: .customLong("trace-demand"), help: "Every policy sees the trace's demand, also above its allocation (default: the sizing policies see min(demand, allocation)).")
    var traceDemand = false
    @Option(help: "Sizing policies allocate at most this multiple of the workload's recorded limit (default: no ceiling but a POP's room; 1 = the limit is every policy's maxAllowed).")
    var ceiling: Double?
    @Option(help: "Start: ISO-8601 or Unix seconds (each workload is warmed on the history before it).") var from: String
    @Option(help: "End (exclusive): ISO-8601 or Unix seconds.") var to: String
    @Option(help: "Risk horizon in steps of each workload's interval.") var horizon = 12
    @Option(help: "Model version (default: the promoted one).") var version: String?
    @Option(help: "Comma-separated workload names (default: every workload with samples in the period).") var workloads: String?
    @Option(name: .customLong("export-scores"), help: "Write timestamp,workload,risk,resource_at_risk for every tick.") var exportScores: String?
    @Option(name: .customLong("export-forecasts"), help: "Write timestamp,workload,resource,step,p50,p90,p99 every --every ticks.") var exportForecasts: String?
    @Option(help: "Ticks between forecast rows (with --export-forecasts).") var every = 12
    @Option(name: .customLong("export-decisions"), help: "Write timestamp,workload,action,risk,targets,reason,live_pricing for every action and every alarmed tick (live_pricing: what priced a live move — measured, configured or trace_proxy dirty rate through the pre-copy model, or dirty_fraction).") var exportDecisions: String?
    @Option(name: .customLong("export-allocations"), help: "Write timestamp,workload,pop,cpu_cores,memory_bytes for every sample: the allocation in force.") var exportAllocations: String?
    @Option(name: .customLong("oom-restart-seconds"), help: "Seconds an OOM-killed workload spends restarting.") var oomRestartSeconds = 60.0
    @OptionGroup var decisionOptions: DecisionOptions
    @Option(name: .customLong("fail-pop"), help: "NAME@TIME: mark a POP down at TIME (repeatable); its workloads restart elsewhere from their last checkpoint.")
    var failPop: [String] = []
    @Option(name: .customLong("checkpoint-seconds"), help: "How often checkpointable workloads checkpoint.") var checkpointSeconds: Int64 = 900
    @Flag(help: "Print only the JSON line (no progress).") var json = false

    func validate() throws {
        guard !(censoredObservations && traceDemand) else { throw ValidationError("give --censored-observations or --trace-demand, not both") }
        guard let f = TimestampParser.parse(from) else { throw ValidationError("--from: expected ISO-8601 or Unix seconds, got \"\(from)\"") }
        guard let t = TimestampParser.parse(to) else { throw ValidationError("--to: expected ISO-8601 or Unix seconds, got \"\(to)\"") }
        guard f < t else { throw ValidationError("--from must be before --to") }
        guard horizon >= 1 else { throw ValidationError("--horizon must be ≥ 1") }
        guard every >= 1 else { throw ValidationError("--every must be ≥ 1") }
        if exportForecasts == nil, every != 12 { throw ValidationError("--every needs --export-forecasts") }
        for spec in failPop where Self.failure(spec) == nil {
            throw ValidationError("--fail-pop \(spec): expected NAME@TIME, e.g. ams1@2013-08-18T12:00:00Z")
        }
        if let ceiling { guard ceiling.isFinite, ceiling > 0 else { throw ValidationError("--ceiling \(ceiling): expected a multiple of the limit > 0") } }
        guard checkpointSeconds > 0 else { throw ValidationError("--checkpoint-seconds must be > 0") }
        guard oomRestartSeconds >= 0, oomRestartSeconds.isFinite else { throw ValidationError("--oom-restart-seconds must be ≥ 0") }
        if let cpuKnob {
            guard policy.hasCPUKnob else { throw ValidationError("--cpu-knob: policy \(policy.rawValue) has no CPU knob of its own (predictive has)") }
            guard policy.accepts(knob: cpuKnob) else { throw ValidationError("--cpu-knob \(cpuKnob) is out of range (a margin > -1)") }
        }
        if let knob {
            guard policy.knob != nil else { throw ValidationError("--knob: policy \(policy.rawValue) has no knob") }
            guard policy.accepts(knob: knob) else { throw ValidationError("--knob \(knob) is out of range for \(policy.rawValue) (\(policy.knob!.name))") }
        }
    }

    func run() throws {
        let store = try HeadroomStore(location: databasePath)
        let registry = ModelRegistry(store: store, directory: modelsDirectory)
        guard let chosen = try version ?? registry.promotedVersion() else {
            throw ValidationError("no promoted model version: train and promote one with headroom-trainer, or pass --version")
        }
        let models = try TrainedModels.load(registry: registry, version: chosen)
        let fleet = try Fleet.load(path: popsPath)
        let decision = try decisionOptions.config()
        var options = ReplayOptions(policy: policy, from: TimestampParser.parse(from)!, to: TimestampParser.parse(to)!)
        options.horizonSteps = horizon
        options.planningQuantile = decisionOptions.planQuantile
        options.decision = decision
        options.knob = knob
        options.cpuKnob = cpuKnob
        if censoredObservations { options.censoredObservations = true }
        if traceDemand { options.censoredObservations = false }
        options.limitCeiling = ceiling
        options.failures = failPop.compactMap(Self.failure)
        for failure in options.failures where fleet.pop(named: failure.pop) == nil {
            throw ValidationError("--fail-pop: no POP named \(failure.pop) in \(popsPath)")
        }
        options.checkpointIntervalSeconds = checkpointSeconds
        options.oomRestartSeconds = oomRestartSeconds
        options.workloads = workloads.map { $0.split(separator: ",").map(String.init) }
        options.forecastEverySteps = every
        if exportScores != nil || exportForecasts != nil || exportDecisions != nil || exportAllocations != nil {
            options.recorder = try ReplayCSVRecorder(scores: exportScores, forecasts: exportForecasts, decisions: exportDecisions,
                                                     allocations: exportAllocations)
        }
        if !json {
            var last = Date.distantPast
            options.progress = { done, total in
                guard Date().timeIntervalSince(last) >= 1 || done == total else { return }
                last = Date()
                FileHandle.standardError.write(Data("\rreplay \(policy.rawValue): \(done)/\(total) samples".utf8))
                if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
            }
        }
        let summary = try ReplaySimulation(store: store, models: models, fleet: fleet).run(options)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(summary), as: UTF8.self))
    }

    static func failure(_ spec: String) -> ReplayFailure? {
        guard let at = spec.lastIndex(of: "@"), let time = TimestampParser.parse(String(spec[spec.index(after: at)...])) else { return nil }
        let name = String(spec[..<at])
        return name.isEmpty ? nil : ReplayFailure(pop: name, at: time)
    }
}
