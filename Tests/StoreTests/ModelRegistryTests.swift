import Forecast
import Foundation
import Testing
@testable import Store

@Suite("Model registry")
struct ModelRegistryTests {
    func bundle(_ value: Double) -> TensorBundle {
        var b = TensorBundle(metadata: ["kind": "arima", "schema_version": "1"])
        b.set("arima.w.cpu_cores.ar", doubles: [value, value / 2])
        b.set("arima.w.cpu_cores.order", ints: [2, 1, 0])
        return b
    }

    @Test("write, list, promote, roll back; a corrupt file is refused and the promoted version keeps serving",
          arguments: TestSupport.Kind.allCases)
    func lifecycle(_ kind: TestSupport.Kind) throws {
        let (store, directory) = try TestSupport.makeStore(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let registry = ModelRegistry(store: store, directory: directory.appendingPathComponent("models").path)
        let v1 = try registry.newVersionName(now: Date(timeIntervalSince1970: 1_000))
        #expect(v1 == "19700101T001640Z")
        try registry.write(family: "arima", version: v1, bundle: bundle(1), trainingFrom: 0, trainingTo: 10, metricsJSON: "{}")
        let v2 = try registry.newVersionName(now: Date(timeIntervalSince1970: 1_000))
        #expect(v2 == "19700101T001640Z-2")
        let record2 = try registry.write(family: "arima", version: v2, bundle: bundle(2), trainingFrom: 0, trainingTo: 20, metricsJSON: nil)
        #expect(try registry.list().count == 2)
        #expect(try registry.promotedVersion() == nil)

        try registry.promote(version: v1)
        #expect(try registry.promotedVersion() == v1)
        try registry.promote(version: v2)
        #expect(try registry.promoted(family: "arima")?.version == v2)
        #expect(try registry.load(record2).doubles("arima.w.cpu_cores.ar") == [2, 1])

        #expect(try registry.rollback() == v1)
        #expect(try registry.promotedVersion() == v1)
        #expect(throws: ModelFileError.self) { try registry.rollback() }   // v2 was rolled back: nothing older

        // Corrupt v2 on disk: loading and promoting it are refused, v1 stays promoted.
        let path = directory.appendingPathComponent("models").appendingPathComponent(record2.path).path
        var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        bytes[bytes.count - 1] ^= 0xFF
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        #expect(throws: ModelFileError.self) { try registry.load(record2) }
        do { try registry.promote(version: v2); Issue.record("promoted a corrupt version") } catch {
            #expect("\(error)".contains(path))
        }
        #expect(try registry.promotedVersion() == v1)
        try FileManager.default.removeItem(atPath: path)
        #expect(throws: ModelFileError.missing(path: path)) { try registry.load(record2) }
        #expect(throws: ModelFileError.unknownVersion("nope")) { try registry.promote(version: "nope") }
        // No temporary files are left behind.
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: directory.appendingPathComponent("models").path)
        #expect(!leftovers.contains { $0.contains(".tmp-") })
    }

    @Test("Python's safetensors package reads our files")
    func pythonInterop() throws {
        let python = ProcessInfo.processInfo.environment["HEADROOM_TEST_PYTHON"]
            ?? TestSupport.repositoryRoot.appendingPathComponent(".venv-test/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python),
                     "no Python with safetensors: run scripts/test.sh (it creates .venv-test), or set HEADROOM_TEST_PYTHON")
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try HeadroomStore()
        let registry = ModelRegistry(store: store, directory: directory.path)
        var b = bundle(0.75)
        b.set("lstm.w_ih", floats: (0..<12).map { Float($0) / 4 }, shape: [3, 4])
        let record = try registry.write(family: "arima", version: "v1", bundle: b, trainingFrom: nil, trainingTo: nil, metricsJSON: nil)
        let file = directory.appendingPathComponent(record.path).path
        let script = """
            import json, sys
            from safetensors import safe_open
            out = {}
            with safe_open(sys.argv[1], framework="numpy") as f:
                out["metadata"] = f.metadata()
                for k in f.keys():
                    t = f.get_tensor(k)
                    out[k] = {"dtype": str(t.dtype), "shape": list(t.shape), "values": t.ravel().tolist()}
            print(json.dumps(out))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, file]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        let ar = json["arima.w.cpu_cores.ar"] as? [String: Any]
        #expect(ar?["dtype"] as? String == "float64")
        #expect(ar?["values"] as? [Double] == [0.75, 0.375])
        let w = json["lstm.w_ih"] as? [String: Any]
        #expect(w?["dtype"] as? String == "float32")
        #expect(w?["shape"] as? [Int] == [3, 4])
        #expect((w?["values"] as? [Double])?.last == 2.75)
        #expect((json["arima.w.cpu_cores.order"] as? [String: Any])?["values"] as? [Int] == [2, 1, 0])
        let metadata = json["metadata"] as? [String: String]
        #expect(metadata?["kind"] == "arima")
        #expect(metadata?["sha256"]?.count == 64)
    }
}
