import Agent
import Foundation
import HeadroomTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The guest the VM tests boot (scripts/build-guest.sh, cached under `.build/guest`) and the
/// helpers to watch its serial output.
enum VMTestSupport {
    static var qemu: String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/qemu-system-x86_64"
            if access(path, X_OK) == 0 { return path }
        }
        return nil
    }

    /// QEMU and busybox-static are installed (scripts/setup.sh).
    static var available: Bool { qemu != nil && access("/bin/busybox", X_OK) == 0 }

    /// Root, cgroup v1 (as `LiveRuntime`), QEMU: the VM runtime can run for real.
    static var liveAvailable: Bool { available && LiveRuntime.available }

    struct GuestBuildFailed: Error, CustomStringConvertible { var description: String }

    /// Builds (once; cached) the guest and returns its kernel and initrd.
    static func guest() throws -> (kernel: String, initrd: String) {
        let out = TestProcess.repositoryRoot.appendingPathComponent(".build/guest").path
        let result = try ProcessSpawner.run([TestProcess.repositoryRoot.appendingPathComponent("scripts/build-guest.sh").path, out])
        guard result.status == 0 else { throw GuestBuildFailed(description: "scripts/build-guest.sh failed: \(result.output)") }
        return ("\(out)/vmlinux", "\(out)/initrd.cpio.gz")
    }

    static func spec(beats: Int, growKiB: Int = 0, dirtyKiB: Int = 0, memoryMiB: Int = 128, extra: String = "") throws -> VMSpec {
        let guest = try guest()
        return VMSpec(kernel: guest.kernel, initrd: guest.initrd, vcpus: 1, memoryMiB: memoryMiB,
                      append: "hr.beats=\(beats) hr.grow_kib=\(growKiB) hr.dirty_kib=\(dirtyKiB) hr.max_mib=48\(extra.isEmpty ? "" : " " + extra)")
    }

    /// Waits until `path` holds at least `lines` lines (or `timeoutSeconds`); true if it does.
    static func waitForLines(_ path: String, _ lines: Int, timeoutSeconds: Double) -> Bool {
        let deadline = MonotonicClock.seconds() + timeoutSeconds
        while MonotonicClock.seconds() < deadline {
            if let data = FileManager.default.contents(atPath: path), data.filter({ $0 == UInt8(ascii: "\n") }).count >= lines { return true }
            usleep(50_000)
        }
        return false
    }
}

/// Watches a serial output file from another thread, stamping each new line with the
/// monotonic time it appeared (polled every 5 ms): the host's view of the guest's heartbeat.
final class SerialWatcher: @unchecked Sendable {
    let path: String
    private let lock = NSLock()
    private var stamps: [Double] = []
    private var stopped = false
    private var thread: Thread?

    init(path: String) { self.path = path }

    func start() {
        let thread = Thread { [self] in
            var seen = 0
            while !self.isStopped {
                if let data = FileManager.default.contents(atPath: self.path) {
                    let lines = data.filter { $0 == UInt8(ascii: "\n") }.count
                    if lines > seen {
                        let now = MonotonicClock.seconds()
                        self.lock.lock()
                        self.stamps += Array(repeating: now, count: lines - seen)
                        self.lock.unlock()
                        seen = lines
                    }
                }
                usleep(5_000)
            }
        }
        self.thread = thread
        thread.start()
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    func stop() { lock.lock(); stopped = true; lock.unlock(); usleep(20_000) }

    /// Arrival times of the lines seen so far.
    var arrivals: [Double] { lock.lock(); defer { lock.unlock() }; return stamps }

    /// The longest time between two consecutive lines' arrivals (seconds).
    var longestGap: Double {
        let a = arrivals
        return zip(a.dropFirst(), a).map { $0 - $1 }.max() ?? 0
    }
}
