import Foundation

/// A throwaway PostgreSQL server from Debian's `postgresql` package, for the tests that run
/// the store against PostgreSQL: `initdb` into a fresh directory under /tmp, `postgres`
/// listening only on a Unix socket in that directory (no TCP), trust authentication for
/// its one role. One server per test process (`shared`), a fresh database per store
/// (`createDatabase`).
///
/// The server is started by a small shell watchdog that stops it (SIGINT, PostgreSQL's
/// fast shutdown) and removes the directory as soon as the test process is gone — however
/// it ends, crash included. As root the server runs as the `postgres` user (or `nobody`)
/// through `runuser`, since PostgreSQL refuses to run as root.
///
/// `tlsShared` is a second server for the store's TLS tests: it also listens on TCP on
/// 127.0.0.1 (a random port), with `ssl = on` and a self-signed certificate for `localhost`
/// made by `openssl` (`certificatePath`; `otherCertificatePath` is a second, unrelated one),
/// and its `pg_hba.conf` refuses TCP connections without TLS.
public final class PostgresTestServer: Sendable {
    /// The directory holding the data directory and the socket.
    public let directory: String
    /// The folder of Debian's server binaries (`initdb`, `postgres`, `createdb`, `pg_isready`).
    public let binaries: String
    /// The port (the socket's name, and the TCP port of the TLS server).
    public let port: Int
    public static let port = 5432
    public static let role = "headroom"
    /// The TLS server's certificate (its own CA), and an unrelated self-signed certificate.
    public var certificatePath: String { directory + "/server.crt" }
    public var otherCertificatePath: String { directory + "/other.crt" }

    /// Why the server could not start.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The folder of the newest installed server's binaries
    /// (`/usr/lib/postgresql/<major>/bin` with `initdb` and `postgres`), nil when there is none.
    public static let installedBinaries: String? = {
        let root = "/usr/lib/postgresql"
        let majors = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        for major in majors {
            let bin = "\(root)/\(major)/bin"
            if FileManager.default.isExecutableFile(atPath: bin + "/initdb"),
               FileManager.default.isExecutableFile(atPath: bin + "/postgres") { return bin }
        }
        return nil
    }()

    /// Whether PostgreSQL's server binaries are installed (`scripts/setup.sh` installs them).
    public static var isAvailable: Bool { installedBinaries != nil }

    /// The test process's server, started at first use.
    public static let shared: Result<PostgresTestServer, Failure> = {
        do { return .success(try PostgresTestServer()) } catch let failure as Failure { return .failure(failure) } catch {
            return .failure(Failure(description: "\(error)"))
        }
    }()

    /// The TLS server (see the type's comment), started at first use.
    public static let tlsShared: Result<PostgresTestServer, Failure> = {
        do { return .success(try PostgresTestServer(tls: true)) } catch let failure as Failure { return .failure(failure) } catch {
            return .failure(Failure(description: "\(error)"))
        }
    }()

    /// A new empty database on the shared server; its `postgres://` URL.
    public static func freshDatabaseURL() throws -> String {
        try shared.get().createDatabase()
    }

    /// A new empty database on the TLS server, reached over TCP at `localhost` with these
    /// `sslmode` and `sslrootcert` parameters.
    public static func freshTLSDatabaseURL(sslmode: String, rootCertificate: String? = nil) throws -> String {
        let server = try tlsShared.get()
        let socketURL = try server.createDatabase()
        let name = String((URLComponents(string: socketURL)?.path ?? "").dropFirst())
        return "postgres://\(role)@localhost:\(server.port)/\(name)?sslmode=\(sslmode)" + (rootCertificate.map { "&sslrootcert=\($0)" } ?? "")
    }

    private init(tls: Bool = false) throws {
        port = tls ? try TestProcess.freeLoopbackPort() : Self.port
        guard let binaries = Self.installedBinaries else {
            throw Failure(description: "PostgreSQL's server binaries are not installed (apt-get install postgresql)")
        }
        self.binaries = binaries
        // Short: a Unix socket path is limited to 107 bytes.
        directory = "/tmp/headroom-pg-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        var prefix: [String] = []
        if geteuid() == 0 {
            let user = getpwnam("postgres") != nil ? "postgres" : "nobody"
            guard let entry = getpwnam(user) else { throw Failure(description: "no postgres or nobody user to run the server as") }
            guard chown(directory, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
                throw Failure(description: "chown \(directory) to \(user): \(String(cString: strerror(errno)))")
            }
            let runuser = ["/usr/sbin/runuser", "/sbin/runuser"].first { FileManager.default.isExecutableFile(atPath: $0) }
            guard let runuser else { throw Failure(description: "running as root but runuser is not installed") }
            prefix = [runuser, "-u", user, "--"]
        }
        let initdb = try Self.run(prefix + [binaries + "/initdb", "-D", directory + "/data", "-U", Self.role, "-A", "trust",
                                             "--no-sync", "-E", "UTF8", "--locale=C"])
        guard initdb.status == 0 else { throw Failure(description: "initdb failed (\(initdb.status)): \(initdb.output)") }
        var listen = "-c listen_addresses="
        if tls {
            // A certificate for localhost (its own CA) and an unrelated one; TCP only with TLS.
            for name in ["server", "other"] {
                let made = try Self.run(["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                         "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).crt", "-subj", "/CN=localhost",
                                         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
                guard made.status == 0 else { throw Failure(description: "openssl req failed: \(made.output)") }
            }
            let hba = "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n"
            let hbaPath = directory + "/pg_hba.conf"
            guard FileManager.default.createFile(atPath: hbaPath, contents: Data(hba.utf8)) else {
                throw Failure(description: "cannot write \(hbaPath)")
            }
            let key = directory + "/server.key"
            chmod(key, 0o600)
            if geteuid() == 0, let owner = prefix.dropFirst(2).first, let entry = getpwnam(owner) {
                for file in [key, directory + "/server.crt", hbaPath] { chown(file, entry.pointee.pw_uid, entry.pointee.pw_gid) }
            }
            listen = "-c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=$2/server.crt -c ssl_key_file=$2/server.key -c hba_file=$2/pg_hba.conf"
        }
        let script = """
            "$1" -D "$2/data" -k "$2" -p \(port) \(listen) -c fsync=off -c synchronous_commit=off \
                -c full_page_writes=off >"$2/server.log" 2>&1 &
            server=$!
            while [ -d /proc/$3 ] && kill -0 $server 2>/dev/null; do sleep 0.2; done
            kill -INT $server 2>/dev/null; wait $server
            rm -rf "$2"
            """
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: prefix.first ?? "/bin/sh")
        watchdog.arguments = Array(prefix.dropFirst()) + (prefix.isEmpty ? [] : ["/bin/sh"])
            + ["-c", script, "watchdog", binaries + "/postgres", directory, "\(getpid())"]
        watchdog.currentDirectoryURL = URL(fileURLWithPath: "/tmp")
        watchdog.standardInput = FileHandle.nullDevice
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()
        let deadline = Date().addingTimeInterval(30)
        while true {
            let ready = try Self.run([binaries + "/pg_isready", "-q", "-h", directory, "-p", "\(port)"])
            if ready.status == 0 { break }
            if !watchdog.isRunning || Date() > deadline {
                let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? "(no log)"
                throw Failure(description: "the PostgreSQL server in \(directory) did not start: \(log)")
            }
            usleep(50_000)
        }
    }

    /// Creates an empty database with a new name; returns its URL
    /// (`postgres://headroom@/NAME?host=DIRECTORY`).
    public func createDatabase() throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let created = try Self.run([binaries + "/createdb", "-h", directory, "-p", "\(port)", "-U", Self.role, name])
        guard created.status == 0 else { throw Failure(description: "createdb \(name) failed: \(created.output)") }
        return "postgres://\(Self.role)@/\(name)?host=\(directory)"
    }

    private static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        // A directory the server's user can enter (initdb and postgres change to it).
        process.currentDirectoryURL = URL(fileURLWithPath: "/tmp")
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
