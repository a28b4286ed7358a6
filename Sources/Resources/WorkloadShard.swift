/// One share of a fleet split into `count` shards by a stable hash of the workload name:
/// shard `index` owns the workloads whose FNV-1a (64-bit) hash of the name's UTF-8 bytes is
/// ≡ `index` (mod `count`). The hash depends on the name alone (not on the process, the
/// order of workloads or the platform), so every trainer, scorer and agent given the same
/// `count` assigns every workload to the same shard.
public struct WorkloadShard: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// - Throws: `WorkloadShardError` unless 0 ≤ index < count.
    public init(index: Int, count: Int) throws(WorkloadShardError) {
        guard count >= 1, index >= 0, index < count else { throw .outOfRange(index: index, count: count) }
        self.index = index
        self.count = count
    }

    /// Parses `i/n` (as `--shard` takes it).
    /// - Throws: `WorkloadShardError` naming what was expected.
    public init(parsing text: String) throws(WorkloadShardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { throw .malformed(text) }
        try self.init(index: i, count: n)
    }

    /// The FNV-1a (64-bit) hash of the name's UTF-8 bytes.
    public static func hash(_ name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The shard (0..<count) that owns `name`.
    public static func index(of name: String, count: Int) -> Int {
        Int(hash(name) % UInt64(max(1, count)))
    }

    /// Whether this shard owns `name`.
    public func owns(_ name: String) -> Bool { Self.index(of: name, count: count) == index }

    /// `i/n`.
    public var description: String { "\(index)/\(count)" }
}

/// A `--shard` value that is not `i/n` with 0 ≤ i < n.
public enum WorkloadShardError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case outOfRange(index: Int, count: Int)

    public var description: String {
        switch self {
        case .malformed(let text): "shard \"\(text)\" is not i/n (for example 0/4: the first of four shards)"
        case .outOfRange(let index, let count): "shard \(index)/\(count): needs n ≥ 1 and 0 ≤ i < n"
        }
    }
}
