/// v1 `blkio.throttle.io_service_bytes[_recursive]`
/// (Documentation/admin-guide/cgroup-v1/blkio-controller.rst): bytes moved to and from
/// each block device, as lines `MAJ:MIN Op bytes` with Op in Read, Write, Sync, Async,
/// Discard, Total, and a final `Total bytes` line.
///
/// Read and Write are summed over devices. Caveat seen on Linux 6.x: the throttle
/// counters only advance once blk-throttle is active on the device's queue (some cgroup
/// has a `blkio.throttle.*_device` rule); without one the file reads `Total 0`.
public struct CgroupV1BlkioServiceBytes: Sendable, Hashable {
    public var readBytes: UInt64
    public var writeBytes: UInt64

    public init(readBytes: UInt64, writeBytes: UInt64) {
        self.readBytes = readBytes
        self.writeBytes = writeBytes
    }

    public init(parsing text: String, file: String = "blkio.throttle.io_service_bytes") throws(SamplingError) {
        self = try parseText(text, file: file) { (t) throws(SamplingError) in
            var read: UInt64 = 0, write: UInt64 = 0
            try t.forEachLine { (line) throws(SamplingError) in
                let f = line.tokens()
                if f.isEmpty { return }
                if f.count == 2 && f[0].equals("Total") {
                    _ = try line.unsigned(f, 1, field: "Total")
                    return
                }
                guard f.count == 3, f[0].range.contains(where: { f[0].bytes[$0] == TextBytes.colon }) else {
                    throw line.malformed(field: "device line", "expected \"MAJ:MIN Op bytes\", found \"\(line.text)\"")
                }
                let value = try line.unsigned(f, 2, field: "\(f[0].text) \(f[1].text)")
                if f[1].equals("Read") { read &+= value } else if f[1].equals("Write") { write &+= value }
            }
            return CgroupV1BlkioServiceBytes(readBytes: read, writeBytes: write)
        }
    }
}
