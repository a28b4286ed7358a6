import ArgumentParser
import Decisions
import FleetFile
import Forecast
import Store

/// `headroom-scorer fleet check|sync --pops FILE`: validates a fleet file and prints it,
/// or writes it into the store.
struct FleetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet", abstract: "Validates the POP fleet file or syncs it into the store.",
        subcommands: [Check.self, Sync.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validates a fleet file and prints its POPs and links.")

        @Option(name: .customLong("pops"), help: "Path of the fleet TOML file (see config/pops.example.toml).")
        var path: String

        func run() throws {
            let fleet = try FleetCommand.load(path)
            for pop in fleet.pops {
                let capacity = Resource.allCases.filter { !pop.capacity[$0].isNaN }
                    .map { "\($0.snakeCaseName)=\(pop.capacity[$0])" }.joined(separator: " ")
                print("pop \(pop.name)\(pop.down ? " (down)" : ""): price_per_hour=\(pop.pricePerHour) "
                      + "startup_seconds=\(pop.startupSeconds) strategies=[\(pop.strategies.sorted().map(\.rawValue).joined(separator: ","))] "
                      + (capacity.isEmpty ? "capacity unconstrained" : capacity))
            }
            for link in fleet.links {
                print("link \(link.from) → \(link.to): bandwidth_bytes_per_second=\(link.bandwidthBytesPerSecond) latency_seconds=\(link.latencySeconds)")
            }
            print("\(fleet.pops.count) POPs, \(fleet.links.count) link directions: OK")
        }
    }

    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Writes the fleet's POPs and links into the store.")

        @Option(name: .customLong("pops"), help: "Path of the fleet TOML file.")
        var path: String

        @Option(name: .customLong("db"), help: "The store: a SQLite file path or a postgres:// URL.")
        var databasePath: String

        func run() throws {
            let fleet = try FleetCommand.load(path)
            let ids = try fleet.sync(to: try HeadroomStore(location: databasePath))
            print("synced \(ids.count) POPs and \(fleet.links.count) link directions into \(databasePath)")
        }
    }

    /// Loads the file, turning a `FleetError` into a plain validation error (no stack of
    /// type names in the user's terminal).
    static func load(_ path: String) throws -> Fleet {
        do {
            return try Fleet.load(path: path)
        } catch let error as FleetError {
            throw ValidationError(error.description)
        }
    }
}
