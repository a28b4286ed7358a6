@testable import Agent
import Foundation
import Testing

/// The CRIU argument vectors, the pre-dump stopping rule, CRIU's error lines and the image
/// copy: pure (or a temporary directory), no CRIU needed.
@Suite("CRIU: argument vectors, pre-dump rule, logs, image copies")
struct CRIUArgumentsTests {
    let arguments = CRIUArguments(executable: "/usr/sbin/criu")

    @Test("pre-dump tracks memory and chains to the previous iteration only when there is one")
    func preDump() {
        #expect(arguments.preDump(pid: 4242, imagesDirectory: "/s/1", previous: nil)
            == ["/usr/sbin/criu", "pre-dump", "--tree", "4242", "--images-dir", "/s/1", "--track-mem", "--shell-job", "--manage-cgroups=ignore"])
        #expect(arguments.preDump(pid: 4242, imagesDirectory: "/s/2", previous: "../1")
            == ["/usr/sbin/criu", "pre-dump", "--tree", "4242", "--images-dir", "/s/2", "--track-mem", "--prev-images-dir", "../1",
                "--shell-job", "--manage-cgroups=ignore"])
    }

    @Test("dump leaves the tree stopped; on top of a pre-dump it tracks memory against it")
    func dump() {
        #expect(CRIUArguments().dump(pid: 7, imagesDirectory: "/s/final", previous: nil)
            == ["criu", "dump", "--tree", "7", "--images-dir", "/s/final", "--leave-stopped", "--shell-job", "--manage-cgroups=ignore"])
        #expect(arguments.dump(pid: 7, imagesDirectory: "/s/final", previous: "../3")
            == ["/usr/sbin/criu", "dump", "--tree", "7", "--images-dir", "/s/final", "--leave-stopped", "--track-mem", "--prev-images-dir",
                "../3", "--shell-job", "--manage-cgroups=ignore"])
    }

    @Test("restore detaches, makes the root the agent's child and writes its pid")
    func restore() {
        #expect(arguments.restore(imagesDirectory: "/t/final", pidFile: "/t/restore.pid")
            == ["/usr/sbin/criu", "restore", "--images-dir", "/t/final", "--restore-detached", "--restore-sibling", "--pidfile", "/t/restore.pid",
                "--shell-job", "--manage-cgroups=ignore"])
    }

    @Test("pre-dumps stop at the maximum, once small enough, or when the dirty set stops shrinking")
    func preDumpPolicy() {
        let policy = PreDumpPolicy(maxIterations: 4, smallEnoughBytes: 1 << 20, shrinkFactor: 0.9)
        #expect(policy.shouldContinue(dirtyBytes: []))
        #expect(policy.shouldContinue(dirtyBytes: [100 << 20]))
        #expect(policy.shouldContinue(dirtyBytes: [100 << 20, 50 << 20]))
        #expect(!policy.shouldContinue(dirtyBytes: [100 << 20, 95 << 20]))  // saved only 5 %
        #expect(!policy.shouldContinue(dirtyBytes: [100 << 20, 120 << 20]))  // grew
        #expect(!policy.shouldContinue(dirtyBytes: [100 << 20, 512 << 10]))  // small enough
        #expect(!policy.shouldContinue(dirtyBytes: [100 << 20, 50 << 20, 20 << 20, 10 << 20]))  // the maximum
        #expect(!PreDumpPolicy(maxIterations: 1).shouldContinue(dirtyBytes: [100 << 20]))
    }

    @Test("CRIU's error lines name the cause; output without one gives its last line")
    func errorSummary() {
        let check = """
            Error (criu/util.c:642): exited, status=1
            Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds
            Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable
            Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed when initializing kerndat.
            Error (criu/crtools.c:260): Could not initialize kernel features detection.
            """
        let summary = CRIULog.errorSummary(check)
        #expect(summary.contains("Unexpected rt vDSO area bounds") && summary.contains("Could not initialize kernel features detection"))
        #expect(!summary.contains("status=1"))
        #expect(CRIULog.errorSummary("Warn: something\nLooks good.\n") == "Looks good.")
        #expect(CRIULog.errorSummary("") == "")
        #expect(CRIUSupport(available: false, reason: "criu check failed: x").fallbackMessage
            == "criu not available (criu check failed: x): using the cooperative protocol")
    }

    @Test("an image directory is copied whole with its parent link; missing images are named")
    func imageCopy() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("criu-images-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let source = CRIUImages(stateDirectory: scratch, pop: "a", workload: "w", command: 9)
        let target = CRIUImages(stateDirectory: scratch, pop: "b", workload: "w", command: 9)
        #expect(source.root == "\(scratch)/pops/a/criu/w/9")
        let final = source.path(CRIUImages.finalName)
        try FileManager.default.createDirectory(atPath: final, withIntermediateDirectories: true)
        for (name, size) in [("inventory.img", 10), ("pstree.img", 20), ("pages-1.img", 4096), ("pages-2.img", 100)] {
            #expect(FileManager.default.createFile(atPath: "\(final)/\(name)", contents: Data(repeating: 7, count: size)))
        }
        try FileManager.default.createSymbolicLink(atPath: "\(final)/parent", withDestinationPath: "../2")
        #expect(CRIUImages.pageBytes(in: final) == 4196)
        #expect(CRIUImages.missingImages(in: final, pid: 31) == ["core-31.img"])

        #expect(try source.copy(CRIUImages.finalName, to: target) == 4226)
        let copied = target.path(CRIUImages.finalName)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(copied)/parent") == "../2")
        #expect(FileManager.default.contents(atPath: "\(copied)/pages-1.img") == Data(repeating: 7, count: 4096))
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.root) == ["final"])  // no temporary left
        #expect(throws: (any Error).self) { try source.copy("missing", to: target) }
    }
}
