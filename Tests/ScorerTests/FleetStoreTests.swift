import Forecast
import Foundation
import Testing
@testable import Decisions
@testable import Scorer
@testable import Store

@Suite("Fleet sync to the store")
struct FleetStoreTests {
    @Test("sync upserts pops and every link direction; a re-sync updates, keeps ids and drops removed links",
          arguments: ScorerTestSupport.Kind.allCases)
    func sync(_ kind: ScorerTestSupport.Kind) throws {
        let (store, directory) = try ScorerTestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fleet = try Fleet.load(path: ScorerTestSupport.examplePOPsPath)
        let ids = try fleet.sync(to: store)
        let (pops, links) = (try store.pops(), try store.popLinks())
        #expect(pops.count == 4)
        #expect(links.count == 8)
        let edge = try #require(pops.first { $0.name == "edge-lis" })
        #expect(edge.status == .down)
        let par1 = try #require(pops.first { $0.name == "par1" })
        #expect(par1.strategies == ["checkpoint_restart", "partition"])
        #expect(par1.capacity.cpuCores == 8 && par1.capacity.diskReadBytesPerSecond.isNaN)
        let slow = try #require(links.first { $0.fromPopId == ids["par1"] && $0.toPopId == ids["fra1"] })
        #expect(slow.bandwidthBytesPerSecond == 250_000_000)

        // Remove the ams1–par1 link, bring edge-lis up, change a price.
        var text = try String(contentsOfFile: ScorerTestSupport.examplePOPsPath, encoding: .utf8)
        text = text.replacingOccurrences(of: """
            [[links]]
            from = "ams1"
            to = "par1"
            bandwidth_bytes_per_second = 500_000_000
            latency_seconds = 0.012
            """, with: "")
        text = text.replacingOccurrences(of: "down = true", with: "down = false")
        text = text.replacingOccurrences(of: "price_per_hour = 0.30", with: "price_per_hour = 0.25")
        let changed = try Fleet(toml: text, source: "changed.toml")
        #expect(changed.links.count == 6)
        let again = try changed.sync(to: store)
        #expect(again == ids)
        let (pops2, links2) = (try store.pops(), try store.popLinks())
        #expect(pops2.count == 4)
        #expect(links2.count == 6)
        #expect(pops2.first { $0.name == "edge-lis" }?.status == .up)
        #expect(pops2.first { $0.name == "par1" }?.pricePerHour == 0.25)
    }
}
