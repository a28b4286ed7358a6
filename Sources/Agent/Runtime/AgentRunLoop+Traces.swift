import Foundation

extension AgentRunLoop {
    /// Samples every workload's kernel state into the trace buffer, then moves the oldest
    /// buffered events (up to the round's limits) into the batch of the POP each event's
    /// workload is at now. Never waits: the buffer's lock is held for a copy.
    func collectTraces(into batches: inout [String: SampleBatchBody]) {
        guard let traces else { return }
        traces.sampleKernelStates(fleet.runningProcesses, timestampSeconds: Date().timeIntervalSince1970)
        let fallback = fleet.config.pops.first?.name ?? ""
        for event in traces.buffer.drain(maximumEvents: maximumTracesPerRound, maximumBytes: maximumTraceBytesPerRound) {
            var pop = event.workload.flatMap { fleet.workloads[$0]?.pop } ?? fallback
            if batches[pop] == nil { pop = fallback }
            batches[pop]?.traces.append(event)
        }
        logTraceDrops(traces.counters)
    }

    /// Logs, at most once a round, what the trace intake dropped since the last report.
    func logTraceDrops(_ now: WorkloadTraceCollector.Counters) {
        let before = reportedTraceCounters
        reportedTraceCounters = now
        var parts: [String] = []
        func delta(_ label: String, _ current: Int, _ previous: Int?) {
            let d = current - (previous ?? 0)
            if d > 0 { parts.append("\(d) \(label)") }
        }
        delta("over the buffer's capacity of \(traces?.buffer.capacity ?? 0)", now.buffer.dropped, before?.buffer.dropped)
        delta("malformed lines", now.server.malformedLines, before?.server.malformedLines)
        delta("over-long lines", now.server.oversizedLines, before?.server.oversizedLines)
        delta("lines over the rate limit", now.server.rateLimitedLines, before?.server.rateLimitedLines)
        delta("lines from processes in no managed workload", now.server.unattributedLines, before?.server.unattributedLines)
        delta("lines naming another workload than their process's", now.server.misattributedLines, before?.server.misattributedLines)
        delta("events naming a workload this agent does not run", now.foreignEvents, before?.foreignEvents)
        delta("connections over the limit", now.server.rejectedConnections, before?.server.rejectedConnections)
        delta("kernel-state samples that failed", now.kernelStateFailures, before?.kernelStateFailures)
        guard !parts.isEmpty else { return }
        var line = "trace events dropped since the last report: " + parts.joined(separator: ", ")
        if now.server.malformedLines > (before?.server.malformedLines ?? 0), let error = now.server.lastError { line += "; last malformed: \(error)" }
        if now.kernelStateFailures > (before?.kernelStateFailures ?? 0), let error = now.lastKernelStateError { line += "; last kernel-state failure: \(error)" }
        logger.warning("\(line)")
    }
}
