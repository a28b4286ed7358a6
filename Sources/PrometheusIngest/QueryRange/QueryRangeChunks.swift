/// The `query_range` requests of one import: [from, to] at `stepSeconds`, cut into chunks of
/// at most `stepsPerChunk` steps, each asked from one step before its start so that a
/// counter's first rate of the chunk has its baseline (the assembler skips the repeated
/// point as a duplicate). Prometheus refuses more than 11,000 points per series; the
/// default chunk, 2,016 steps (a week of 5-minute steps), stays well under that and keeps a
/// retry cheap.
package struct QueryRangeChunks: Sendable, Equatable {
    package struct Chunk: Sendable, Equatable {
        /// The chunk's first and last step, Unix seconds (inclusive).
        package var start: Int64
        package var end: Int64
        /// Where its query starts (one step before `start`, for counter baselines).
        package var queryStart: Int64
    }

    package let from: Int64
    package let to: Int64
    package let stepSeconds: Int64
    package let chunks: [Chunk]

    /// - Throws: `ChunkError` when the range, step or chunk size is unusable.
    package init(from: Int64, to: Int64, stepSeconds: Int64, stepsPerChunk: Int64 = 2016) throws(ChunkError) {
        guard stepSeconds > 0 else { throw ChunkError("--step: expected a duration > 0, found \(stepSeconds) s") }
        guard to > from else { throw ChunkError("--to (\(to)) must be after --from (\(from))") }
        guard stepsPerChunk > 0, stepsPerChunk <= 10_000 else {
            throw ChunkError("steps per chunk: expected 1…10000 (Prometheus answers at most 11,000 points per series), found \(stepsPerChunk)")
        }
        let (steps, overflow) = ((to - from) / stepSeconds).addingReportingOverflow(1)
        guard !overflow, steps <= 100_000_000 else { throw ChunkError("[\(from), \(to)] at \(stepSeconds) s is over 10^8 steps; use a larger --step") }
        self.from = from
        self.to = to
        self.stepSeconds = stepSeconds
        var chunks: [Chunk] = []
        var start = from
        while start <= to {
            let end = min(to, start + (stepsPerChunk - 1) * stepSeconds)
            chunks.append(Chunk(start: start, end: end, queryStart: start - stepSeconds))
            start = end + stepSeconds
        }
        self.chunks = chunks
    }
}

package struct ChunkError: Error, Equatable, CustomStringConvertible {
    package var description: String
    init(_ description: String) { self.description = description }
}
