import Foundation
import Testing

/// Paths of the committed fixtures (Fixtures/README.md says where each came from).
enum Fixture {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    static func path(_ relative: String) -> String {
        directory.appendingPathComponent(relative).path
    }

    static func text(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }
}
