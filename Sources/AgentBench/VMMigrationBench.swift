import Agent
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `agent-bench vm-migrate`: one QEMU pre-copy live migration of the project's guest
/// (scripts/build-guest.sh) between two local QEMU processes over a Unix socket, measured
/// by QEMU itself (`query-migrate`). Not a test; bench/vm/run.sh runs the grid for
/// BENCHMARKS.md.
///
/// Usage: agent-bench vm-migrate --guest DIR --memory-mib M [--fill-mib F] [--dirty-kib D]
///        [--bandwidth BYTES_PER_S | --qemu-defaults] [--downtime-ms T]
/// The guest writes F MiB of random data (default 40 % of M), then every 100 ms rewrites D
/// KiB of it (its dirty rate); the migration starts once it beats. `--qemu-defaults` leaves
/// QEMU's own parameters (7.2: downtime-limit 300 ms, max-bandwidth 128 MiB/s); otherwise the
/// agent's: downtime-limit T (300) ms and max-bandwidth BYTES_PER_S (default 1 GB/s, the
/// fleet link's role). One JSON line: memory, fill, dirty, parameters, status, total_ms,
/// downtime_ms, transferred_bytes, dirty_bytes_per_second (QEMU's last measure), rounds.
enum VMMigrationBench {
    static func run(_ arguments: [String]) -> Int32 {
        var guest: String?, memory = 256, fill: Int?, dirty = 0, bandwidth = 1e9, defaults = false, downtime = 300
        var i = 0
        func value() -> String? { i + 1 < arguments.count ? arguments[i + 1] : nil }
        while i < arguments.count {
            switch arguments[i] {
            case "--guest": guest = value(); i += 2
            case "--memory-mib": memory = Int(value() ?? "") ?? -1; i += 2
            case "--fill-mib": fill = Int(value() ?? ""); i += 2
            case "--dirty-kib": dirty = Int(value() ?? "") ?? -1; i += 2
            case "--bandwidth": bandwidth = Double(value() ?? "") ?? -1; i += 2
            case "--downtime-ms": downtime = Int(value() ?? "") ?? -1; i += 2
            case "--qemu-defaults": defaults = true; i += 1
            default: i = arguments.count + 1
            }
        }
        guard i == arguments.count, let guest, memory >= 64, dirty >= 0, bandwidth > 0, downtime > 0 else {
            FileHandle.standardError.write(Data("usage: agent-bench vm-migrate --guest DIR --memory-mib M [--fill-mib F] [--dirty-kib D] [--bandwidth B | --qemu-defaults] [--downtime-ms T]\n".utf8))
            return 2
        }
        let fillMiB = fill ?? memory * 2 / 5
        let scratch = "/tmp/hr-vmbench-\(getpid())"
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let spec = VMSpec(kernel: "\(guest)/vmlinux", initrd: "\(guest)/initrd.cpio.gz", memoryMiB: memory,
                          append: "hr.beats=0 hr.start_mib=\(fillMiB) hr.dirty_kib=\(dirty) hr.max_mib=\(fillMiB)")
        let accelerator = QEMUAccelerator.resolve(.auto)
        func line(_ name: String, incoming: Bool) -> QEMUCommandLine {
            QEMUCommandLine(spec: spec, name: name, accelerator: accelerator.accelerator, qmpSocket: "\(scratch)/\(name).qmp",
                            outputPath: "\(scratch)/out.serial", consolePath: "\(scratch)/console", incoming: incoming)
        }
        var processes: [LaunchedProcess] = []
        defer { for p in processes { p.signal(SIGKILL); _ = p.wait(timeoutSeconds: 5) } }
        do {
            let source = try ProcessSpawner.spawn(line("src", incoming: false).argv, environment: ProcessInfo.processInfo.environment, logPath: "\(scratch)/src.log")
            processes.append(source)
            let sourceQMP = try QMPClient.connect(path: "\(scratch)/src.qmp", timeoutSeconds: 30, alive: { source.isRunning })
            // Wait for the guest to have filled its memory and to beat.
            let deadline = MonotonicClock.seconds() + 600
            while MonotonicClock.seconds() < deadline {
                if let data = FileManager.default.contents(atPath: "\(scratch)/out.serial"), data.filter({ $0 == 10 }).count >= 3 { break }
                usleep(100_000)
            }
            let target = try ProcessSpawner.spawn(line("dst", incoming: true).argv, environment: ProcessInfo.processInfo.environment, logPath: "\(scratch)/dst.log")
            processes.append(target)
            let targetQMP = try QMPClient.connect(path: "\(scratch)/dst.qmp", timeoutSeconds: 30, alive: { target.isRunning })
            try targetQMP.execute("migrate-incoming", arguments: ["uri": "unix:\(scratch)/m.sock"])
            if !defaults { try sourceQMP.execute("migrate-set-parameters", arguments: ["downtime-limit": downtime, "max-bandwidth": Int64(bandwidth)]) }
            try sourceQMP.execute("migrate", arguments: ["uri": "unix:\(scratch)/m.sock"])
            var info = try sourceQMP.migration()
            var lastDirty = 0.0, rounds: Int64 = 0
            let stop = MonotonicClock.seconds() + 300
            while ["setup", "active", "device", "pre-switchover"].contains(info.status ?? "") || info.status == nil, MonotonicClock.seconds() < stop {
                usleep(100_000)
                info = try sourceQMP.migration()
                if let ram = info.ram, ram.dirtyBytesPerSecond > 0 { lastDirty = ram.dirtyBytesPerSecond }
                rounds = info.ram?.dirtySyncCount ?? rounds
            }
            if info.status != "completed" { _ = try? sourceQMP.execute("migrate_cancel") }
            // Once seen: a completed answer without its times, read a moment after the switch-over.
            if info.status == "completed", (info.totalTimeMilliseconds ?? 0) == 0 {
                usleep(200_000)
                info = try sourceQMP.migration()
            }
            let object: [String: Any] = [
                "accelerator": accelerator.accelerator.rawValue, "memory_mib": memory, "fill_mib": fillMiB, "dirty_kib_per_100ms": dirty,
                "parameters": defaults ? "qemu-defaults" : "agent (downtime-limit \(downtime) ms, max-bandwidth \(Int64(bandwidth)) B/s)",
                "status": info.status ?? "none", "total_ms": info.totalTimeMilliseconds ?? -1, "downtime_ms": info.downtimeMilliseconds ?? -1,
                "transferred_bytes": info.ram?.transferredBytes ?? -1, "dirty_bytes_per_second": Int64(lastDirty), "rounds": rounds,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return info.status == "completed" ? 0 : 1
        } catch {
            FileHandle.standardError.write(Data("vm-migrate: \(error) (logs in \(scratch))\n".utf8))
            return 1
        }
    }
}
