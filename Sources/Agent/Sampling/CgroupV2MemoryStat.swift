/// v2 `memory.stat` (Documentation/admin-guide/cgroup-v2.rst, "Memory Interface Files"),
/// bytes, hierarchical. Entries may appear in any order and new ones in the middle, so
/// they are looked up by key.
public struct CgroupV2MemoryStat: Sendable, Hashable {
    /// `anon`: anonymous mappings (brk, sbrk, mmap(MAP_ANONYMOUS)).
    public var anonBytes: UInt64
    /// `file`: filesystem cache, tmpfs and shared memory included.
    public var fileBytes: UInt64
    /// `shmem`: the swap-backed part of `file` (tmpfs, shm segments, shared anonymous mmaps).
    public var shmemBytes: UInt64?

    public init(anonBytes: UInt64, fileBytes: UInt64, shmemBytes: UInt64? = nil) {
        self.anonBytes = anonBytes
        self.fileBytes = fileBytes
        self.shmemBytes = shmemBytes
    }

    public init(parsing text: String, file: String = "memory.stat") throws(SamplingError) {
        self = try parseText(text, file: file) { (t) throws(SamplingError) in
            var anon: UInt64?, fileBytes: UInt64?, shmem: UInt64?
            try t.forEachKeyValue { (key, value) throws(SamplingError) in
                if key.equals("anon") { anon = value }
                else if key.equals("file") { fileBytes = value }
                else if key.equals("shmem") { shmem = value }
            }
            guard let anon else { throw t.malformed(line: 1, field: "anon", "missing from the file") }
            guard let fileBytes else { throw t.malformed(line: 2, field: "file", "missing from the file") }
            return CgroupV2MemoryStat(anonBytes: anon, fileBytes: fileBytes, shmemBytes: shmem)
        }
    }
}
