@testable import Agent
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A stated test double of `POPRuntime`, the protocol the fleet and its executors act
/// through: cgroups are entries in memory (created, resized, destroyed — each call
/// recorded, any of them made to fail on demand), and `launch` starts the request's argument
/// vector as an ordinary child process, without `headroom-launch`, a cgroup or a namespace.
/// The processes, their signals, exits, checkpoints and outputs are therefore real; only
/// what needs root is not. That is what lets the executors' decisions (journaling, retries,
/// fallbacks, what is left where after a failure) be tested without root. The real runtimes
/// stay proven by the live suites (`ExecutorLiveTests`, `CRIUMoveLiveTests`,
/// `CgroupV1RuntimeLiveTests`, `VMRuntimeLiveTests`, `LiveScenarioTests`, `LiveScenarioVMTests`).
final class RecordingRuntime: POPRuntime, @unchecked Sendable {
    enum Call: Equatable, CustomStringConvertible {
        case create(String, ResourceLimits)
        case resize(String, ResourceLimits)
        case destroy(String)
        /// The cgroup ("" when the request does not join one) and the argument vector.
        case launch(String, [String])

        var description: String {
            switch self {
            case let .create(cgroup, limits): "create \(cgroup) \(limits)"
            case let .resize(cgroup, limits): "resize \(cgroup) \(limits)"
            case let .destroy(cgroup): "destroy \(cgroup)"
            case let .launch(cgroup, argv): "launch \(cgroup) \(argv)"
            }
        }
    }

    let prefix: String
    private let lock = NSLock()
    private var recorded: [Call] = []
    private var cgroups: [String: ResourceLimits] = [:]
    private var members: [String: [LaunchedProcess]] = [:]
    private var failures: (create: (String) -> RuntimeError?, resize: (String, ResourceLimits) -> RuntimeError?, launch: (LaunchRequest) -> RuntimeError?) =
        ({ _ in nil }, { _, _ in nil }, { _ in nil })
    private var oomKillCounts: [String: UInt64] = [:]

    init(prefix: String = "headroom-test") { self.prefix = prefix }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// Every call so far, in order.
    var calls: [Call] { locked { recorded } }

    /// The calls made after the first `since` ones.
    func calls(since count: Int) -> [Call] { Array(calls.dropFirst(count)) }

    /// Whether `cgroup` exists (created and not destroyed since).
    func exists(_ cgroup: String) -> Bool { locked { cgroups[cgroup] != nil } }

    /// Makes `create` fail for the cgroups `rule` names.
    func failCreate(_ rule: @escaping (String) -> RuntimeError?) { locked { failures.create = rule } }
    /// Makes `resize` fail as the kernel refuses a limit (`EBUSY`, `EINVAL`).
    func failResize(_ rule: @escaping (String, ResourceLimits) -> RuntimeError?) { locked { failures.resize = rule } }
    /// Makes `launch` fail for the requests `rule` names.
    func failLaunch(_ rule: @escaping (LaunchRequest) -> RuntimeError?) { locked { failures.launch = rule } }
    /// The OOM killer's count for `cgroup`.
    func setOOMKills(_ count: UInt64, cgroup: String) { locked { oomKillCounts[cgroup] = count } }

    // MARK: POPRuntime

    /// Over a directory that does not exist: every sample fails, as for a cgroup that is gone.
    var reader: CgroupReader { CgroupReader(hierarchy: .v2(root: "/nonexistent/recording-runtime")) }

    func create(cgroup: String, limits: ResourceLimits) throws(RuntimeError) {
        let failure: RuntimeError? = locked {
            recorded.append(.create(cgroup, limits))
            if let failure = failures.create(cgroup) { return failure }
            cgroups[cgroup] = limits
            return nil
        }
        if let failure { throw failure }
    }

    func launch(_ request: LaunchRequest) throws(RuntimeError) -> LaunchedProcess {
        let cgroup = request.joinsCgroup ? request.cgroup : ""
        let failure: RuntimeError? = locked {
            recorded.append(.launch(cgroup, request.argv))
            if let failure = failures.launch(request) { return failure }
            if !cgroup.isEmpty, cgroups[cgroup] == nil {
                return .cgroupFile(operation: "join", path: "\(cgroup)/cgroup.procs", errno: ENOENT)
            }
            return nil
        }
        if let failure { throw failure }
        var attempt = 0
        let process: LaunchedProcess
        while true {
            do {
                process = try ProcessSpawner.spawn(request.argv, environment: request.environment, logPath: request.logPath)
                break
            } catch let error {
                // A script a test has just written can be briefly held open by a child
                // another test thread is forking (ETXTBSY); the real runtimes start programs
                // installed long before.
                guard case let .spawn(_, errno) = error, errno == ETXTBSY, attempt < 50 else { throw error }
                attempt += 1
                usleep(10_000)
            }
        }
        if !cgroup.isEmpty { locked { members[cgroup, default: []].append(process) } }
        return process
    }

    func resize(cgroup: String, limits: ResourceLimits) throws(RuntimeError) {
        let failure: RuntimeError? = locked {
            recorded.append(.resize(cgroup, limits))
            if let failure = failures.resize(cgroup, limits) { return failure }
            guard cgroups[cgroup] != nil else { return .cgroupFile(operation: "write", path: "\(cgroup)/memory.limit_in_bytes", errno: ENOENT) }
            cgroups[cgroup] = limits
            return nil
        }
        if let failure { throw failure }
    }

    func limits(cgroup: String) -> ResourceLimits { locked { cgroups[cgroup] ?? ResourceLimits() } }

    func processes(cgroup: String) -> [Int32] {
        locked { members[cgroup, default: []] }.filter(\.isRunning).map(\.pid)
    }

    func oomKills(cgroup: String) -> UInt64 { locked { oomKillCounts[cgroup] ?? 0 } }

    /// Writes an executable script (a stand-in for criu or QEMU) through a close-on-exec
    /// descriptor, so no child forked meanwhile keeps it open for writing.
    static func writeScript(_ text: String, to path: String) throws {
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw RuntimeError.cgroupFile(operation: "create", path: path, errno: errno) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw RuntimeError.cgroupFile(operation: "write", path: path, errno: errno)
        }
    }

    /// Kills what was launched into `cgroup` and its descendants (their process groups, as the
    /// real runtimes' SIGKILL of every pid does) and forgets them.
    func destroy(cgroup: String) throws(RuntimeError) {
        let doomed: [LaunchedProcess] = locked {
            recorded.append(.destroy(cgroup))
            let matching = Set(cgroups.keys).union(members.keys).filter { $0 == cgroup || $0.hasPrefix(cgroup + "/") }
            var processes: [LaunchedProcess] = []
            for name in matching {
                processes += members[name] ?? []
                cgroups[name] = nil
                members[name] = nil
            }
            return processes
        }
        for process in doomed where process.isRunning {
            kill(-process.pid, SIGKILL)
            process.signal(SIGKILL)
        }
    }
}
