import Forecast
import Foundation
import Testing
@testable import Decisions
@testable import Scorer

@Suite("Fleet file (TOML)")
struct FleetTOMLTests {
    @Test("the example file parses: POPs, capacities, strategies, symmetric and asymmetric links")
    func exampleFile() throws {
        let fleet = try Fleet.load(path: ScorerTestSupport.examplePOPsPath)
        #expect(fleet.pops.map(\.name) == ["fra1", "ams1", "par1", "edge-lis"])
        let fra1 = try #require(fleet.pop(named: "fra1"))
        #expect(fra1.capacity.cpuCores == 32)
        #expect(fra1.capacity.memoryBytes == 137_438_953_472)
        #expect(fra1.pricePerHour == 0.48)
        #expect(fra1.strategies == [.live, .checkpointRestart, .partition])
        #expect(fra1.startupSeconds == 15)
        #expect(!fra1.down)
        let par1 = try #require(fleet.pop(named: "par1"))
        #expect(par1.capacity.diskReadBytesPerSecond.isNaN, "a missing resource is unconstrained")
        #expect(par1.strategies == [.checkpointRestart, .partition])
        #expect(fleet.pop(named: "edge-lis")?.down == true)
        // 5 declared links, one pair given in both directions: 8 directions.
        #expect(fleet.links.count == 8)
        #expect(fleet.link(from: "ams1", to: "fra1")?.bandwidthBytesPerSecond == 1_250_000_000)
        #expect(fleet.link(from: "fra1", to: "par1")?.bandwidthBytesPerSecond == 625_000_000)
        #expect(fleet.link(from: "par1", to: "fra1")?.bandwidthBytesPerSecond == 250_000_000)
        #expect(fleet.link(from: "fra1", to: "edge-lis") == nil, "no link: not reachable")
    }

    private func parse(_ toml: String) -> FleetError? {
        do {
            _ = try Fleet(toml: toml, source: "pops.toml")
            return nil
        } catch let error as FleetError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    private let onePOP = """
        [[pops]]
        name = "a"
        price_per_hour = 1
        strategies = ["live"]

        """

    @Test("a value of the wrong type names the file, the key path and the expected type")
    func wrongType() throws {
        let error = try #require(parse("""
            [[pops]]
            name = "a"
            price_per_hour = "cheap"
            strategies = []
            """))
        #expect(error == .wrongType(file: "pops.toml", keyPath: "pops[0].price_per_hour",
                                    expected: "a number (money units per hour)", found: "string"))
        #expect(error.description.contains("pops.toml"))
        #expect(error.description.contains("pops[0].price_per_hour"))
        let capacity = try #require(parse(onePOP + "[pops.capacity]\ncpu_cores = \"four\"\n"))
        #expect(capacity == .wrongType(file: "pops.toml", keyPath: "pops[0].capacity.cpu_cores", expected: "a number", found: "string"))
    }

    @Test("unknown keys in a POP, its capacity or a link are rejected; [agent] and [[workloads]] are ignored")
    func unknownKeys() throws {
        let inCapacity = try #require(parse(onePOP + "[pops.capacity]\ncpu = 4\n"))
        guard case .unknownKey(let file, let path, let expected) = inCapacity else { Issue.record("\(inCapacity)"); return }
        #expect(file == "pops.toml" && path == "pops[0].capacity.cpu")
        #expect(expected.contains("cpu_cores"))
        let inPOP = try #require(parse(onePOP + "startup = 3\n"))
        guard case .unknownKey(_, "pops[0].startup", _) = inPOP else { Issue.record("\(inPOP)"); return }
        let inLink = try #require(parse(onePOP + """
            [[pops]]
            name = "b"
            price_per_hour = 1
            strategies = []
            [[links]]
            from = "a"
            to = "b"
            bandwidth_bytes_per_second = 1e9
            latency_seconds = 0.01
            latency_ms = 10
            """))
        guard case .unknownKey(_, "links[0].latency_ms", _) = inLink else { Issue.record("\(inLink)"); return }
        let topLevel = try #require(parse(onePOP.replacingOccurrences(of: "[[pops]]", with: "[[pop]]")))
        guard case .unknownKey(_, "pop", _) = topLevel else { Issue.record("\(topLevel)"); return }
        #expect(parse("""
            [agent]
            pop = "a"
            cgroup_root = "/sys/fs/cgroup/headroom"
            [[workloads]]
            name = "etl"
            anything = 1
            """ + "\n" + onePOP) == nil)
    }

    @Test("duplicate POP names, links to unknown POPs and negative numbers are rejected")
    func validation() throws {
        let duplicate = try #require(parse(onePOP + onePOP))
        #expect(duplicate == .duplicatePOP(file: "pops.toml", keyPath: "pops[1].name", name: "a"))
        let unknown = try #require(parse(onePOP + """
            [[links]]
            from = "a"
            to = "zz"
            bandwidth_bytes_per_second = 1e9
            latency_seconds = 0.01
            """))
        #expect(unknown == .unknownPOP(file: "pops.toml", keyPath: "links[0].to", name: "zz", known: ["a"]))
        #expect(unknown.description.contains("\"zz\""))
        let negative = try #require(parse(onePOP + "[pops.capacity]\nmemory_bytes = -1\n"))
        guard case .invalidValue(_, "pops[0].capacity.memory_bytes", _) = negative else { Issue.record("\(negative)"); return }
        let strategy = try #require(parse(onePOP.replacingOccurrences(of: "[\"live\"]", with: "[\"live\", \"teleport\"]")))
        guard case .invalidValue(_, "pops[0].strategies[1]", _) = strategy else { Issue.record("\(strategy)"); return }
        let missing = try #require(parse("[[pops]]\nname = \"a\"\nstrategies = []\n"))
        guard case .missingKey(_, "pops[0].price_per_hour", _) = missing else { Issue.record("\(missing)"); return }
    }

    @Test("malformed TOML names the file and the line")
    func syntaxError() throws {
        let error = try #require(parse("""
            [[pops]]
            name = "a"
            price_per_hour = = 2
            strategies = []
            """))
        guard case .syntax(let file, let line, _, _) = error else { Issue.record("\(error)"); return }
        #expect(file == "pops.toml")
        #expect(line == 3)
        #expect(error.description.hasPrefix("pops.toml:3:"))
    }

    @Test("a missing file is reported with its path")
    func missingFile() {
        #expect(throws: FleetError.self) { try Fleet.load(path: "/nonexistent/pops.toml") }
    }
}
