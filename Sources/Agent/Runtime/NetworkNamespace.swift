/// A POP's network namespace, managed with iproute2 as argument vectors
/// (`ip netns add NAME`, `ip -n NAME link set lo up`, `ip netns delete NAME`). Processes
/// enter it through `headroom-launch --netns /run/netns/NAME` (setns(2) before exec). Needs
/// CAP_SYS_ADMIN (and CAP_NET_ADMIN for the link).
public struct NetworkNamespace: Sendable, Equatable {
    public let name: String

    public init(name: String) { self.name = name }

    /// The bind-mounted namespace file `ip netns` keeps.
    public var path: String { "/run/netns/\(name)" }

    /// Creates it (replacing a leftover of the same name) with its loopback up.
    public func create() throws(RuntimeError) {
        try? delete()
        try Self.ip(["netns", "add", name])
        try Self.ip(["-n", name, "link", "set", "lo", "up"])
    }

    /// Deletes it; a missing namespace is fine.
    public func delete() throws(RuntimeError) {
        guard CgroupFiles().exists(path) else { return }
        try Self.ip(["netns", "delete", name])
    }

    private static func ip(_ arguments: [String]) throws(RuntimeError) {
        let argv = ["ip"] + arguments
        let result = try ProcessSpawner.run(argv)
        guard result.status == 0 else { throw .programFailed(argv: argv, status: result.status, output: result.output) }
    }
}
