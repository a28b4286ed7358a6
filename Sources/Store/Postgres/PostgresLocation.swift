import Foundation

/// A PostgreSQL store's address, parsed from a `postgres://` (or `postgresql://`) URL in
/// libpq's form: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, or a Unix socket as
/// `postgres://USER@/DATABASE?host=/socket/directory` (the directory holding
/// `.s.PGSQL.PORT`, as libpq's `host=` takes it). The user defaults to `postgres`, the
/// port to 5432, the database to the user's name.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// How the server is reached.
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        /// The socket file itself (`<directory>/.s.PGSQL.<port>`).
        case unixSocket(path: String)
    }

    /// TLS on a TCP connection, as libpq's `sslmode` names it (a Unix socket never uses TLS).
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, else plain; the certificate is not verified
        /// (libpq's default).
        case prefer
        /// TLS or no connection; the certificate is not verified (as libpq's `require`
        /// without a root certificate).
        case require
        /// TLS, the server's chain verified against `sslrootcert` (else the system's roots).
        case verifyCA = "verify-ca"
        /// As `verifyCA`, and the certificate must name the host connected to.
        case verifyFull = "verify-full"
    }

    public var endpoint: Endpoint
    public var user: String
    public var password: String?
    public var database: String
    /// `sslmode=` (default `prefer`, as libpq).
    public var tls: TLSMode = .prefer
    /// `sslrootcert=`: a PEM file of the certificate authorities `verify-ca` and
    /// `verify-full` trust (nil: the system's).
    public var rootCertificatePath: String?

    /// Whether `location` names a PostgreSQL store (rather than a SQLite file path).
    public static func isURL(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// Parses `url`.
    /// - Throws: `StoreError.invalidArgument` naming what is wrong (the scheme, the port, a
    ///   parameter this store does not understand: `host`, `sslmode` (`TLSMode`) and
    ///   `sslrootcert` are accepted).
    public init(url: String) throws {
        func refuse(_ why: String) -> StoreError {
            .invalidArgument("the store URL \(Self.redact(url)) is not usable: \(why); expected "
                             + "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE or postgres://USER@/DATABASE?host=/socket/directory")
        }
        guard Self.isURL(url), let components = URLComponents(string: url) else { throw refuse("it is not a postgres:// URL") }
        user = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        if user.isEmpty { user = "postgres" }
        password = components.password.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.removingPercentEncoding ?? path
        if database.isEmpty { database = user }
        if database.contains("/") { throw refuse("the database name \"\(database)\" contains a slash") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw refuse("port \(port) is not between 1 and 65535") }
        var socketDirectory: String?
        for item in components.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("host", let value): socketDirectory = value
            case ("sslmode", let value):
                guard let mode = TLSMode(rawValue: value) else {
                    throw refuse("sslmode=\(value) is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls = mode
            case ("sslrootcert", let value) where !value.isEmpty: rootCertificatePath = value
            case (let name, let value): throw refuse("parameter \(name)=\(value) is not supported (host=, sslmode=, sslrootcert=)")
            }
        }
        let host = (components.percentEncodedHost ?? "").removingPercentEncoding ?? ""
        if host.hasPrefix("/") { socketDirectory = host }
        if let directory = socketDirectory, directory.hasPrefix("/") {
            endpoint = .unixSocket(path: directory + "/.s.PGSQL.\(port)")
        } else if let directory = socketDirectory, !directory.isEmpty {
            endpoint = .tcp(host: directory, port: port)
        } else {
            endpoint = .tcp(host: host.isEmpty ? "localhost" : host, port: port)
        }
    }

    /// The URL without its password: what logs, errors and health reports show.
    public var description: String {
        let secret = password == nil ? "" : ":***"
        switch endpoint {
        case .tcp(let host, let port):
            // TLS settings other than the default, so that the description reopens the same way.
            var query: [String] = []
            if tls != .prefer { query.append("sslmode=\(tls.rawValue)") }
            if let root = rootCertificatePath { query.append("sslrootcert=\(root)") }
            return "postgres://\(user)\(secret)@\(host):\(port)/\(database)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        case .unixSocket(let path):
            let directory = (path as NSString).deletingLastPathComponent
            return "postgres://\(user)\(secret)@/\(database)?host=\(directory)"
        }
    }

    /// `url` with any password replaced by `***` (for messages about a URL that did not parse).
    static func redact(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at,
              let colon = url[scheme.upperBound..<at].firstIndex(of: ":") else { return url }
        return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
    }
}
