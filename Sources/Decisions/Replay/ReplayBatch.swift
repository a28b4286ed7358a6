import Foundation
import Store

/// Several replays at once: `jobs` threads, each with its own store connection (SQLite
/// connections are not shared across threads), each claiming the next replay until none
/// is left. `frontier` and the promotion gate run their knob sweeps through it.
package enum ReplayBatch {
    /// Runs `replay(k, store)` for k in 0..<count; the results in k order.
    package static func run(count: Int, jobs: Int, openStore: @Sendable () throws -> HeadroomStore,
                            replay: @Sendable (Int, HeadroomStore) throws -> ReplaySummary) -> [Result<ReplaySummary, any Error>] {
        let results = Results(count: count)
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, count))) { _ in
            let store = Result { try openStore() }
            while let k = results.claim() {
                results.set(k, Result { try replay(k, try store.get()) })
            }
        }
        return (0..<count).map { results.get($0) }
    }

    /// The replays' results, filled by the worker threads.
    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private var results: [Result<ReplaySummary, any Error>?]

        init(count: Int) { results = Array(repeating: nil, count: count) }

        func claim() -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard next < results.count else { return nil }
            next += 1
            return next - 1
        }

        func set(_ k: Int, _ r: Result<ReplaySummary, any Error>) { lock.lock(); results[k] = r; lock.unlock() }

        func get(_ k: Int) -> Result<ReplaySummary, any Error> {
            lock.lock(); defer { lock.unlock() }
            return results[k] ?? .failure(CocoaError(.featureUnsupported))
        }
    }
}
