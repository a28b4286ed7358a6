import Foundation
import HeadroomTestSupport
import Testing

/// `headroom-trainer import --format prometheus` refusing what it cannot use, through the real
/// binary: each is a message naming the option or the file and key, exit 64 (a refused option)
/// or 1, and nothing written. (The import itself runs against a real Prometheus in
/// ScorerTests' PrometheusRemoteWriteTests.)
@Suite("headroom-trainer import --format prometheus: refusals", .serialized)
struct PrometheusImportCLITests {
    @Test func optionsAndMappingAreCheckedBeforeAnyQuery() throws {
        let directory = TestProcess.temporaryDirectory(prefix: "headroom-prom-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("s.sqlite").path
        let mapping = TestProcess.repositoryRoot.appendingPathComponent("config/prometheus/node-exporter.toml").path
        let base = ["import", "--db", db, "--format", "prometheus", "--quiet"]
        let window = ["--from", "2026-01-01T00:00:00Z", "--to", "2026-01-02T00:00:00Z"]

        let noURL = try TestProcess.run("headroom-trainer", base + ["--mapping", mapping] + window)
        #expect(noURL.status == 64 && noURL.stderr.contains("--url"), "\(noURL.stderr)")
        let badStep = try TestProcess.run("headroom-trainer", base + ["--url", "http://127.0.0.1:1", "--mapping", mapping, "--step", "5 minutes"] + window)
        #expect(badStep.status == 64 && badStep.stderr.contains("--step"), "\(badStep.stderr)")
        let files = try TestProcess.run("headroom-trainer", base + ["--url", "http://127.0.0.1:1", "--mapping", mapping] + window + [mapping])
        #expect(files.status == 64 && files.stderr.contains("not files"), "\(files.stderr)")

        let broken = directory.appendingPathComponent("broken.toml").path
        try "[[metrics]]\nmetric = \"up\"\nresource = \"cpu_cores\"\nkind = \"gauge\"\nworkload = \"{instance\"\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let badMapping = try TestProcess.run("headroom-trainer", base + ["--url", "http://127.0.0.1:1", "--mapping", broken] + window)
        #expect(badMapping.status == 1 && badMapping.stderr.contains("\(broken): metrics[0].workload: expected a label template"), "\(badMapping.stderr)")

        // Nothing listens on port 1: retried, then a message saying how to resume.
        let down = try TestProcess.run("headroom-trainer", base + ["--url", "http://127.0.0.1:1", "--mapping", mapping, "--retries", "1"] + window)
        #expect(down.status == 1 && down.stderr.contains("after 1 retries; run the import again to resume"), "\(down.stderr)")
    }
}
