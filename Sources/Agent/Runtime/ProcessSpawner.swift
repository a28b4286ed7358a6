import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starts programs with `posix_spawn` from an argument vector — never through a shell, so
/// no field of a command or a declaration is ever parsed as shell syntax.
///
/// Every child gets: its own process group (a Ctrl-C at the agent's terminal does not reach
/// it; the agent stops it), an empty signal mask and default dispositions (a workload must
/// see its checkpoint signal), stdin from /dev/null, stdout and stderr appended to
/// `logPath` (or /dev/null).
public enum ProcessSpawner {
    /// Spawns `argv` (argv[0] with a `/` is a path, else looked up in `PATH`) with exactly
    /// `environment`.
    public static func spawn(_ argv: [String], environment: [String: String], logPath: String? = nil) throws(RuntimeError) -> LaunchedProcess {
        precondition(!argv.isEmpty, "spawn needs a program")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let log = logPath ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        return try spawn(argv, environment: environment, actions: &actions)
    }

    static func spawn(_ argv: [String], environment: [String: String], actions: inout posix_spawn_file_actions_t) throws(RuntimeError) -> LaunchedProcess {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let cEnvironment: [UnsafeMutablePointer<CChar>?] = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArguments { free(p) }
            for p in cEnvironment { free(p) }
        }
        var pid: pid_t = 0
        let result = argv[0].contains("/")
            ? posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
            : posix_spawnp(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
        guard result == 0 else { throw .spawn(program: argv[0], errno: result) }
        return LaunchedProcess(pid: pid)
    }

    /// Runs `argv` to completion and returns its exit status and combined output; for the
    /// short system programs the runtime calls (`ip netns …`, `criu check`).
    public static func run(_ argv: [String], environment: [String: String] = ProcessInfo.processInfo.environment) throws(RuntimeError) -> (status: Int32, output: String) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw .spawn(program: argv[0], errno: errno) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let child: LaunchedProcess
        do { child = try spawn(argv, environment: environment, actions: &actions) } catch {
            close(fds[0]); close(fds[1])
            throw error
        }
        close(fds[1])
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fds[0], $0.baseAddress, 4096) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            output += buffer[0..<n]
        }
        close(fds[0])
        let exit = child.wait()
        return (exit.status, String(decoding: output, as: UTF8.self))
    }
}
