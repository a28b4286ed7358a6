/// The counters of a set of processes: each root pid, with all its live descendants when
/// `includeDescendants` (the default), plus the network namespaces the roots are in.
///
/// Per process (keyed by pid and start time): CPU = (utime + stime) / CLK_TCK from `stat`;
/// resident memory = `statm` resident × page size (the exact sum of the kernel's per-CPU
/// counters on Linux ≥ 6.16, where `stat`'s rss reads them approximately; `stat`'s rss only
/// when there is no `statm`, as in a fixture tree); disk = `io` read_bytes / write_bytes
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
/// With a `TaskIterator` (the default where it loads: root on Linux ≥ 6.2 with BTF, and the
/// real `/proc`), every process's CPU time (`sum_exec_runtime`, ns), storage bytes and
/// exact resident pages come from one read of the eBPF iterator instead of per-process
/// files, and the tree from its parent pids; only the network namespace is still read from
/// `/proc`. The figures are the ones `/proc` shows (TaskIteratorLiveTests); CPU time is
/// in nanoseconds rather than `stat`'s 10 ms ticks. If a read of the iterator fails, that
/// sample reads `/proc`.
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

    /// The eBPF task iterator the counters come from, or nil for `/proc` files.
    public let taskIterator: TaskIterator?
    /// Why `/proc` is read when the automatic choice could not load the iterator.
    public private(set) var taskIteratorUnavailable: TaskIteratorError?
    /// The last failed read of the iterator (that sample read `/proc`).
    public private(set) var lastTaskIteratorError: TaskIteratorError?

    /// Reads through `taskIterator` when given, else through `/proc` files.
    public init(roots: [Int32], includeDescendants: Bool = true, reader: ProcReader = ProcReader(), taskIterator: TaskIterator?) {
        precondition(!roots.isEmpty, "a process source needs at least one root pid")
        self.roots = roots
        self.includeDescendants = includeDescendants
        self.reader = reader
        self.taskIterator = taskIterator
        self.taskIteratorUnavailable = nil
    }

    /// Reads through the task iterator when it loads for `reader` (see `TaskIterator.load(for:)`),
    /// else through `/proc` files (`taskIteratorUnavailable` says why).
    public init(roots: [Int32], includeDescendants: Bool = true, reader: ProcReader = ProcReader()) {
        switch TaskIterator.load(for: reader) {
        case let .success(iterator):
            self.init(roots: roots, includeDescendants: includeDescendants, reader: reader, taskIterator: iterator)
        case let .failure(error):
            self.init(roots: roots, includeDescendants: includeDescendants, reader: reader, taskIterator: nil)
            taskIteratorUnavailable = error
        }
    }

    public init(root: Int32, reader: ProcReader = ProcReader()) {
        self.init(roots: [root], reader: reader)
    }

    /// "eBPF task iterator" or "/proc files" and why.
    public var backendDescription: String {
        if taskIterator != nil { return "eBPF task iterator" }
        if let taskIteratorUnavailable { return "/proc files (\(taskIteratorUnavailable))" }
        return "/proc files"
    }

    public mutating func readCounters() throws(SamplingError) -> [CounterKey: Counters] {
        if let taskIterator {
            let processes: [Int32: ProcessTaskCounters]?
            do {
                // The list mode needs only its roots; a tree needs every parent link.
                processes = try taskIterator.processes(only: includeDescendants ? nil : Set(roots))
                lastTaskIteratorError = nil
            } catch {
                processes = nil
                lastTaskIteratorError = error
            }
            if let processes { return try iteratorCounters(processes) }
        }
        return try procfsCounters()
    }

    mutating func procfsCounters() throws(SamplingError) -> [CounterKey: Counters] {
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
        // Exact where `statm` exists (a process gone since its `stat` keeps that read's rss).
        func residentPages(_ stat: ProcessStat) -> Int64 {
            (try? reader.statm(pid: stat.pid))?.residentPages ?? Int64(max(0, stat.residentPages))
        }
        for stat in stats {
            let io: ProcessIO
            do { io = try reader.io(pid: stat.pid) } catch .processGone { continue }
            counters[.process(pid: stat.pid, startTimeTicks: stat.startTimeTicks)] = Counters(
                cpuSeconds: Double(stat.cpuTicks) / ticks,
                residentBytes: Double(residentPages(stat)) * page,
                diskReadBytes: Double(io.readBytes),
                diskWriteBytes: Double(io.writeBytes))
        }
        try addNetworkCounters(liveRoots, to: &counters)
        return counters
    }

    /// The `net/dev` counters of each distinct network namespace the live roots are in.
    mutating func addNetworkCounters(
        _ liveRoots: [(pid: Int32, key: CounterKey)], to counters: inout [CounterKey: Counters]
    ) throws(SamplingError) {
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
                let devices = try reader.networkDevices(pid: root, keepOpen: true)
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
    }

    /// The counters from one read of the task iterator: the roots (and their descendants).
    mutating func iteratorCounters(_ processes: [Int32: ProcessTaskCounters]) throws(SamplingError) -> [CounterKey: Counters] {
        defer { reader.finishSample() }
        var members: [ProcessTaskCounters] = []
        var liveRoots: [(pid: Int32, key: CounterKey)] = []
        if includeDescendants {
            var children: [Int32: [Int32]] = [:]
            for (pid, process) in processes { children[process.parentPID, default: []].append(pid) }
            var included = Set<Int32>()
            for root in roots {
                guard let process = processes[root] else { continue }
                liveRoots.append((root, .process(pid: root, startTimeTicks: process.startTimeTicks)))
                guard included.insert(root).inserted else { continue }
                var queue = [root], next = 0
                while next < queue.count {
                    if let member = processes[queue[next]] { members.append(member) }
                    for child in children[queue[next]] ?? [] where included.insert(child).inserted { queue.append(child) }
                    next += 1
                }
            }
        } else {
            for root in roots {
                guard let process = processes[root] else { continue }
                liveRoots.append((root, .process(pid: root, startTimeTicks: process.startTimeTicks)))
                members.append(process)
            }
        }
        guard !liveRoots.isEmpty else { throw .processGone(pid: roots[0]) }
        var counters: [CounterKey: Counters] = [:]
        counters.reserveCapacity(members.count + 1)
        let page = Double(reader.pageSizeBytes)
        for process in members {
            var pages = process.residentPages
            if pages == nil {
                // A leader that exited while its threads run, or a kernel thread: statm says.
                pages = (try? reader.statm(pid: process.pid)).map { Int64($0.residentPages) } ?? 0
            }
            counters[.process(pid: process.pid, startTimeTicks: process.startTimeTicks)] = Counters(
                cpuSeconds: Double(process.cpuNanoseconds) / 1e9, residentBytes: Double(max(0, pages ?? 0)) * page,
                diskReadBytes: Double(process.readBytes), diskWriteBytes: Double(process.writeBytes))
        }
        try addNetworkCounters(liveRoots, to: &counters)
        return counters
    }
}