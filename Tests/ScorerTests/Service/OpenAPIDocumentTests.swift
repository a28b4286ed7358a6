import Foundation
import Hummingbird
import HummingbirdTesting
@testable import Scorer
import Testing

/// `GET /openapi.yaml` serves the embedded document; it is valid YAML describing every route.
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    @Test("served without a token, and it lists every route with its method (checked by PyYAML)")
    func served() async throws {
        let h = try await ServiceHarness.make()
        try await h.application().test(.router) { client in
            let response = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == OpenAPIDocument.yaml)
            let trace = try await client.execute(uri: "/v1/agents/ams1/commands", method: .delete)
            #expect(trace.status == .methodNotAllowed && trace.headers[.allow] == "GET")
            let unknown = try await client.execute(uri: "/v1/nothing", method: .get)
            #expect(unknown.status == .notFound && String(buffer: unknown.body).contains("openapi.yaml"))
        }
        let file = ScorerFixture.temporaryDirectory().appendingPathComponent("openapi.yaml")
        try OpenAPIDocument.yaml.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import json, sys, yaml
            doc = yaml.safe_load(open(sys.argv[1]))
            assert doc["openapi"].startswith("3."), doc["openapi"]
            print(json.dumps(sorted((p, m) for p, ops in doc["paths"].items() for m in ops)))
            """, file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 with PyYAML could not read the document")
        let listed = try #require(try JSONSerialization.jsonObject(with: output) as? [[String]]).map { "\($0[0]) \($0[1])" }
        #expect(Set(listed) == Set(ScorerRoutes.table.map { "\($0.path) \($0.method)" }))
    }
}
