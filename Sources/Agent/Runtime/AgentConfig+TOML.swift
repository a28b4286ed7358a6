import FleetFile
import Foundation
import TOMLKit

/// The agent's name for the fleet file's errors (one type for every reader of the file).
public typealias AgentConfigError = FleetFileError

/// The agent's part of the fleet file (`config/agent.example.toml` documents every key):
///
/// ```toml
/// [agent]
/// scorer_url = "http://127.0.0.1:8080"     # the only peer the agent talks to
/// token_file = "/etc/headroom/token"        # the shared bearer token
/// pops = ["local-a", "local-b"]             # POPs this agent runs (declared in [[pops]])
/// sample_interval_seconds = 1               # optional, default 1
/// state_directory = "/var/lib/headroom"     # journal, logs, checkpoints, status
/// network_namespaces = false                # optional: one netns per POP
/// cgroup_root = "/sys/fs/cgroup"            # optional
/// cgroup_prefix = "headroom"                # optional
/// launcher = "/usr/local/bin/headroom-launch"  # optional, default next to headroom-agent
/// trace_socket_group = "headroom-trace"     # optional: group allowed to connect to the trace socket (mode 0660)
///
/// [[workloads]]
/// name = "aggregate"
/// pop = "local-a"
/// argv = ["/usr/local/bin/headroom-example-aggregate", "/data/bitbrains"]
/// output_argument = "--output"              # optional, with output
/// output = "/var/lib/headroom/out/aggregate.txt"
/// [workloads.env]                           # optional
/// [workloads.limits]                        # optional; missing = unlimited
/// cpu_cores = 1
/// memory_bytes = 268435456
/// [workloads.checkpoint]                    # optional
/// dir_argument = "--checkpoint-dir"
/// resume_argument = "--resume"
/// signal = "SIGUSR1"                        # optional, default SIGUSR1
/// timeout_seconds = 30
/// [workloads.range]                         # optional: partitionable
/// argument = "--range"
/// start = 0
/// end = 8
///
/// [[workloads]]                             # a virtual machine: a QEMU process
/// name = "guest"
/// pop = "local-a"
/// kind = "vm"                               # "process" (default) or "vm"; a VM has no argv
/// output = "/var/lib/headroom/out/guest.serial"  # optional: its ttyS0, default logs/<name>.serial
/// [workloads.vm]
/// kernel = "/var/lib/headroom/guest/vmlinux"     # or disk = "…" (+ disk_format = "raw"|"qcow2")
/// initrd = "/var/lib/headroom/guest/initrd.cpio.gz"  # optional
/// vcpus = 1                                 # optional, default 1
/// memory_mib = 256
/// append = "hr.beats=600"                   # optional: the guest program's parameters
/// accelerator = "auto"                      # optional: "auto" (default), "kvm", "tcg"
/// qemu = "qemu-system-x86_64"               # optional
/// ```
///
/// `[[pops]]` and `[[links]]` are read by the shared strict reader (`FleetDeclarations`);
/// the agent uses each POP's name and `[pops.capacity]` `cpu_cores` / `memory_bytes`, and
/// each link's ends and bandwidth (the scorer validates prices, strategies and latencies).
/// `[pre_copy]` is the scorer's and skipped. Unknown keys anywhere, and any other top-level
/// key, are errors naming the file and key path.
extension AgentConfig {
    static let agentKeys = ["scorer_url", "token_file", "pops", "sample_interval_seconds", "state_directory",
                            "network_namespaces", "cgroup_root", "cgroup_prefix", "launcher", "trace_socket_group"]
    static let workloadKeys = ["name", "pop", "kind", "argv", "env", "limits", "output_argument", "output", "checkpoint", "range", "vm"]
    static let vmKeys = ["qemu", "kernel", "initrd", "disk", "disk_format", "vcpus", "memory_mib", "append", "accelerator"]
    static let checkpointKeys = ["dir_argument", "resume_argument", "signal", "timeout_seconds"]
    static let rangeKeys = ["argument", "start", "end"]
    static let limitKeys = ["cpu_cores", "memory_bytes"]
    /// Signals a workload may ask to be checkpointed with.
    static let signals: [String: Int32] = ["SIGUSR1": SIGUSR1, "SIGUSR2": SIGUSR2, "SIGTERM": SIGTERM, "SIGINT": SIGINT, "SIGHUP": SIGHUP]

    /// Reads the fleet file at `path`.
    public static func load(path: String) throws(AgentConfigError) -> AgentConfig {
        try AgentConfig(document: try TOMLFields.load(path: path))
    }

    /// Parses a fleet file's text; `source` names it in errors.
    public init(toml text: String, source: String) throws(AgentConfigError) {
        try self.init(document: try TOMLFields.parse(text, source: source))
    }

    init(document: TOMLFields) throws(AgentConfigError) {
        let source = document.source
        guard let agentTable = try document.table("agent") else {
            throw .missingKey(file: source, keyPath: "agent", expected: "an [agent] table (scorer_url, token_file, pops, state_directory)")
        }
        let agent = document.child(agentTable, "agent")
        try agent.rejectUnknownKeys(allowed: Self.agentKeys)
        let shared = try FleetDeclarations(document, otherKeys: FleetDeclarations.agentKeys + FleetDeclarations.scorerKeys)

        // The POPs' capacities (the part of them the agent needs).
        var capacities: [String: ResourceLimits] = [:]
        for (i, pop) in shared.pops.enumerated() {
            capacities[pop.name] = try Self.limits(cpuCores: pop.capacity.cpuCores.isNaN ? nil : pop.capacity.cpuCores,
                                                   memoryBytes: pop.capacity.memoryBytes.isNaN ? nil : pop.capacity.memoryBytes,
                                                   file: source, path: "pops[\(i)].capacity")
        }

        // The scorers: `[[scorers]]` (a sharded fleet, read by FleetDeclarations) or `scorer_url`.
        let scorerURLs: [String]
        if let shards = shared.scorers {
            if try agent.string("scorer_url") != nil {
                throw agent.invalid("scorer_url", "is given beside [[scorers]]; give one: [[scorers]] for scorers split by shard, scorer_url for one scorer")
            }
            scorerURLs = shards.urls
        } else {
            let scorerURL = try agent.requiredString("scorer_url", expected: "the scorer's base URL, http://host:port (or [[scorers]], one per shard)")
            guard ScorerShards.isBaseURL(scorerURL) else {
                throw agent.invalid("scorer_url", "is \"\(scorerURL)\"; expected an http:// or https:// URL such as http://127.0.0.1:8080")
            }
            scorerURLs = [scorerURL]
        }
        let networkNamespaces = try agent.bool("network_namespaces") ?? false
        guard let popNames = try agent.strings("pops", expected: "an array of POP names") else {
            throw .missingKey(file: source, keyPath: "agent.pops", expected: "an array of the POP names this agent runs")
        }
        guard !popNames.isEmpty else { throw agent.invalid("pops", "is empty; name at least one POP declared in [[pops]]") }
        var pops: [LocalPOPSpec] = []
        for (i, name) in popNames.enumerated() {
            guard let capacity = capacities[name] else {
                throw .invalidValue(file: source, keyPath: "agent.pops[\(i)]",
                                    message: "is \"\(name)\", which no [[pops]] table declares (declared: \(capacities.keys.sorted().joined(separator: ", ")))")
            }
            try Self.checkName(name, agent, "pops[\(i)]")
            guard !pops.contains(where: { $0.name == name }) else { throw agent.invalid("pops[\(i)]", "repeats \"\(name)\"") }
            pops.append(LocalPOPSpec(name: name, capacity: capacity, networkNamespace: networkNamespaces))
        }
        let interval = try agent.number("sample_interval_seconds") ?? 1
        guard interval.isFinite, interval > 0 else { throw agent.invalid("sample_interval_seconds", "is \(interval); expected seconds > 0") }
        let prefix = try agent.string("cgroup_prefix") ?? "headroom"
        try Self.checkName(prefix, agent, "cgroup_prefix")

        var workloads: [WorkloadSpec] = []
        for (i, table) in try document.arrayOfTables("workloads").enumerated() {
            let workload = try Self.workload(document.child(table, "workloads[\(i)]"), pops: popNames)
            guard !workloads.contains(where: { $0.name == workload.name }) else {
                throw .invalidValue(file: source, keyPath: "workloads[\(i)].name", message: "repeats \"\(workload.name)\"; names are unique")
            }
            workloads.append(workload)
        }
        var links: [LocalLinkSpec] = []
        for (i, link) in shared.links.enumerated() {
            let bandwidth = link.bandwidthBytesPerSecond
            guard bandwidth.isFinite, bandwidth > 0 else {
                throw .invalidValue(file: source, keyPath: "links[\(i)].bandwidth_bytes_per_second", message: "is \(bandwidth); expected bytes per second > 0")
            }
            links.append(LocalLinkSpec(from: link.from, to: link.to, bandwidthBytesPerSecond: bandwidth))
        }
        self.init(scorerURLs: scorerURLs, tokenFile: try agent.requiredString("token_file", expected: "the path of the bearer token file"),
                  pops: pops, sampleIntervalSeconds: interval,
                  stateDirectory: try agent.requiredString("state_directory", expected: "a directory for the journal, logs and checkpoints"),
                  cgroupRoot: try agent.string("cgroup_root") ?? "/sys/fs/cgroup", cgroupPrefix: prefix,
                  launcherPath: try agent.string("launcher"), workloads: workloads,
                  traceSocketGroup: try agent.string("trace_socket_group"), links: links)
    }

    /// Names become cgroup directory names: letters, digits, `.`, `_`, `-`, not starting with `.`.
    static func checkName(_ name: String, _ fields: TOMLFields, _ key: String) throws(AgentConfigError) {
        let allowed = name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._-".unicodeScalars.contains($0) }
        guard !name.isEmpty, allowed, !name.hasPrefix("."), name.count <= 64 else {
            throw fields.invalid(key, "is \"\(name)\"; expected 1–64 characters of letters, digits, '.', '_', '-' (it names a cgroup), not starting with '.'")
        }
    }

    /// A workload's `[workloads.env]` (variable names without `=`) and `[workloads.limits]`,
    /// the same for processes and VMs.
    static func environmentAndLimits(_ fields: TOMLFields) throws(AgentConfigError) -> ([String: String], ResourceLimits) {
        var environment: [String: String] = [:]
        if let envTable = try fields.table("env") {
            let env = fields.child(envTable, "env")
            for key in envTable.keys.sorted() {
                guard !key.isEmpty, !key.contains("=") else { throw env.invalid(key, "is not a variable name") }
                environment[key] = try env.requiredString(key)
            }
        }
        var limits = ResourceLimits.unlimited
        if let limitsTable = try fields.table("limits") {
            let l = fields.child(limitsTable, "limits")
            try l.rejectUnknownKeys(allowed: limitKeys)
            limits = try Self.limits(l)
        }
        return (environment, limits)
    }

    static func limits(_ fields: TOMLFields) throws(AgentConfigError) -> ResourceLimits {
        try limits(cpuCores: try fields.number("cpu_cores", expected: "a number of cores"),
                   memoryBytes: try fields.number("memory_bytes", expected: "a number of bytes"), file: fields.source, path: fields.path)
    }

    /// Limits a cgroup can enforce: cores > 0, at least one page of memory; `path` is the
    /// key path of the table they were read from in `file`.
    static func limits(cpuCores: Double?, memoryBytes: Double?, file: String, path: String) throws(AgentConfigError) -> ResourceLimits {
        var limits = ResourceLimits.unlimited
        if let cores = cpuCores {
            guard cores.isFinite, cores > 0 else {
                throw .invalidValue(file: file, keyPath: path + ".cpu_cores", message: "is \(cores); expected cores > 0")
            }
            limits.cpuCores = cores
        }
        if let bytes = memoryBytes {
            guard bytes.isFinite, bytes >= 4096, bytes < 9.2e18 else {
                throw .invalidValue(file: file, keyPath: path + ".memory_bytes", message: "is \(bytes); expected at least 4096 bytes")
            }
            limits.memoryBytes = Int64(bytes)
        }
        return limits
    }

    static func workload(_ fields: TOMLFields, pops: [String]) throws(AgentConfigError) -> WorkloadSpec {
        try fields.rejectUnknownKeys(allowed: workloadKeys)
        let name = try fields.requiredString("name")
        try checkName(name, fields, "name")
        let pop = try fields.requiredString("pop")
        guard pops.contains(pop) else { throw fields.invalid("pop", "is \"\(pop)\", which is not one of this agent's POPs (agent.pops: \(pops.joined(separator: ", ")))") }
        let kind = try fields.string("kind") ?? "process"
        switch kind {
        case "process":
            if try fields.table("vm") != nil { throw fields.invalid("vm", "is given for a workload of kind \"process\"; set kind = \"vm\"") }
        case "vm": return try vmWorkload(fields, name: name, pop: pop)
        default: throw fields.invalid("kind", "is \"\(kind)\"; expected \"process\" or \"vm\"")
        }
        let argv = try fields.strings("argv", expected: "an array of strings (program and arguments)") ?? []
        guard let program = argv.first, !program.isEmpty else {
            throw .missingKey(file: fields.source, keyPath: fields.keyPath("argv"), expected: "a non-empty array: the program and its arguments")
        }
        let (environment, limits) = try Self.environmentAndLimits(fields)
        let outputArgument = try fields.string("output_argument")
        let output = try fields.string("output")
        guard (outputArgument == nil) == (output == nil) else {
            throw fields.invalid(outputArgument == nil ? "output" : "output_argument", "needs its partner: give both output_argument and output, or neither")
        }
        var checkpoint: CheckpointSpec?
        if let table = try fields.table("checkpoint") {
            let c = fields.child(table, "checkpoint")
            try c.rejectUnknownKeys(allowed: checkpointKeys)
            let signalName = try c.string("signal") ?? "SIGUSR1"
            guard let signal = signals[signalName] else {
                throw c.invalid("signal", "is \"\(signalName)\"; expected one of \(signals.keys.sorted().joined(separator: ", "))")
            }
            let timeout = try c.requiredNumber("timeout_seconds", expected: "seconds to wait for the checkpoint")
            guard timeout.isFinite, timeout > 0 else { throw c.invalid("timeout_seconds", "is \(timeout); expected seconds > 0") }
            checkpoint = CheckpointSpec(directoryArgument: try c.requiredString("dir_argument"), resumeArgument: try c.requiredString("resume_argument"),
                                        signal: signal, timeoutSeconds: timeout)
        }
        var range: WorkRangeSpec?
        if let table = try fields.table("range") {
            let r = fields.child(table, "range")
            try r.rejectUnknownKeys(allowed: rangeKeys)
            let start = try r.requiredInteger("start"), end = try r.requiredInteger("end")
            guard start >= 0, end > start else { throw r.invalid("end", "is \(end) with start \(start); expected 0 ≤ start < end") }
            guard output != nil else { throw fields.invalid("range", "needs output_argument and output: the parts' outputs are gathered into it") }
            range = WorkRangeSpec(argument: try r.requiredString("argument"), start: start, end: end)
        }
        return WorkloadSpec(name: name, pop: pop, argv: argv, environment: environment, limits: limits, outputArgument: outputArgument,
                            output: output, checkpoint: checkpoint, range: range)
    }

    /// A `kind = "vm"` workload: `[workloads.vm]` instead of `argv`; no output argument,
    /// checkpoint or range (QEMU is moved by live migration, and a VM is not partitioned).
    static func vmWorkload(_ fields: TOMLFields, name: String, pop: String) throws(AgentConfigError) -> WorkloadSpec {
        for key in ["argv", "output_argument", "checkpoint", "range"] where fields.table[key] != nil {
            throw fields.invalid(key, "is not allowed for kind = \"vm\" (the agent builds QEMU's command line from [workloads.vm]; a VM moves by live migration and is not partitioned)")
        }
        guard let vmTable = try fields.table("vm") else {
            throw .missingKey(file: fields.source, keyPath: fields.keyPath("vm"), expected: "a [workloads.vm] table (kernel or disk, memory_mib)")
        }
        let v = fields.child(vmTable, "vm")
        try v.rejectUnknownKeys(allowed: vmKeys)
        let kernel = try v.string("kernel"), disk = try v.string("disk")
        guard kernel != nil || disk != nil else {
            throw .missingKey(file: fields.source, keyPath: v.keyPath("kernel"), expected: "a kernel image path (or disk = a disk image path)")
        }
        let initrd = try v.string("initrd")
        if initrd != nil, kernel == nil { throw v.invalid("initrd", "needs kernel: an initrd is loaded with a kernel") }
        let format = try v.string("disk_format") ?? "raw"
        guard ["raw", "qcow2"].contains(format) else { throw v.invalid("disk_format", "is \"\(format)\"; expected \"raw\" or \"qcow2\"") }
        let vcpus = try v.integer("vcpus", expected: "a number of virtual CPUs") ?? 1
        guard (1...64).contains(vcpus) else { throw v.invalid("vcpus", "is \(vcpus); expected 1 to 64") }
        let memory = try v.requiredInteger("memory_mib", expected: "the guest's memory in MiB")
        guard (16...1 << 20).contains(memory) else { throw v.invalid("memory_mib", "is \(memory); expected 16 MiB to 1 TiB") }
        let acceleratorName = try v.string("accelerator") ?? "auto"
        guard let accelerator = VMSpec.Accelerator(rawValue: acceleratorName) else {
            throw v.invalid("accelerator", "is \"\(acceleratorName)\"; expected \"auto\", \"kvm\" or \"tcg\"")
        }
        let append = try v.string("append") ?? ""
        guard !append.contains("\n") else { throw v.invalid("append", "contains a newline; the kernel command line is one line") }
        let (environment, limits) = try Self.environmentAndLimits(fields)
        let spec = VMSpec(qemu: try v.string("qemu") ?? "qemu-system-x86_64", kernel: kernel, initrd: initrd, disk: disk, diskFormat: format,
                          vcpus: vcpus, memoryMiB: memory, append: append, accelerator: accelerator)
        return WorkloadSpec(name: name, pop: pop, argv: [], environment: environment, limits: limits, output: try fields.string("output"), vm: spec)
    }
}
