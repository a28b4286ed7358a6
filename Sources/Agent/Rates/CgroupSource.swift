/// The counters of one cgroup: CPU, resident memory (usage − page cache) and disk from
/// the cgroup's files (see `CgroupCounters`), keyed by the cgroup's path; and network from
/// the namespace of the first process listed in its `cgroup.procs` (keyed by namespace
/// inode; none when the cgroup has no process, or `procReader` is nil). As with processes,
/// network is per namespace: only a cgroup with its own namespace gets its own traffic.
public struct CgroupSource: CounterSource {
    public var path: String
    public var reader: CgroupReader
    public var procReader: ProcReader?

    public init(path: String, reader: CgroupReader, procReader: ProcReader? = ProcReader()) {
        self.path = path
        self.reader = reader
        self.procReader = procReader
    }

    public mutating func readCounters() throws(SamplingError) -> [CounterKey: Counters] {
        let c = try reader.counters(cgroup: path)
        var counters: [CounterKey: Counters] = [
            .cgroup(path: path): Counters(
                cpuSeconds: c.cpuUsageSeconds, residentBytes: c.residentBytes.map { Double($0) },
                diskReadBytes: c.diskReadBytes.map { Double($0) }, diskWriteBytes: c.diskWriteBytes.map { Double($0) })
        ]
        guard let procReader else { return counters }
        for pid in try reader.processIDs(cgroup: path) {
            do {
                let inode = try procReader.networkNamespaceInode(pid: pid)
                let devices = try procReader.networkDevices(pid: pid)
                counters[.networkNamespace(inode: inode)] = Counters(
                    networkReceiveBytes: Double(devices.receiveBytesExcludingLoopback),
                    networkTransmitBytes: Double(devices.transmitBytesExcludingLoopback))
                break
            } catch .processGone {
                continue
            } catch .unreadable {
                // A namespace we may not inspect (EACCES on another pid namespace's
                // process, say) leaves the network unmeasured rather than failing the sample.
                continue
            }
        }
        return counters
    }
}
