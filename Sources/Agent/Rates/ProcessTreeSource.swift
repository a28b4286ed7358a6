/// The counters of a set of processes: each root pid, with all its live descendants when
/// `includeDescendants` (the default), plus the network namespaces the roots are in.
///
/// Per process (keyed by pid and start time): CPU = (utime + stime) / CLK_TCK from `stat`;
/// resident memory = `stat` rss × page size; disk = `io` read_bytes / write_bytes
/// (bytes sent to or fetched from the storage layer; tmpfs shows 0).
/// Per network namespace of a root (keyed by namespace inode, read once however many roots
/// share it): `net/dev` bytes summed over interfaces other than `lo`. Network figures are
/// the namespace's, shared by every process in it, not the processes' own.
///
/// A process that exits at any point during the read is skipped (its key drops out, see
/// `CounterSnapshot.rates(since:)`). Throws `processGone` only when every root is gone.
public struct ProcessTreeSource: CounterSource {
    public var roots: [Int32]
    public var includeDescendants: Bool
    public var reader: ProcReader

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
        var liveRoots: [Int32] = []
        if includeDescendants {
            for root in roots {
                do {
                    stats += try reader.processTree(root: root)
                    liveRoots.append(root)
                } catch .processGone {
                    continue
                }
            }
            if roots.count > 1 {
                // Overlapping roots (one a descendant of another) must not count twice.
                var seen = Set<Int32>()
                stats = stats.filter { seen.insert($0.pid).inserted }
            }
        } else {
            for root in roots {
                do {
                    stats.append(try reader.stat(pid: root))
                    liveRoots.append(root)
                } catch .processGone {
                    continue
                }
            }
        }
        guard !liveRoots.isEmpty else { throw .processGone(pid: roots[0]) }

        var counters: [CounterKey: Counters] = [:]
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
        var namespaces = Set<UInt64>()
        for root in liveRoots {
            do {
                let inode = try reader.networkNamespaceInode(pid: root)
                guard namespaces.insert(inode).inserted else { continue }
                let devices = try reader.networkDevices(pid: root)
                counters[.networkNamespace(inode: inode)] = Counters(
                    networkReceiveBytes: Double(devices.receiveBytesExcludingLoopback),
                    networkTransmitBytes: Double(devices.transmitBytesExcludingLoopback))
            } catch .processGone {
                continue
            }
        }
        return counters
    }
}
