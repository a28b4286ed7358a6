/// A workload that is a virtual machine (`kind = "vm"` in `[[workloads]]`, its
/// `[workloads.vm]` table): QEMU boots `kernel` (+ `initrd`) or `disk`, with `vcpus` and
/// `memoryMiB`; the guest's program takes its parameters from `append` (the kernel command
/// line). See `QEMUCommandLine` for the exact QEMU invocation.
public struct VMSpec: Sendable, Equatable {
    /// How QEMU runs the guest's CPUs.
    public enum Accelerator: String, Sendable, Equatable, CaseIterable {
        /// KVM when `/dev/kvm` is usable for an ordinary guest kernel, else TCG (`QEMUAccelerator`).
        case auto
        case kvm
        /// QEMU's emulator: works everywhere, several times slower.
        case tcg
    }

    /// The QEMU program (a path, or a name looked up in `PATH`).
    public var qemu: String
    /// A Linux kernel (bzImage or an uncompressed, PVH-bootable vmlinux); nil with `disk`.
    public var kernel: String?
    public var initrd: String?
    /// A disk image (virtio-blk); at both POPs of a move it must be the same file (shared storage).
    public var disk: String?
    /// `raw` or `qcow2`.
    public var diskFormat: String
    public var vcpus: Int
    public var memoryMiB: Int
    /// Appended to the kernel command line (the guest program's parameters).
    public var append: String
    public var accelerator: Accelerator

    public init(qemu: String = "qemu-system-x86_64", kernel: String? = nil, initrd: String? = nil, disk: String? = nil, diskFormat: String = "raw",
                vcpus: Int = 1, memoryMiB: Int, append: String = "", accelerator: Accelerator = .auto) {
        self.qemu = qemu
        self.kernel = kernel
        self.initrd = initrd
        self.disk = disk
        self.diskFormat = diskFormat
        self.vcpus = vcpus
        self.memoryMiB = memoryMiB
        self.append = append
        self.accelerator = accelerator
    }

    /// Guest RAM in bytes.
    public var memoryBytes: Int64 { Int64(memoryMiB) << 20 }
}
