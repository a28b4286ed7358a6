import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs one CRIU operation for a POP: through `headroom-launch` (an argument vector), inside
/// the POP's network namespace when it has one, inside `cgroup` when given (a restore: the
/// restored tree inherits it, see `CRIUArguments`), else in the agent's own cgroups (a dump
/// must not charge CRIU's memory to the workload it freezes). Its stdout and stderr are
/// appended to `<images root>/<operation>.log`. The fleet's `idle` runs while it waits, so
/// sampling goes on during a long dump.
struct CRIURunner {
    var fleet: LocalFleet
    /// How long one operation may take before it is killed (a frozen tree is then thawed:
    /// ptrace detaches when its tracer dies).
    var timeoutSeconds: Double

    enum Outcome: Equatable {
        case succeeded
        /// Why, for the journal: the exit and CRIU's error lines.
        case failed(String)
    }

    func run(_ argv: [String], operation: String, pop: String, cgroup: String?, images: CRIUImages) -> Outcome {
        let logPath = "\(images.root)/\(operation).log"
        try? FileManager.default.createDirectory(atPath: images.root, withIntermediateDirectories: true)
        let netns = fleet.config.pop(named: pop).flatMap { $0.networkNamespace ? NetworkNamespace(name: $0.networkNamespaceName).path : nil }
        let request = LaunchRequest(argv: argv, environment: fleet.baseEnvironment, cgroup: cgroup ?? "", networkNamespacePath: netns,
                                    logPath: logPath, joinsCgroup: cgroup != nil)
        let process: LaunchedProcess
        do { process = try fleet.runtime.launch(request) } catch { return .failed("cannot start \(argv[0]): \(error)") }
        guard let exit = fleet.wait(for: process, timeoutSeconds: timeoutSeconds) else {
            process.signal(SIGKILL)
            _ = process.wait()
            return .failed("criu \(operation) did not finish within \(Int(timeoutSeconds)) s and was killed (log: \(logPath))")
        }
        if exit == .exited(0) { return .succeeded }
        let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        let summary = CRIULog.errorSummary(output)
        return .failed("criu \(operation) \(exit)\(summary.isEmpty ? "" : ": \(summary)") (log: \(logPath))")
    }

    /// Restores the dump in `directory` at `pop` inside `cgroup`: the restored root, a child
    /// of the agent (`--restore-sibling`), or why not.
    func restore(_ directory: String, arguments: CRIUArguments, pop: String, cgroup: String, images: CRIUImages,
                 operation: String) -> Result<LaunchedProcess, CRIURestoreError> {
        let pidFile = "\(images.root)/\(operation).pid"
        try? FileManager.default.removeItem(atPath: pidFile)
        if case let .failed(reason) = run(arguments.restore(imagesDirectory: directory, pidFile: pidFile), operation: operation, pop: pop,
                                          cgroup: cgroup, images: images) {
            return .failure(CRIURestoreError(message: reason))
        }
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else {
            return .failure(CRIURestoreError(message: "criu \(operation) exited 0 but wrote no pid to \(pidFile)"))
        }
        let process = LaunchedProcess(pid: pid)
        guard process.isRunning else {
            return .failure(CRIURestoreError(message: "the process criu \(operation) restored (pid \(pid)) \(process.poll().map { "\($0)" } ?? "is gone")"))
        }
        return .success(process)
    }
}

struct CRIURestoreError: Error {
    var message: String
}
