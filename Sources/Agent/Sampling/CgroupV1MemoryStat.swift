/// v1 `memory.stat` (Documentation/admin-guide/cgroup-v1/memory.rst, section 5.2), bytes.
///
/// The plain keys count this cgroup alone; the `total_` keys include its descendants
/// (present when the kernel reports hierarchy, which every kernel since 3.x does).
public struct CgroupV1MemoryStat: Sendable, Hashable {
    /// `rss`: anonymous and swap cache memory (not tmpfs/shmem).
    public var rssBytes: UInt64
    /// `cache`: page cache, tmpfs/shmem included.
    public var cacheBytes: UInt64
    /// `total_rss`: `rss` of this cgroup and its descendants.
    public var totalRSSBytes: UInt64?
    /// `total_cache`: `cache` of this cgroup and its descendants.
    public var totalCacheBytes: UInt64?
    /// `total_inactive_file`: reclaimable page cache of the subtree (cAdvisor's working set
    /// is usage minus this).
    public var totalInactiveFileBytes: UInt64?

    public init(rssBytes: UInt64, cacheBytes: UInt64, totalRSSBytes: UInt64? = nil,
                totalCacheBytes: UInt64? = nil, totalInactiveFileBytes: UInt64? = nil) {
        self.rssBytes = rssBytes
        self.cacheBytes = cacheBytes
        self.totalRSSBytes = totalRSSBytes
        self.totalCacheBytes = totalCacheBytes
        self.totalInactiveFileBytes = totalInactiveFileBytes
    }

    /// The hierarchical page cache when reported, else this cgroup's own.
    public var subtreeCacheBytes: UInt64 { totalCacheBytes ?? cacheBytes }

    public init(parsing text: String, file: String = "memory.stat") throws(SamplingError) {
        self = try parseText(text, file: file) { (t) throws(SamplingError) in
            var rss: UInt64?, cache: UInt64?, totalRSS: UInt64?, totalCache: UInt64?, inactiveFile: UInt64?
            try t.forEachKeyValue { (key, value) throws(SamplingError) in
                if key.equals("rss") { rss = value }
                else if key.equals("cache") { cache = value }
                else if key.equals("total_rss") { totalRSS = value }
                else if key.equals("total_cache") { totalCache = value }
                else if key.equals("total_inactive_file") { inactiveFile = value }
            }
            guard let rss else { throw t.malformed(line: 1, field: "rss", "missing from the file") }
            guard let cache else { throw t.malformed(line: 1, field: "cache", "missing from the file") }
            return CgroupV1MemoryStat(rssBytes: rss, cacheBytes: cache, totalRSSBytes: totalRSS,
                                      totalCacheBytes: totalCache, totalInactiveFileBytes: inactiveFile)
        }
    }
}
