import Testing
@testable import Store

/// `--db` URLs: libpq's forms, parsed without a server; what is not understood is refused.
@Suite("PostgreSQL store URLs")
struct PostgresLocationTests {
    @Test("TCP, Unix socket (host= or an encoded path), defaults, and the password kept out of the description")
    func forms() throws {
        let tcp = try PostgresLocation(url: "postgres://headroom:s3cret@db.example:6543/fleet")
        #expect(tcp.endpoint == .tcp(host: "db.example", port: 6543))
        #expect(tcp.user == "headroom" && tcp.password == "s3cret" && tcp.database == "fleet")
        #expect(tcp.description == "postgres://headroom:***@db.example:6543/fleet")

        let socket = try PostgresLocation(url: "postgresql://me@/store?host=/run/postgresql")
        #expect(socket.endpoint == .unixSocket(path: "/run/postgresql/.s.PGSQL.5432"))
        #expect(socket.password == nil && socket.description == "postgres://me@/store?host=/run/postgresql")
        let encoded = try PostgresLocation(url: "postgres://me@%2Ftmp%2Fpg:5433/store")
        #expect(encoded.endpoint == .unixSocket(path: "/tmp/pg/.s.PGSQL.5433"))

        let defaults = try PostgresLocation(url: "postgres://localhost")
        #expect(defaults.endpoint == .tcp(host: "localhost", port: 5432))
        #expect(defaults.user == "postgres" && defaults.database == "postgres")
        #expect(try PostgresLocation(url: "postgres://u@h/d?sslmode=disable").tls == .disable)
        #expect(defaults.tls == .prefer, "libpq's default")
        let verified = try PostgresLocation(url: "postgres://u@db:6000/d?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        #expect(verified.tls == .verifyFull && verified.rootCertificatePath == "/etc/ca.pem")
        #expect(verified.description == "postgres://u@db:6000/d?sslmode=verify-full&sslrootcert=/etc/ca.pem", "the description reopens the same way")
        #expect(try PostgresLocation(url: verified.description) == verified)

        #expect(PostgresLocation.isURL("postgres://x") && PostgresLocation.isURL("postgresql://x"))
        #expect(!PostgresLocation.isURL("/var/lib/headroom/store.sqlite") && !PostgresLocation.isURL("postgres.sqlite"))
    }

    @Test("unsupported parameters and bad ports are refused naming the URL without its password")
    func refused() {
        for (url, words) in [("postgres://u:pw@h/d?sslmode=always", "sslmode=always is not one of disable, prefer, require, verify-ca, verify-full"),
                             ("postgres://u:pw@h/d?application_name=x", "application_name=x"),
                             ("postgres://u:pw@h:0/d", "port 0")] {
            do {
                _ = try PostgresLocation(url: url)
                Issue.record("accepted \(url)")
            } catch {
                let text = "\(error)"
                #expect(text.contains(words) && text.contains("u:***@") && !text.contains("pw@"), "\(text)")
            }
        }
    }
}
