/// The argument vectors the agent runs CRIU with (criu(8), 3.x); pure, so tests check them.
///
/// Options every operation shares, and why:
/// - `--shell-job`: workloads are their own process-group leaders (`posix_spawn` with
///   `POSIX_SPAWN_SETPGROUP`) but stay in the agent's session, whose leader is outside the
///   dumped tree; CRIU refuses such a tree without it.
/// - `--manage-cgroups=ignore`, on dump and restore alike: the images carry no cgroup paths
///   and the restored tree stays in the cgroups of the `criu restore` process, which the
///   agent starts *inside the target workload cgroup* (through `headroom-launch`, as it
///   starts workloads). The restored memory is then charged to the target from its first
///   page, which moving the pid after the restore would not do on v1 (the charge stays
///   behind), and the source cgroup can be removed. This is runc's recipe for restoring
///   into another cgroup.
/// - No `--namespaces`: criu runs inside the POP's network namespace (entered by
///   `headroom-launch --netns`), so the workload's namespaces equal CRIU's own and none is
///   dumped; the restore in the target POP's namespace places the tree there.
public struct CRIUArguments: Sendable, Equatable {
    /// `criu`, or a path.
    public var executable: String

    public init(executable: String = "criu") { self.executable = executable }

    static let shared = ["--shell-job", "--manage-cgroups=ignore"]

    /// `criu pre-dump --tree PID --images-dir DIR --track-mem [--prev-images-dir PREV]`:
    /// copies the dirty memory while the tree keeps running. `previous` is relative to
    /// `imagesDirectory` (CRIU's rule), e.g. `../1`.
    public func preDump(pid: Int32, imagesDirectory: String, previous: String?) -> [String] {
        [executable, "pre-dump", "--tree", "\(pid)", "--images-dir", imagesDirectory, "--track-mem"]
            + (previous.map { ["--prev-images-dir", $0] } ?? []) + Self.shared
    }

    /// `criu dump --tree PID --images-dir DIR --leave-stopped [--track-mem --prev-images-dir
    /// PREV]`: the final dump. `--leave-stopped` keeps the tree (stopped) at the source until
    /// its images are safely at the target, so a failed copy resumes it with `SIGCONT`
    /// instead of losing it; the agent kills it just before the restore (which needs its pid).
    public func dump(pid: Int32, imagesDirectory: String, previous: String?) -> [String] {
        [executable, "dump", "--tree", "\(pid)", "--images-dir", imagesDirectory, "--leave-stopped"]
            + (previous.map { ["--track-mem", "--prev-images-dir", $0] } ?? []) + Self.shared
    }

    /// `criu restore --images-dir DIR --restore-detached --restore-sibling --pidfile FILE`:
    /// `--restore-sibling` makes the restored root a child of criu's parent (CLONE_PARENT),
    /// i.e. of the agent, which can then `waitpid` it like any workload it launched;
    /// `--restore-detached` lets criu exit once the tree runs. The root's pid is written to
    /// `pidFile` (an absolute path).
    public func restore(imagesDirectory: String, pidFile: String) -> [String] {
        [executable, "restore", "--images-dir", imagesDirectory, "--restore-detached", "--restore-sibling", "--pidfile", pidFile] + Self.shared
    }
}
