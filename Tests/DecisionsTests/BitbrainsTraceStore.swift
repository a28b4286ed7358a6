import Foundation
import Store
import Testing

/// A one-VM Bitbrains-format trace written to a temporary folder and imported through the
/// real importer into an in-memory store: the replay tests' worked-by-hand fixtures.
enum BitbrainsTraceStore {
    static let header = "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]"

    /// The store and the folder to remove afterwards. `row(t)` gives the fields after the
    /// timestamp (tab-separated, `;`-joined as Bitbrains writes them) for every `t` from
    /// `from` to `to` (exclusive) by `step`; the VM is named `vm`.
    static func make(_ tag: String, from: Int64, to: Int64, step: Int64 = 300, row: (Int64) -> String) throws -> (HeadroomStore, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("headroom-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var lines = [header]
        var t = from
        while t < to {
            lines.append("\(t);\t" + row(t))
            t += step
        }
        let path = directory.appendingPathComponent("vm.csv").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let store = try HeadroomStore()
        _ = try TraceImporter(store: store, format: .bitbrains, options: ImportOptions()).run(paths: [path])
        return (store, directory)
    }
}
