import Forecast
import Foundation
import HeadroomTestSupport
import Testing
@testable import Store

/// `capacity_bookings`: what sharded scorers book at the fleet's POPs, on every backend,
/// and the race the booking exists for — two stores (two connections, as two scorers have)
/// booking the last slots of one POP at once.
@Suite("Store: capacity bookings")
struct CapacityBookingStoreTests {
    typealias Booking = HeadroomStore.CapacityBooking

    /// cpu cores and memory bytes; the other resources 0.
    static func amounts(_ cpu: Double, _ memory: Double = 0) -> ResourceVector {
        ResourceVector([cpu, memory, 0, 0, 0, 0])
    }

    /// POP `p` (10 cores, 100 bytes), POP `q` (unconstrained), and the named workloads.
    static func prepare(_ store: HeadroomStore, workloads: [String]) throws {
        var capacity = ResourceVector.absent
        capacity[.cpuCores] = 10
        capacity[.memoryBytes] = 100
        try store.syncFleet(pops: [.init(name: "p", capacity: capacity, pricePerHour: 1, strategies: [], status: .up),
                                   .init(name: "q", capacity: .absent, pricePerHour: 1, strategies: [], status: .up)], links: [])
        _ = try store.append(samples: workloads.map { IncomingSample(workload: $0, timestamp: 1_700_000_000, values: [1, 1, .nan, .nan, .nan, .nan]) },
                             now: 1_700_000_000)
    }

    @Test("a growth is booked only while the POP's capacity covers every other workload's rows; shrinking always is; a refusal writes nothing",
          arguments: TestSupport.Kind.allCases)
    func rules(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.prepare(store, workloads: ["a", "b", "c"])
        let now: Int64 = 1_700_000_100

        try store.recordBookings([Booking(workload: "a", footprints: ["p": Self.amounts(6, 50)])], now: now)
        #expect(try store.book(Booking(workload: "b", footprints: ["p": Self.amounts(4, 10)]), now: now) == .booked, "exactly the 4 cores left")
        let refused = try store.book(Booking(workload: "c", footprints: ["p": Self.amounts(1)]), now: now)
        #expect(refused == .refused(pop: "p", resource: .cpuCores, needed: 1, free: 0))
        #expect(try store.bookings(workload: "c").isEmpty, "a refusal writes nothing")
        #expect(try store.bookedTotals() == ["p": Self.amounts(10, 60)])

        // a shrinks to 5 cores (no growth: booked whatever the POP's use), then c fits in the freed core.
        #expect(try store.book(Booking(workload: "a", footprints: ["p": Self.amounts(5, 50)]), now: now) == .booked)
        #expect(try store.book(Booking(workload: "c", footprints: ["p": Self.amounts(1)]), now: now) == .booked)
        // Memory: 50 + 10 + 0 of 100; b growing to 51 bytes would need 51 with 50 left.
        #expect(try store.book(Booking(workload: "b", footprints: ["p": Self.amounts(4, 51)]), now: now)
                == .refused(pop: "p", resource: .memoryBytes, needed: 51, free: 50))
        #expect(try store.bookings(workload: "b") == ["p": Self.amounts(4, 10)])

        // A move: c reserves q (unconstrained: always fits) while holding p; then lands on q.
        #expect(try store.book(Booking(workload: "c", footprints: ["p": Self.amounts(1), "q": Self.amounts(8, 900)]), now: now) == .booked)
        try store.recordBookings([Booking(workload: "c", footprints: ["q": Self.amounts(8, 900)])], now: now)
        #expect(try store.bookings(workload: "c") == ["q": Self.amounts(8, 900)], "recording replaces all of a workload's rows")
        #expect(try store.bookedTotals() == ["p": Self.amounts(9, 60), "q": Self.amounts(8, 900)])

        // An over-committed POP (a fact an agent reported): growth refused, shrinking booked.
        try store.recordBookings([Booking(workload: "a", footprints: ["p": Self.amounts(20, 50)])], now: now)
        #expect(try store.book(Booking(workload: "b", footprints: ["p": Self.amounts(4.5, 10)]), now: now)
                == .refused(pop: "p", resource: .cpuCores, needed: 4.5, free: -10))
        #expect(try store.book(Booking(workload: "b", footprints: ["p": Self.amounts(3, 10)]), now: now) == .booked)

        #expect(throws: StoreError.unknownWorkload("nobody")) {
            try store.book(Booking(workload: "nobody", footprints: ["p": Self.amounts(1)]), now: now)
        }
        #expect(throws: StoreError.self) { try store.book(Booking(workload: "b", footprints: ["nowhere": Self.amounts(1)]), now: now) }
        #expect(try store.bookings(workload: "b") == ["p": Self.amounts(3, 10)])
    }

    @Test("two stores booking the last slots of one POP at once: exactly the capacity is booked, never more",
          arguments: TestSupport.Kind.durable)
    func race(_ kind: TestSupport.Kind) throws {
        let (first, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let names = (0..<40).map { "w\($0)" }
        try Self.prepare(first, workloads: names)
        // The second store is another connection to the same database, as a second scorer's.
        // (A test server's URL has no password, so the store's printable location reopens it.)
        let second = try HeadroomStore(location: try #require(first.path))
        #expect(second.isPostgres == (kind == .postgres))
        // 40 workloads each want 0.5 cores of p's 10: 20 can have them. Each store books
        // every other workload, both at once; three rounds, the rows cleared between them
        // (without the POP lock, PostgreSQL overbooked in about one round of three).
        for _ in 0..<3 {
            try first.recordBookings(names.map { Booking(workload: $0, footprints: [:]) }, now: 1_700_000_000)
            #expect(try first.bookedTotals().isEmpty)
            let outcomes = Outcomes()
            DispatchQueue.concurrentPerform(iterations: 2) { lane in
                let store = lane == 0 ? first : second
                for (i, name) in names.enumerated() where i % 2 == lane {
                    do {
                        outcomes.add(try store.book(Booking(workload: name, footprints: ["p": Self.amounts(0.5)]), now: 1_700_000_100))
                    } catch {
                        outcomes.fail("\(name): \(error)")
                    }
                }
            }
            #expect(outcomes.failures.isEmpty, "\(outcomes.failures)")
            #expect(outcomes.booked == 20, "20 of 40 bookings of 0.5 cores fit in 10 cores")
            #expect(outcomes.refused == 20)
            let total = try #require(try first.bookedTotals()["p"])
            #expect(total[.cpuCores] == 10)
        }
    }

    @Test("PostgreSQL: a scorer's start (syncFleet, POPs listed against id order) waits for a booking's POP locks instead of deadlocking with it",
          .enabled(if: PostgresTestServer.isAvailable))
    func fleetSyncLocksInIdOrder() throws {
        let url = try PostgresTestServer.freshDatabaseURL()
        let store = try HeadroomStore(location: url)
        try Self.prepare(store, workloads: [])   // p is created before q: p has the lower id
        let server = try PostgresTestServer.shared.get()
        // Another session locks the POPs as a booking does, in id order, slowly: p, then a
        // second and a half later q. The start syncs [q, p] meanwhile; had it locked q first
        // (the file's order), each would wait for the other and PostgreSQL would abort one.
        let booking = Process()
        booking.executableURL = URL(fileURLWithPath: server.binaries + "/psql")
        booking.arguments = [url, "-v", "ON_ERROR_STOP=1", "-q", "-c",
                             "BEGIN; SELECT id FROM pops WHERE name = 'p' FOR UPDATE; SELECT pg_sleep(1.5); "
                                 + "SELECT id FROM pops WHERE name = 'q' FOR UPDATE; COMMIT;"]
        let errors = Pipe()
        booking.standardOutput = FileHandle.nullDevice
        booking.standardError = errors
        try booking.run()
        usleep(500_000)
        var capacity = ResourceVector.absent
        capacity[.cpuCores] = 12
        #expect(throws: Never.self) {
            try store.syncFleet(pops: [.init(name: "q", capacity: .absent, pricePerHour: 2, strategies: [], status: .up),
                                       .init(name: "p", capacity: capacity, pricePerHour: 1, strategies: [], status: .up)], links: [])
        }
        booking.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(booking.terminationStatus == 0, "the booking session: \(stderr)")
        #expect(try store.pops().first { $0.name == "p" }?.capacity[.cpuCores] == 12)
    }

    final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var booked = 0, refused = 0
        private(set) var failures: [String] = []
        func add(_ outcome: HeadroomStore.BookingOutcome) {
            lock.lock(); defer { lock.unlock() }
            if outcome == .booked { booked += 1 } else { refused += 1 }
        }
        func fail(_ message: String) { lock.lock(); failures.append(message); lock.unlock() }
    }
}
