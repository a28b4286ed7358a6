import Decisions
import FleetFile
import Forecast
import Foundation
import Resources
import Store

/// A scorer that owns one shard of the fleet's workloads (`serve --shard i/n`), beside the
/// others over one store:
/// - **Ownership.** It holds, scores and decides for the workloads `WorkloadShard` gives
///   its index. A batch naming a workload of another shard is refused whole before
///   anything is written (421, with each owner's URL from the fleet file's `[[scorers]]`);
///   remote write keeps its own workloads' series and counts the others by owner
///   (`ScoringService+RemoteWrite`); per-workload reads and command reports for another
///   shard's workloads are 421 too; an agent's command list holds its own workloads' only.
/// - **Capacity.** Every workload's footprint at each POP is kept in the store's
///   `capacity_bookings` (`HeadroomStore+Bookings`): written as a fact when an agent's
///   report or a finished command changes it, and *booked* — checked against every other
///   workload's rows under a lock on the POP — before the engine applies a decision that
///   grows it. A decision another shard got to first becomes `none`, with the reason. The
///   engine's view of what the other shards use (`DecisionEngine.externalUsage`) is the
///   store's totals less this scorer's own rows, re-read at most once a second
///   (`Configuration.bookingRefreshSeconds`) and after any refusal: a stale view can only
///   cost a refused booking, never an overbooked POP.
extension ScoringService {
    /// Whether capacity is booked in the store (a sharded scorer: `--shard`).
    var booksCapacity: Bool { configuration.shard != nil }

    /// Whether this scorer owns `workload` (every workload without `--shard`).
    nonisolated func owns(_ workload: String) -> Bool { configuration.shard?.owns(workload) ?? true }

    /// The workloads of `names` this scorer does not own, by the shard that owns them, with
    /// that shard's URL from the fleet file (nil when it declares no `[[scorers]]`).
    nonisolated func owners(of names: some Sequence<String>) -> [ShardOwner] {
        guard let shard = configuration.shard else { return [] }
        var byShard: [Int: [String]] = [:]
        for name in names where !shard.owns(name) {
            byShard[WorkloadShard.index(of: name, count: shard.count), default: []].append(name)
        }
        return byShard.keys.sorted().map { index in
            ShardOwner(shard: index, url: scorerURL(shard: index),
                       workloads: (byShard[index] ?? []).sorted())
        }
    }

    /// The base URL of shard `index`'s scorer from the fleet file's `[[scorers]]` (nil: none listed).
    nonisolated func scorerURL(shard index: Int) -> String? {
        configuration.scorers.flatMap { index < $0.count ? $0.urls[index] : nil }
    }

    /// Throws `ServiceError.otherShard` when any of `names` belongs to another shard.
    nonisolated func requireOwned(_ names: some Sequence<String>) throws {
        let foreign = owners(of: names)
        guard !foreign.isEmpty, let shard = configuration.shard else { return }
        metrics.misdirectedRequests.increment()
        throw ServiceError.otherShard(shard: shard.description, owners: foreign)
    }

    /// Writes the footprints of `names` that changed since last written (facts: where an
    /// agent reports them, a finished or failed command). What the other shards use is
    /// unchanged by it (the store's totals and this scorer's own rows change alike), so the
    /// engine's `externalUsage` stands.
    func syncBookings(_ names: some Sequence<String>) throws {
        guard booksCapacity else { return }
        var changed: [HeadroomStore.CapacityBooking] = []
        for name in names {
            let now = engine.footprints(of: name)
            guard !now.isEmpty, bookedFootprints[name] != now else { continue }
            changed.append(.init(workload: name, footprints: now))
        }
        guard !changed.isEmpty else { return }
        try store.recordBookings(changed, now: clock())
        for booking in changed { bookedFootprints[booking.workload] = booking.footprints }
    }

    /// Sets the engine's `externalUsage` to the store's booked totals less this scorer's own
    /// rows (never below 0), at most once per `bookingRefreshSeconds` unless `force`.
    func refreshExternalUsage(force: Bool = false) throws {
        guard booksCapacity else { return }
        let now = Date().timeIntervalSince1970
        guard force || now - externalUsageReadAt >= configuration.bookingRefreshSeconds else { return }
        let totals = try store.bookedTotals()
        var own: [String: ResourceVector] = [:]
        for footprints in bookedFootprints.values {
            for (pop, amounts) in footprints { own[pop] = CapacityArithmetic.adding(own[pop] ?? CapacityArithmetic.zero, amounts) }
        }
        var external: [String: ResourceVector] = [:]
        for (pop, total) in totals {
            let mine = own[pop] ?? CapacityArithmetic.zero
            external[pop] = ResourceVector(Resource.allCases.map { Swift.max(0, total[$0] - mine[$0]) })
        }
        engine.externalUsage = external
        externalUsageReadAt = now
    }

    /// The engine's `CapacityBooker` for one tick: books each decision's footprints in the
    /// store; what it booked is collected in `booked` (the caller keeps it once the tick is
    /// done), a refusal or a store failure is the decision's reason.
    func capacityBooker(now: Int64, booked: BookedFootprints) -> DecisionEngine.CapacityBooker? {
        guard booksCapacity else { return nil }
        let store = self.store
        return { decision, footprints in
            do {
                let outcome = try store.book(.init(workload: decision.workload, footprints: footprints), now: now)
                guard case .booked = outcome else {
                    booked.refusals += 1
                    return outcome.description
                }
                booked.footprints[decision.workload] = footprints
                return nil
            } catch {
                booked.refusals += 1
                return "the store failed (\(error))"
            }
        }
    }
}

/// What one tick's `capacityBooker` booked (a reference, filled by the engine's calls).
final class BookedFootprints {
    var footprints: [String: [String: ResourceVector]] = [:]
    /// Decisions refused (by the store's check, or because it failed).
    var refusals = 0
}

/// Another shard's workloads in a request, and the scorer that owns them.
struct ShardOwner: Codable, Sendable, Equatable {
    var shard: Int
    /// Its base URL from the fleet file's `[[scorers]]` (nil: the file declares none).
    var url: String?
    var workloads: [String]
}
