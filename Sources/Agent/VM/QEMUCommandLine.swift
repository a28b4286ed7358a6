import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The argument vector of one QEMU process of a VM workload. The source and the target of a
/// live migration get the same one but for their QMP socket and `-incoming defer` (QEMU
/// requires identical devices on both sides):
///
/// ```
/// qemu-system-x86_64 -name guest=W -nodefaults -no-user-config -display none -no-reboot
///   -machine pc,accel=kvm|tcg -smp VCPUS -m MEMORY_MIB
///   -kernel K [-initrd I] -append "console=ttyS1 quiet panic=-1 APPEND"  |  -drive file=D,format=F,if=virtio
///   -chardev file,id=serial0,path=OUTPUT,append=on -serial chardev:serial0     (ttyS0: the guest program's output)
///   -chardev file,id=console0,path=CONSOLE,append=on -serial chardev:console0  (ttyS1: the kernel's console)
///   -qmp unix:QMP,server=on,wait=off [-incoming defer]
/// ```
///
/// No network device, no display, no default devices; `-no-reboot` makes a guest reboot or
/// power-off end QEMU (status 0). Both serial files are opened in append mode, so the target
/// of a move continues the source's output file exactly where it stopped. A `,` in a path is
/// doubled (QEMU's option syntax).
public struct QEMUCommandLine: Sendable, Equatable {
    public var spec: VMSpec
    public var name: String
    /// `kvm` or `tcg` (resolved, never `auto`).
    public var accelerator: VMSpec.Accelerator
    public var qmpSocket: String
    public var outputPath: String
    public var consolePath: String
    public var incoming: Bool

    public init(spec: VMSpec, name: String, accelerator: VMSpec.Accelerator, qmpSocket: String, outputPath: String, consolePath: String,
                incoming: Bool = false) {
        // `auto` is resolved by `QEMUAccelerator` before this; one that was not runs as TCG,
        // which works everywhere.
        self.spec = spec
        self.name = name
        self.accelerator = accelerator == .auto ? .tcg : accelerator
        self.qmpSocket = qmpSocket
        self.outputPath = outputPath
        self.consolePath = consolePath
        self.incoming = incoming
    }

    static func escaped(_ value: String) -> String { value.replacingOccurrences(of: ",", with: ",,") }

    public var argv: [String] {
        var out = [spec.qemu, "-name", "guest=\(Self.escaped(name))", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                   "-machine", "pc,accel=\(accelerator.rawValue)", "-smp", "\(spec.vcpus)", "-m", "\(spec.memoryMiB)"]
        if let kernel = spec.kernel {
            out += ["-kernel", kernel]
            if let initrd = spec.initrd { out += ["-initrd", initrd] }
            // mitigations=off: the guest trusts its own program; under TCG the mitigations
            // cost seconds of boot. The user's `append` comes last and may override.
            out += ["-append", (["console=ttyS1", "quiet", "panic=-1", "mitigations=off"] + (spec.append.isEmpty ? [] : [spec.append])).joined(separator: " ")]
        }
        if let disk = spec.disk { out += ["-drive", "file=\(Self.escaped(disk)),format=\(spec.diskFormat),if=virtio"] }
        out += ["-chardev", "file,id=serial0,path=\(Self.escaped(outputPath)),append=on", "-serial", "chardev:serial0",
                "-chardev", "file,id=console0,path=\(Self.escaped(consolePath)),append=on", "-serial", "chardev:console0",
                "-qmp", "unix:\(Self.escaped(qmpSocket)),server=on,wait=off"]
        if incoming { out += ["-incoming", "defer"] }
        return out
    }
}

/// Chooses KVM or TCG for `auto`: KVM when `/dev/kvm` opens read-write and is a KVM that
/// runs ordinary guest kernels. A PVM host (`kvm_pvm` loaded: the paravirtualised KVM of
/// nested cloud machines) runs only kernels built as PVM guests, so a stock Debian kernel
/// would hang there; `auto` takes TCG and says why.
public enum QEMUAccelerator {
    public static func resolve(_ wanted: VMSpec.Accelerator, devicePath: String = "/dev/kvm", moduleDirectory: String = "/sys/module")
        -> (accelerator: VMSpec.Accelerator, reason: String) {
        switch wanted {
        case .kvm: return (.kvm, "kvm, as declared")
        case .tcg: return (.tcg, "tcg, as declared")
        case .auto:
            let fd = open(devicePath, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else {
                let reason = String(cString: strerror(errno))
                return (.tcg, "tcg: \(devicePath) cannot be opened (\(reason))")
            }
            close(fd)
            if FileManager.default.fileExists(atPath: "\(moduleDirectory)/kvm_pvm") {
                return (.tcg, "tcg: \(devicePath) is PVM (kvm_pvm loaded), which boots only PVM-enabled guest kernels")
            }
            return (.kvm, "kvm: \(devicePath) is usable")
        }
    }
}
