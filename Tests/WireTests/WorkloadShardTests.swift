import Resources
import Testing

@Suite("Workload shards")
struct WorkloadShardTests {
    @Test("FNV-1a of the name, mod n: the published test vectors and values worked by hand")
    func stableHash() {
        // FNV-1a 64 ("" → the offset basis 0xcbf29ce484222325, "a" → 0xaf63dc4c8601ec8c:
        // the reference vectors); "bb-1" → 0xb290289bb76d532b, "bb-6" → 0xb2902d9bb76d5baa
        // (worked with Python's integers: h ^= byte; h = h · 0x100000001b3 mod 2⁶⁴).
        #expect(WorkloadShard.index(of: "", count: 1 << 20) == Int(0xcbf2_9ce4_8422_2325 % UInt64(1 << 20)))
        #expect(WorkloadShard.index(of: "a", count: 1 << 20) == Int(0xaf63_dc4c_8601_ec8c % UInt64(1 << 20)))
        #expect(WorkloadShard.index(of: "bb-1", count: 4) == 3)
        #expect(WorkloadShard.index(of: "bb-6", count: 4) == 2)
        #expect(WorkloadShard.index(of: "bb-6", count: 1) == 0)
        let shard = try? WorkloadShard(parsing: "3/4")
        #expect(shard?.owns("bb-1") == true && shard?.owns("bb-6") == false)
        // Every name belongs to exactly one shard.
        let shards = (0..<3).compactMap { try? WorkloadShard(index: $0, count: 3) }
        for name in (0..<200).map({ "workload-\($0)" }) { #expect(shards.filter { $0.owns(name) }.count == 1) }
    }

    @Test("i/n parsing refuses what is not a shard")
    func parsing() {
        #expect((try? WorkloadShard(parsing: "0/1")) == (try? WorkloadShard(index: 0, count: 1)))
        #expect(throws: WorkloadShardError.outOfRange(index: 2, count: 2)) { try WorkloadShard(parsing: "2/2") }
        #expect(throws: WorkloadShardError.outOfRange(index: -1, count: 2)) { try WorkloadShard(parsing: "-1/2") }
        #expect(throws: WorkloadShardError.outOfRange(index: 0, count: 0)) { try WorkloadShard(parsing: "0/0") }
        for bad in ["", "1", "a/b", "1/2/3", "1/", "/2"] {
            #expect(throws: WorkloadShardError.malformed(bad)) { try WorkloadShard(parsing: bad) }
        }
    }
}
