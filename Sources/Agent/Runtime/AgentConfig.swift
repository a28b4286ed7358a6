/// What `headroom-agent run --config FILE` reads from the fleet file (the `[agent]` table,
/// the `[[workloads]]` array and the few `[[pops]]` keys it needs; see
/// `AgentConfig+TOML.swift` and `config/agent.example.toml`).
public struct AgentConfig: Sendable, Equatable {
    /// The scorers' base URLs (`http://host:port`) by shard: the fleet file's `[[scorers]]`,
    /// else `[agent] scorer_url` alone; the agent talks to nothing else (`ScorerRouter`).
    public var scorerURLs: [String]
    /// The first shard's scorer (the only one of an unsharded fleet).
    public var scorerURL: String { scorerURLs.first ?? "" }
    /// A file holding the shared bearer token (surrounding whitespace trimmed).
    public var tokenFile: String
    /// The POPs this agent runs, each declared in `[[pops]]`.
    public var pops: [LocalPOPSpec]
    /// Seconds between samples (and between command polls), > 0.
    public var sampleIntervalSeconds: Double
    /// Where the journal, logs, checkpoints and status live; created if missing.
    public var stateDirectory: String
    /// The cgroup mount root (`/sys/fs/cgroup`).
    public var cgroupRoot: String
    /// The cgroup everything is created under, relative to each controller's mount
    /// (`headroom`: POP `a` is `headroom/a`, its workload `w` is `headroom/a/w`).
    public var cgroupPrefix: String
    /// The pre-exec helper (`headroom-launch`); nil = next to the agent's own executable.
    public var launcherPath: String?
    /// The declared workloads, in file order.
    public var workloads: [WorkloadSpec]
    /// The group (name or numeric id) of the trace socket file, whose members may connect
    /// (mode 0660); nil: the agent's own group.
    public var traceSocketGroup: String?
    /// The fleet's `[[links]]` between this agent's POPs (bandwidth only): a VM's live
    /// migration is throttled to its link's bandwidth.
    public var links: [LocalLinkSpec]

    public init(scorerURL: String, tokenFile: String, pops: [LocalPOPSpec], sampleIntervalSeconds: Double = 1,
                stateDirectory: String, cgroupRoot: String = "/sys/fs/cgroup", cgroupPrefix: String = "headroom",
                launcherPath: String? = nil, workloads: [WorkloadSpec], traceSocketGroup: String? = nil, links: [LocalLinkSpec] = []) {
        self.init(scorerURLs: [scorerURL], tokenFile: tokenFile, pops: pops, sampleIntervalSeconds: sampleIntervalSeconds,
                  stateDirectory: stateDirectory, cgroupRoot: cgroupRoot, cgroupPrefix: cgroupPrefix, launcherPath: launcherPath,
                  workloads: workloads, traceSocketGroup: traceSocketGroup, links: links)
    }

    public init(scorerURLs: [String], tokenFile: String, pops: [LocalPOPSpec], sampleIntervalSeconds: Double = 1,
                stateDirectory: String, cgroupRoot: String = "/sys/fs/cgroup", cgroupPrefix: String = "headroom",
                launcherPath: String? = nil, workloads: [WorkloadSpec], traceSocketGroup: String? = nil, links: [LocalLinkSpec] = []) {
        self.traceSocketGroup = traceSocketGroup
        self.links = links
        self.scorerURLs = scorerURLs
        self.tokenFile = tokenFile
        self.pops = pops
        self.sampleIntervalSeconds = sampleIntervalSeconds
        self.stateDirectory = stateDirectory
        self.cgroupRoot = cgroupRoot
        self.cgroupPrefix = cgroupPrefix
        self.launcherPath = launcherPath
        self.workloads = workloads
    }

    public func pop(named name: String) -> LocalPOPSpec? { pops.first { $0.name == name } }
    public func workload(named name: String) -> WorkloadSpec? { workloads.first { $0.name == name } }

    /// The bandwidth from `source` to `target`: the link declared in that direction, else the
    /// reverse one (links are symmetric unless both directions are declared); nil: no link.
    public func bandwidthBytesPerSecond(from source: String, to target: String) -> Double? {
        (links.first { $0.from == source && $0.to == target } ?? links.first { $0.from == target && $0.to == source })?.bandwidthBytesPerSecond
    }
}

/// One `[[links]]` entry as the agent needs it.
public struct LocalLinkSpec: Sendable, Equatable {
    public var from: String
    public var to: String
    public var bandwidthBytesPerSecond: Double

    public init(from: String, to: String, bandwidthBytesPerSecond: Double) {
        self.from = from
        self.to = to
        self.bandwidthBytesPerSecond = bandwidthBytesPerSecond
    }
}

/// One local POP: a parent cgroup with the POP's capacity as its limits, and optionally its
/// own network namespace.
public struct LocalPOPSpec: Sendable, Equatable {
    public var name: String
    /// The POP's `[pops.capacity]` CPU and memory (nil = unconstrained).
    public var capacity: ResourceLimits
    /// Whether the POP gets a network namespace (`ip netns add headroom-<pop>`).
    public var networkNamespace: Bool

    public init(name: String, capacity: ResourceLimits, networkNamespace: Bool = false) {
        self.name = name
        self.capacity = capacity
        self.networkNamespace = networkNamespace
    }

    /// The namespace's name under `/run/netns`.
    public var networkNamespaceName: String { "headroom-\(name)" }
}

/// A declared workload (`[[workloads]]`).
public struct WorkloadSpec: Sendable, Equatable {
    public var name: String
    /// The POP it starts on.
    public var pop: String
    /// The program and its arguments, run as an argument vector (never through a shell).
    /// A program without `/` is looked up in `PATH`. Empty for a VM (the agent builds QEMU's).
    public var argv: [String]
    /// Set when the workload is a virtual machine (`kind = "vm"`): it runs as a QEMU process.
    public var vm: VMSpec?
    /// Variables added to the agent's environment.
    public var environment: [String: String]
    /// Its cgroup limits at the start.
    public var limits: ResourceLimits
    /// The output file and the argument that names it (`--output`), if it has one: the
    /// agent passes `output_argument output` (a part's own file when partitioned) and
    /// gathers partitioned outputs into `output`.
    public var outputArgument: String?
    public var output: String?
    /// How it checkpoints (docs/checkpoint-protocol.md); nil = cannot be moved with its state.
    public var checkpoint: CheckpointSpec?
    /// Its work range, if it can be partitioned.
    public var range: WorkRangeSpec?

    public init(name: String, pop: String, argv: [String], environment: [String: String] = [:], limits: ResourceLimits,
                outputArgument: String? = nil, output: String? = nil, checkpoint: CheckpointSpec? = nil, range: WorkRangeSpec? = nil,
                vm: VMSpec? = nil) {
        self.vm = vm
        self.name = name
        self.pop = pop
        self.argv = argv
        self.environment = environment
        self.limits = limits
        self.outputArgument = outputArgument
        self.output = output
        self.checkpoint = checkpoint
        self.range = range
    }
}

/// The cooperative checkpoint protocol's parameters for one workload.
public struct CheckpointSpec: Sendable, Equatable {
    /// The argument that names the checkpoint directory (`--checkpoint-dir`).
    public var directoryArgument: String
    /// The argument that makes it resume from that directory (`--resume`).
    public var resumeArgument: String
    /// The signal asking for a checkpoint (default SIGUSR1).
    public var signal: Int32
    /// Seconds to wait for the exit status 85 and the checkpoint, > 0.
    public var timeoutSeconds: Double

    public init(directoryArgument: String, resumeArgument: String, signal: Int32, timeoutSeconds: Double) {
        self.directoryArgument = directoryArgument
        self.resumeArgument = resumeArgument
        self.signal = signal
        self.timeoutSeconds = timeoutSeconds
    }
}

/// A partitionable workload's range: `argument START:END` selects the work items
/// `start..<end`.
public struct WorkRangeSpec: Sendable, Equatable {
    public var argument: String
    public var start: Int
    public var end: Int

    public init(argument: String, start: Int, end: Int) {
        self.argument = argument
        self.start = start
        self.end = end
    }
}
