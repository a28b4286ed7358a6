import Foundation
import TOMLKit

/// The credentials file (`--credentials FILE`, TOML; keep it mode 0600):
///
/// ```toml
/// [[credentials]]
/// role = "operator"                  # operator | agent | reader
/// token_file = "/etc/headroom/operator.token"
///
/// [[credentials]]
/// role = "agent"
/// pops = ["ams1", "fra1"]            # required for agents: the POPs that agent runs
/// token = "…"                        # the token itself, or token_file (one of the two)
///
/// [[credentials]]
/// role = "reader"
/// token_file = "/etc/headroom/dashboard.token"
/// ```
///
/// A `token_file` path is relative to the credentials file's directory; surrounding
/// whitespace is trimmed. Unknown keys, an unknown role, an agent without POPs or naming a
/// POP the fleet does not declare, a short or repeated token: all refused, naming the
/// entry (`credentials[1].pops[0]`).
extension Credentials {
    static let entryKeys = ["role", "token", "token_file", "pops"]

    /// Reads `path` and adds every credential in it.
    /// - Parameter fleetPOPs: the POPs the fleet declares (an agent's `pops` must be among them).
    /// - Throws: `CredentialsFileError` naming the file and entry.
    mutating func load(path: String, fleetPOPs: Set<String>) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CredentialsFileError(file: path, message: "cannot read it (\(error.localizedDescription))")
        }
        try load(toml: text, source: path, fleetPOPs: fleetPOPs)
    }

    /// Parses a credentials file's text; `source` names it in messages and anchors relative
    /// `token_file` paths.
    mutating func load(toml text: String, source: String, fleetPOPs: Set<String>) throws {
        func fail(_ message: String) -> CredentialsFileError { CredentialsFileError(file: source, message: message) }
        let root: TOMLTable
        do { root = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw fail("line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        }
        for key in root.keys.sorted() where key != "credentials" {
            throw fail("unknown key \"\(key)\" at the top level; expected [[credentials]] tables")
        }
        guard let value = root["credentials"] else { return }
        guard let array = value.array else { throw fail("credentials: expected an array of tables ([[credentials]])") }
        let directory = URL(fileURLWithPath: source).deletingLastPathComponent()
        for (i, element) in array.enumerated() {
            let at = "credentials[\(i)]"
            guard let table = element.table else { throw fail("\(at): expected a table") }
            for key in table.keys.sorted() where !Self.entryKeys.contains(key) {
                throw fail("\(at).\(key): unknown key; expected \(Self.entryKeys.joined(separator: ", "))")
            }
            guard let roleName = table["role"]?.string else { throw fail("\(at).role: expected \"operator\", \"agent\" or \"reader\"") }
            let pops = try table["pops"].map { value -> [String] in
                guard let list = value.array else { throw fail("\(at).pops: expected an array of POP names") }
                return try list.enumerated().map { j, element in
                    guard let name = element.string else { throw fail("\(at).pops[\(j)]: expected a string") }
                    guard fleetPOPs.contains(name) else {
                        throw fail("\(at).pops[\(j)]: unknown POP \"\(name)\"; the fleet file declares \(fleetPOPs.sorted().joined(separator: ", "))")
                    }
                    return name
                }
            }
            let role: Role
            switch roleName {
            case "operator", "reader":
                guard pops == nil else { throw fail("\(at).pops: only an agent credential has POPs") }
                role = roleName == "operator" ? .operator : .reader
            case "agent":
                guard let pops, !pops.isEmpty else { throw fail("\(at).pops: an agent credential needs the POPs its agent runs") }
                role = .agent(pops: Set(pops))
            default:
                throw fail("\(at).role: \"\(roleName)\"; expected \"operator\", \"agent\" or \"reader\"")
            }
            let token: String
            switch (table["token"], table["token_file"]) {
            case let (inline?, nil):
                guard let text = inline.string else { throw fail("\(at).token: expected a string") }
                token = text
            case let (nil, file?):
                guard let name = file.string else { throw fail("\(at).token_file: expected a path") }
                let url = name.hasPrefix("/") ? URL(fileURLWithPath: name) : directory.appendingPathComponent(name)
                do { token = try String(contentsOf: url, encoding: .utf8) } catch {
                    throw fail("\(at).token_file \(url.path): cannot read it (\(error.localizedDescription))")
                }
            default:
                throw fail("\(at): give exactly one of token and token_file")
            }
            do { try add(token: token.trimmingCharacters(in: .whitespacesAndNewlines), role: role, name: at) } catch {
                throw fail("\(error)")
            }
        }
    }
}

/// A credentials file that cannot be used, naming the file and the entry.
struct CredentialsFileError: Error, CustomStringConvertible {
    var file: String
    var message: String
    var description: String { "credentials file \(file): \(message)" }
}
