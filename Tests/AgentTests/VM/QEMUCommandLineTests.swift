@testable import Agent
import Foundation
import Testing

@Suite("VM: QEMU's command line, the accelerator, the fleet file's kind = \"vm\"")
struct QEMUCommandLineTests {
    static let spec = VMSpec(kernel: "/g/vmlinux", initrd: "/g/initrd.cpio.gz", vcpus: 2, memoryMiB: 256, append: "hr.beats=5")

    @Test("the source and the target get the same machine; only the target has -incoming defer; commas in paths are doubled")
    func argv() {
        let line = QEMUCommandLine(spec: Self.spec, name: "g", accelerator: .tcg, qmpSocket: "/s/a,b/g.qmp", outputPath: "/s/out.serial",
                                   consolePath: "/s/g.console")
        let argv = line.argv
        #expect(argv.first == "qemu-system-x86_64")
        #expect(argv.contains("-nodefaults") && argv.contains("-no-reboot"))
        #expect(argv[argv.firstIndex(of: "-machine")! + 1] == "pc,accel=tcg")
        #expect(argv[argv.firstIndex(of: "-smp")! + 1] == "2")
        #expect(argv[argv.firstIndex(of: "-m")! + 1] == "256")
        #expect(argv[argv.firstIndex(of: "-append")! + 1] == "console=ttyS1 quiet panic=-1 mitigations=off hr.beats=5")
        #expect(argv.contains("file,id=serial0,path=/s/out.serial,append=on"))
        #expect(argv.contains("unix:/s/a,,b/g.qmp,server=on,wait=off"))
        #expect(!argv.contains("-incoming"))
        var target = line
        target.incoming = true
        #expect(Array(target.argv.suffix(2)) == ["-incoming", "defer"])
        #expect(Array(target.argv.dropLast(2)) == argv)
    }

    @Test("a disk-image VM: virtio drive with its format, no -kernel or -append")
    func disk() {
        let spec = VMSpec(disk: "/img/a,b.qcow2", diskFormat: "qcow2", memoryMiB: 512)
        let argv = QEMUCommandLine(spec: spec, name: "d", accelerator: .kvm, qmpSocket: "/s/d.qmp", outputPath: "/s/o", consolePath: "/s/c").argv
        #expect(argv.contains("file=/img/a,,b.qcow2,format=qcow2,if=virtio"))
        #expect(!argv.contains("-kernel") && !argv.contains("-append"))
        #expect(argv[argv.firstIndex(of: "-machine")! + 1] == "pc,accel=kvm")
    }

    @Test("auto: TCG when /dev/kvm cannot be opened or is PVM, KVM otherwise; kvm and tcg as declared")
    func accelerator() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hr-accel-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: "\(scratch)/module", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        #expect(QEMUAccelerator.resolve(.auto, devicePath: "\(scratch)/nope", moduleDirectory: "\(scratch)/module").accelerator == .tcg)
        FileManager.default.createFile(atPath: "\(scratch)/kvm", contents: Data())
        #expect(QEMUAccelerator.resolve(.auto, devicePath: "\(scratch)/kvm", moduleDirectory: "\(scratch)/module").accelerator == .kvm)
        try FileManager.default.createDirectory(atPath: "\(scratch)/module/kvm_pvm", withIntermediateDirectories: true)
        let pvm = QEMUAccelerator.resolve(.auto, devicePath: "\(scratch)/kvm", moduleDirectory: "\(scratch)/module")
        #expect(pvm.accelerator == .tcg && pvm.reason.contains("PVM"))
        #expect(QEMUAccelerator.resolve(.kvm).accelerator == .kvm)
        #expect(QEMUAccelerator.resolve(.tcg).accelerator == .tcg)
    }

    static let header = """
        [agent]
        scorer_url = "http://127.0.0.1:8080"
        token_file = "/t"
        pops = ["a", "b"]
        state_directory = "/s"
        [[pops]]
        name = "a"
        [[pops]]
        name = "b"
        [[links]]
        from = "a"
        to = "b"
        bandwidth_bytes_per_second = 500_000_000
        latency_seconds = 0.001

        """

    @Test("kind = \"vm\" reads [workloads.vm]; links give the bandwidth both ways")
    func config() throws {
        let config = try AgentConfig(toml: Self.header + """
            [[workloads]]
            name = "g"
            pop = "a"
            kind = "vm"
            [workloads.vm]
            kernel = "/g/vmlinux"
            initrd = "/g/initrd.cpio.gz"
            vcpus = 2
            memory_mib = 256
            append = "hr.beats=5"
            accelerator = "tcg"
            [workloads.limits]
            memory_bytes = 402653184
            """, source: "f.toml")
        let workload = try #require(config.workloads.first)
        #expect(workload.argv.isEmpty)
        #expect(workload.vm == VMSpec(kernel: "/g/vmlinux", initrd: "/g/initrd.cpio.gz", vcpus: 2, memoryMiB: 256, append: "hr.beats=5", accelerator: .tcg))
        #expect(workload.limits.memoryBytes == 402653184)
        #expect(config.bandwidthBytesPerSecond(from: "a", to: "b") == 500_000_000)
        #expect(config.bandwidthBytesPerSecond(from: "b", to: "a") == 500_000_000)
        #expect(config.bandwidthBytesPerSecond(from: "a", to: "c") == nil)
    }

    @Test("strict errors name the file and key", arguments: [
        ("kind = \"container\"\n[workloads.vm]\nkernel = \"/k\"\nmemory_mib = 64", "f.toml: workloads[0].kind is \"container\"; expected \"process\" or \"vm\""),
        ("kind = \"vm\"", "f.toml: workloads[0].vm is missing; expected a [workloads.vm] table (kernel or disk, memory_mib)"),
        ("kind = \"vm\"\n[workloads.vm]\nmemory_mib = 64", "f.toml: workloads[0].vm.kernel is missing; expected a kernel image path (or disk = a disk image path)"),
        ("kind = \"vm\"\n[workloads.vm]\nkernel = \"/k\"", "f.toml: workloads[0].vm.memory_mib is missing; expected the guest's memory in MiB"),
        ("kind = \"vm\"\n[workloads.vm]\nkernel = \"/k\"\nmemory_mib = 64\nvcpu = 1", "f.toml: unknown key workloads[0].vm.vcpu; expected one of qemu, kernel, initrd, disk, disk_format, vcpus, memory_mib, append, accelerator"),
        ("kind = \"vm\"\n[workloads.vm]\nkernel = \"/k\"\nmemory_mib = 64\naccelerator = \"hvf\"", "f.toml: workloads[0].vm.accelerator is \"hvf\"; expected \"auto\", \"kvm\" or \"tcg\""),
        ("kind = \"vm\"\nargv = [\"x\"]\n[workloads.vm]\nkernel = \"/k\"\nmemory_mib = 64", "f.toml: workloads[0].argv is not allowed for kind = \"vm\" (the agent builds QEMU's command line from [workloads.vm]; a VM moves by live migration and is not partitioned)"),
        ("argv = [\"x\"]\n[workloads.vm]\nkernel = \"/k\"\nmemory_mib = 64", "f.toml: workloads[0].vm is given for a workload of kind \"process\"; set kind = \"vm\""),
    ])
    func errors(body: String, message: String) {
        #expect(throws: (any Error).self) { try AgentConfig(toml: Self.header + "[[workloads]]\nname = \"g\"\npop = \"a\"\n" + body, source: "f.toml") }
        do {
            _ = try AgentConfig(toml: Self.header + "[[workloads]]\nname = \"g\"\npop = \"a\"\n" + body, source: "f.toml")
        } catch {
            #expect(error.description == message)
        }
    }
}
