/// The counters of a set of processes: each root pid, with all its live descendants when
/// `includeDescendants` (the default), plus the network namespaces the roots are in.
///
/// Per process (keyed by pid and start time): CPU = (utime + stime) / CLK_TCK from `stat`;
/// resident memory = `stat` rss × page size (without descendants: `statm` resident, the exact
/// sum of the kernel's per-CPU counters); disk = `io` read_bytes / write_bytes
/// (bytes sent to or fetched from the storage layer; tmpfs shows 0).
/// Per network namespace of a root (keyed by namespace inode, read once however many roots
/// share it): `net/dev` bytes summed over interfaces other than `lo`. Network figures are
/// the namespace's, shared by every process in it, not the processes' own.
///
/// The namespace of each root is looked up once per root process (by pid and start time)
/// and remembered while it lives: a process that moves to another namespace with setns(2)
/// or unshare(2) after it was first seen keeps being counted in its first one.
///
/// Without descendants, a root that has not run since the previous sample is answered from
/// its last full read plus its `statm` (`ProcessMemo`): the same counters for about a third
/// of the kernel time.
///
/// A process that exits at any point during the read is skipped (its key drops out, see
/// `CounterSnapshot.rates(since:)`). Throws `processGone` only when every root is gone.
public struct ProcessTreeSource: CounterSource {
    public var roots: [Int32]
    public var includeDescendants: Bool
    public var reader: ProcReader
    /// The network namespace inode of each root process seen in the last sample, by pid,
    /// with the start time telling a reused pid apart.
    private var namespaces: [Int32: (startTimeTicks: UInt64, inode: UInt64)] = [:]
    /// Without descendants: each root's last full read (see `ProcessMemo`).
    var memos: [Int32: ProcessMemo] = [:]

    public init(roots: [Int32], includeDescendants: Bool = true, reader: ProcReader = ProcReader()) {
        precondition(!roots.isEmpty, "a process source needs at least one root pid")
        self.roots = roots
        self.includeDescendants = includeDescendants
        self.reader = reader
    }

    public init(root: Int32, reader: ProcReader = ProcReader()) {
        self.init(roots: [root], reader: reader)
    }

    public mutating func readCounters() throws(SamplingError) -> [CounterKey: Counters] {
        var stats: [ProcessStat] = []
        var liveRoots: [(pid: Int32, key: CounterKey)] = []
        var counters: [CounterKey: Counters] = [:]
        counters.reserveCapacity(roots.count + 1)
        if !includeDescendants {
            var seen: [Int32: ProcessMemo] = [:]
            seen.reserveCapacity(roots.count)
            for root in roots {
                do {
                    let (key, values) = try processCounters(root, memos: &seen)
                    liveRoots.append((root, key))
                    counters[key] = values
                } catch .processGone {
                    continue
                }
            }
            memos = seen
        } else {
            for root in roots {
                do {
                    let tree = try reader.processTree(root: root)
                    liveRoots.append((root, .process(pid: root, startTimeTicks: tree[0].startTimeTicks)))
                    stats += tree
                } catch .processGone {
                    continue
                }
            }
            if roots.count > 1 {
                // Overlapping roots (one a descendant of another) must not count twice.
                var seen = Set<Int32>()
                stats = stats.filter { seen.insert($0.pid).inserted }
            }
        }
        defer { reader.finishSample() }
        guard !liveRoots.isEmpty else { throw .processGone(pid: roots[0]) }

        counters.reserveCapacity(stats.count + 1)
        let ticks = reader.clockTicksPerSecond
        let page = Double(reader.pageSizeBytes)
        for stat in stats {
            let io: ProcessIO
            do { io = try reader.io(pid: stat.pid) } catch .processGone { continue }
            counters[.process(pid: stat.pid, startTimeTicks: stat.startTimeTicks)] = Counters(
                cpuSeconds: Double(stat.cpuTicks) / ticks,
                residentBytes: Double(max(0, stat.residentPages)) * page,
                diskReadBytes: Double(io.readBytes),
                diskWriteBytes: Double(io.writeBytes))
        }
        var seen = Set<UInt64>()
        var lastInode: UInt64?
        var known: [Int32: (startTimeTicks: UInt64, inode: UInt64)] = [:]
        known.reserveCapacity(liveRoots.count)
        for (root, key) in liveRoots {
            do {
                guard case let .process(_, start) = key else { continue }
                let inode: UInt64
                if let cached = namespaces[root], cached.startTimeTicks == start { inode = cached.inode } else {
                    inode = try reader.networkNamespaceInode(pid: root)
                }
                known[root] = (start, inode)
                // Most roots share one namespace: skip the set for a run of the same one.
                guard inode != lastInode, seen.insert(inode).inserted else { continue }
                lastInode = inode
                let devices = try reader.networkDevices(pid: root)
                counters[.networkNamespace(inode: inode)] = Counters(
                    networkReceiveBytes: Double(devices.receiveBytesExcludingLoopback),
                    networkTransmitBytes: Double(devices.transmitBytesExcludingLoopback))
            } catch .processGone {
                continue
            } catch .unreadable {
                // A namespace we may not inspect (EACCES on another pid namespace's
                // process, say) leaves the network unmeasured rather than failing the sample.
                continue
            }
        }
        namespaces = known
        return counters
    }
}
