import Foundation
import HeadroomTestSupport
import Testing
@testable import Store

/// The store over TCP with TLS (`sslmode`), against a real server whose `pg_hba.conf` refuses
/// TCP without TLS (`PostgresTestServer.tlsShared`: `ssl = on`, a self-signed certificate for
/// localhost). Each connection's encryption is read back from the server's `pg_stat_ssl`.
@Suite("Store: PostgreSQL over TLS", .serialized,
       .enabled(if: PostgresTestServer.isAvailable && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"),
                "needs PostgreSQL's server binaries and openssl"))
struct PostgresTLSTests {
    static func encrypted(_ store: HeadroomStore) throws -> Bool {
        try store.scalarCount("SELECT COUNT(*) FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl") == 1
    }

    @Test("require and prefer encrypt; verify-full passes with the server's CA and fails with another; disable is refused by the server")
    func modes() throws {
        let server = try PostgresTestServer.tlsShared.get()
        for mode in ["require", "prefer"] {
            let store = try HeadroomStore(location: try PostgresTestServer.freshTLSDatabaseURL(sslmode: mode))
            #expect(try Self.encrypted(store), "\(mode)")
            _ = try store.append(samples: [IncomingSample(workload: "w", timestamp: 1_700_000_000, values: [1, 2, .nan, .nan, .nan, .nan])],
                                 now: 1_700_000_000)
            #expect(try store.workload(named: "w") != nil)
        }
        let verified = try HeadroomStore(location: try PostgresTestServer.freshTLSDatabaseURL(sslmode: "verify-full",
                                                                                            rootCertificate: server.certificatePath))
        #expect(try Self.encrypted(verified))
        let verifiedCA = try HeadroomStore(location: try PostgresTestServer.freshTLSDatabaseURL(sslmode: "verify-ca",
                                                                                              rootCertificate: server.certificatePath))
        #expect(try Self.encrypted(verifiedCA))

        let wrongCA = try PostgresTestServer.freshTLSDatabaseURL(sslmode: "verify-full", rootCertificate: server.otherCertificatePath)
        do {
            _ = try HeadroomStore(location: wrongCA)
            Issue.record("a server certificate signed by no trusted CA was accepted")
        } catch let error as StoreError {
            guard case .cannotOpen(let path, _) = error else { Issue.record("\(error)"); return }
            #expect(path.contains("sslmode=verify-full"), "\(path)")
        }
        let plain = try PostgresTestServer.freshTLSDatabaseURL(sslmode: "disable")
        #expect(throws: StoreError.self, "the server's pg_hba.conf refuses TCP without TLS") { try HeadroomStore(location: plain) }
        #expect(throws: StoreError.self, "an unreadable sslrootcert names the file") {
            try HeadroomStore(location: try PostgresTestServer.freshTLSDatabaseURL(sslmode: "verify-full", rootCertificate: "/nonexistent/ca.pem"))
        }
    }
}
