/// What the last full read (`stat`, `io`) of a listed process gave, so that a sample can
/// answer for a process that has not run since from its memo and a `statm` read.
///
/// "Has not run": the process had one thread at its last full read, and its main thread's
/// `schedstat` (runtime, run delay, timeslices) is unchanged, read through a descriptor kept
/// open since that read (so the same process, not a new one with its pid). A thread that
/// runs adds runtime at every scheduler tick and a timeslice each time it is scheduled, and
/// a process's CPU time and `io` byte counters only move while one of its threads runs
/// (they are charged to the running task). Creating a second thread needs the main thread
/// to run, so a process that became multi-threaded is read in full, and so is every process
/// with more than one thread (schedstat covers only its main thread). Resident memory can
/// shrink without the process running (reclaim, swap-out), so it is read every sample, from
/// `statm`, in full reads too: on Linux 6.18 `statm` (like `status`' VmRSS) sums the per-CPU
/// RSS counters exactly while `stat`'s `rss` reads them approximately (a few dozen pages
/// low), and the two paths must agree. Kernel time on Linux 6.18, per process:
/// `stat` 3.3 µs + `io` 1.3 µs for a full read, `schedstat` 0.6 µs + `statm` 0.9 µs for
/// one that did not run (bench/agent/RESULTS.md).
///
/// A process seen to run is likely to run again: its `schedstat` is then not read for the
/// next `probeBackoffSamples` samples (full reads, its descriptor kept open), so a busy
/// process costs 3¼ reads a sample rather than 4, and an idle one is recognised again
/// within 4 samples. The baseline stays the one read before the last compared full read:
/// unchanged since then means not run since then, so the latest full read still holds.
struct ProcessMemo {
    static let probeBackoffSamples: UInt8 = 3

    var startTimeTicks: UInt64
    var cpuTicks: UInt64
    var threadCount: Int
    var readBytes: UInt64
    var writeBytes: UInt64
    /// The main thread's schedstat, read just *before* `stat` and `io` (so a run between
    /// the reads shows as a change next time); nil when unusable or multi-threaded.
    var schedule: ProcessSchedStat?
    /// Samples left before `schedstat` is read again (0: this sample).
    var probeIn: UInt8 = 0
}

extension ProcessTreeSource {
    /// The counters of `pid` now, from a full read or, when it has not run since its memo,
    /// from the memo and `statm`. Records the memo for the next sample in `next`. Throws
    /// `processGone` when it exited.
    func processCounters(_ pid: Int32, memos next: inout [Int32: ProcessMemo]) throws(SamplingError) -> (CounterKey, Counters) {
        let memo = memos[pid]
        var schedule: ProcessSchedStat?
        var opened = true
        let single = memo?.threadCount ?? 1 == 1
        let probe = single && memo?.probeIn ?? 0 == 0
        if probe {
            // No schedstat (a fixture tree, an old kernel) or a process gone: read in full,
            // where `stat` tells whether it is gone.
            do { (schedule, opened) = try reader.schedStat(pid: pid) } catch { schedule = nil }
        } else if single {
            reader.keepSchedStatOpen(pid: pid)
        }
        let page = Double(reader.pageSizeBytes), ticks = reader.clockTicksPerSecond
        if let memo, probe, !opened, let schedule, schedule.usable, memo.schedule == schedule {
            let statm = try reader.statm(pid: pid)
            next[pid] = memo
            return (.process(pid: pid, startTimeTicks: memo.startTimeTicks),
                    Counters(cpuSeconds: Double(memo.cpuTicks) / ticks, residentBytes: Double(statm.residentPages) * page,
                             diskReadBytes: Double(memo.readBytes), diskWriteBytes: Double(memo.writeBytes)))
        }
        let stat = try reader.stat(pid: pid)
        let io = try reader.io(pid: pid)
        // A tree without statm (a fixture) falls back to stat's rss.
        let residentPages = (try? reader.statm(pid: pid))?.residentPages ?? max(0, stat.residentPages)
        // Compared and changed: it ran, so skip the next few probes (keeping the baseline).
        let ran = probe && !opened && memo?.schedule != nil
        let baseline = probe ? schedule : memo?.schedule
        let countdown = memo.map { $0.probeIn > 0 ? $0.probeIn - 1 : 0 } ?? 0
        next[pid] = ProcessMemo(startTimeTicks: stat.startTimeTicks, cpuTicks: stat.cpuTicks, threadCount: stat.threadCount,
                                readBytes: io.readBytes, writeBytes: io.writeBytes,
                                schedule: stat.threadCount == 1 && baseline?.usable == true ? baseline : nil,
                                probeIn: ran ? ProcessMemo.probeBackoffSamples : countdown)
        return (.process(pid: pid, startTimeTicks: stat.startTimeTicks),
                Counters(cpuSeconds: Double(stat.cpuTicks) / ticks, residentBytes: Double(residentPages) * page,
                         diskReadBytes: Double(io.readBytes), diskWriteBytes: Double(io.writeBytes)))
    }
}
