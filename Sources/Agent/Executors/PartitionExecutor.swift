import Foundation
import Logging

/// Partition: a workload that declares a work range `start..<end` is split into one
/// contiguous sub-range per target POP (sizes differ by at most one; `split`), each started
/// in its own cgroup `<prefix>/<pop>/<workload>.part<k>` with `range_argument A:B` and its
/// own output file; when every part has exited 0 their outputs are concatenated in range
/// order into the workload's output (written to a temporary name and renamed).
///
/// A whole run still in progress is stopped first (its progress is not carried into the
/// parts: they start their ranges from the beginning). Every target must have room for the
/// allocation. A part that fails fails the command (its log names why); the other parts
/// are stopped.
public struct PartitionExecutor {
    public init() {}

    /// `range` split into `parts` contiguous pieces, the first `count % parts` one longer.
    public static func split(_ range: Range<Int>, parts: Int) -> [Range<Int>] {
        precondition(parts >= 1, "at least one part")
        let base = range.count / parts, extra = range.count % parts
        var out: [Range<Int>] = []
        var lower = range.lowerBound
        for k in 0..<parts {
            let upper = lower + base + (k < extra ? 1 : 0)
            out.append(lower..<upper)
            lower = upper
        }
        return out
    }

    public func execute(_ command: AgentCommand, workload: ManagedWorkload, fleet: LocalFleet) -> ExecutionResult {
        var steps: [String] = []
        let logger = fleet.executorLogger.command(command.id, workload: workload.name, pop: workload.pop)
        func step(_ name: String, _ detail: String? = nil) {
            steps.append(name)
            fleet.journal.record(command: command.id, workload: workload.name, step: name, detail: detail)
            logger.info("\(name)\(detail.map { " (\($0))" } ?? "")")
        }
        let spec = workload.spec
        guard let declared = spec.range, let output = spec.output, spec.outputArgument != nil else {
            return ExecutionResult(state: .failed, steps: [], message: "\(workload.name) declares no work range (and output); it cannot be partitioned")
        }
        guard !command.targets.isEmpty else { return ExecutionResult(state: .failed, steps: [], message: "partition of \(workload.name) names no targets") }
        let ranges = Self.split(declared.start..<declared.end, parts: command.targets.count)
        for target in command.targets {
            let limits = Self.limits(workload, target)
            let alreadyThere = command.targets.filter { $0.pop == target.pop }.count
            let needed = ResourceLimits(cpuCores: limits.cpuCores.map { $0 * Double(alreadyThere) },
                                        memoryBytes: limits.memoryBytes.map { $0 * Int64(alreadyThere) })
            guard fleet.hasRoom(at: target.pop, for: needed, excluding: workload.name) else {
                return ExecutionResult(state: .failed, steps: [], message: "POP \(target.pop) has no room for \(alreadyThere) part(s) of \(workload.name); it keeps running at \(workload.pop)")
            }
        }
        if let process = workload.process, process.isRunning {
            try? fleet.runtime.destroy(cgroup: workload.cgroup)
            _ = process.wait(timeoutSeconds: 5)
            step("stopped_whole_run", "pid \(process.pid) at \(workload.pop)")
        } else {
            try? fleet.runtime.destroy(cgroup: workload.cgroup)
        }
        let directory = fleet.partsDirectory(workload: workload.name)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var parts: [ManagedWorkload.Part] = []
        for (k, (target, range)) in zip(command.targets, ranges).enumerated() {
            let cgroup = fleet.runtime.workloadCgroup(pop: target.pop, workload: "\(workload.name).part\(k)")
            let partOutput = "\(directory)/part\(k)"
            do {
                try fleet.runtime.create(cgroup: cgroup, limits: Self.limits(workload, target))
                let netns = fleet.config.pop(named: target.pop).flatMap { $0.networkNamespace ? NetworkNamespace(name: $0.networkNamespaceName).path : nil }
                let process = try fleet.runtime.launch(LaunchRequest(
                    argv: fleet.argv(spec, checkpointDirectory: nil, resume: false, range: range, output: partOutput),
                    environment: fleet.environment(spec, checkpointDirectory: nil), cgroup: cgroup, networkNamespacePath: netns,
                    logPath: fleet.logPath(workload: "\(workload.name).part\(k)")))
                parts.append(.init(index: k, pop: target.pop, cgroup: cgroup, range: range, output: partOutput, process: process))
                step("started_part\(k)", "\(range.lowerBound):\(range.upperBound) at \(target.pop), pid \(process.pid)")
            } catch {
                for part in parts { try? fleet.runtime.destroy(cgroup: part.cgroup) }
                try? fleet.runtime.destroy(cgroup: cgroup)
                fleet.setFailed(workload, "partition failed: \(error)")
                return ExecutionResult(state: .failed, steps: steps, message: "starting part \(k) of \(workload.name) at \(target.pop) failed: \(error)")
            }
        }
        fleet.setPartitioned(workload, parts: parts)

        // Wait for every part, sampling meanwhile.
        for part in parts {
            let exit = fleet.wait(for: part.process, timeoutSeconds: .infinity) ?? part.process.wait()
            guard exit == .exited(0) else {
                for other in parts { try? fleet.runtime.destroy(cgroup: other.cgroup) }
                fleet.setFailed(workload, "part \(part.index) \(exit)")
                return ExecutionResult(state: .failed, steps: steps, message: "part \(part.index) of \(workload.name) at \(part.pop) \(exit) (log: \(fleet.logPath(workload: "\(workload.name).part\(part.index)")))")
            }
            step("finished_part\(part.index)")
        }
        var gathered = Data()
        for part in parts {
            guard let data = FileManager.default.contents(atPath: part.output) else {
                fleet.setFailed(workload, "part \(part.index) wrote no output")
                return ExecutionResult(state: .failed, steps: steps, message: "part \(part.index) of \(workload.name) wrote no output at \(part.output)")
            }
            gathered.append(data)
        }
        let temporary = "\(output).tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: gathered), rename(temporary, output) == 0 else {
            fleet.setFailed(workload, "cannot write \(output)")
            return ExecutionResult(state: .failed, steps: steps, message: "cannot write the gathered output \(output)")
        }
        for part in parts { try? fleet.runtime.destroy(cgroup: part.cgroup) }
        fleet.setFinished(workload)
        step("gathered", "\(gathered.count) bytes into \(output)")
        return ExecutionResult(state: .done, steps: steps, message: "\(workload.name) ran in \(parts.count) parts; outputs gathered into \(output)",
                               downtimeMs: 0)
    }

    static func limits(_ workload: ManagedWorkload, _ target: AgentCommand.Target) -> ResourceLimits {
        var limits = workload.limits
        if let cores = target.allocation.cpuCores { limits.cpuCores = cores }
        if let bytes = target.allocation.memoryBytes { limits.memoryBytes = bytes }
        return limits
    }
}
