extension ProcReader {
    /// The `stat` of `root` and of every descendant of it, root first, then breadth-first.
    ///
    /// Descendants are found by reading every `<root>/<pid>/stat` and following `ppid`
    /// (this kernel family may lack `/proc/<pid>/task/<tid>/children`, which needs
    /// CONFIG_PROC_CHILDREN). A process that exits between the listing and the read of its
    /// `stat` is skipped. A process whose parent exited is re-parented (to init or a
    /// subreaper) and so leaves the tree: the tree is the live descendants now.
    ///
    /// Throws `processGone(pid: root)` when `root` itself is not running.
    public func processTree(root rootPID: Int32) throws(SamplingError) -> [ProcessStat] {
        var stats: [Int32: ProcessStat] = [:]
        var children: [Int32: [Int32]] = [:]
        for pid in try listPIDs() {
            let stat: ProcessStat
            do { stat = try self.stat(pid: pid) } catch .processGone { continue }
            stats[pid] = stat
            children[stat.parentPID, default: []].append(pid)
        }
        guard let rootStat = stats[rootPID] else { throw .processGone(pid: rootPID) }
        var tree = [rootStat]
        var next = 0
        while next < tree.count {
            for child in children[tree[next].pid] ?? [] where child != rootPID {
                if let stat = stats[child] { tree.append(stat) }
            }
            next += 1
        }
        return tree
    }
}
