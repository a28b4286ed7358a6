/// The eBPF task iterator program (BPF_TRACE_ITER on `bpf_iter_task`), built for the
/// running kernel from its BTF. Run once per read of the iterator, for every task (thread)
/// on the host, it writes one fixed 96-byte record with `bpf_seq_write`:
///
/// | offset | field | kernel source |
/// |---|---|---|
/// | 0 | u32 thread id | `task->pid` |
/// | 4 | u32 process id | `task->tgid` |
/// | 8 | u32 parent process id | `task->real_parent->tgid` |
/// | 12 | u32 threads of the process | `task->signal->nr_threads` |
/// | 16 | u64 thread CPU time, ns | `task->se.sum_exec_runtime` (what `schedstat` shows) |
/// | 24, 32 | u64 thread storage read / write bytes | `task->ioac.{read,write}_bytes` |
/// | 40 | u64 start, ns since boot | `task->start_boottime` (`stat` field 22 in ns) |
/// | 48 | u64 CPU time of exited threads, ns | `task->signal->sum_sched_runtime` |
/// | 56, 64 | u64 storage bytes of exited threads | `task->signal->ioac.{read,write}_bytes` |
/// | 72 | s64 resident pages, or −1 | Σ over possible CPUs of `mm->rss_stat[FILE, ANON, SHMEM]`, thread-group leaders with an `mm` only |
/// | 80 | u32 task flags | `task->flags` (PF_KTHREAD) |
/// | 84 | u32 exit state | `task->exit_state` |
/// | 88 | u64 zero | |
///
/// The resident pages are the exact sum `statm` shows on Linux ≥ 6.16 (and `status`'
/// VmRSS): `percpu_counter_sum`, the shared `count` plus every possible CPU's delta, not the
/// approximate `count` alone that `stat`'s rss reads. A per-CPU delta lives at the
/// counter's per-CPU pointer plus that CPU's per-CPU area offset, which a program cannot
/// name without the `__per_cpu_offset` symbol (absent from kallsyms without
/// CONFIG_KALLSYMS_ALL) or BTF `percpu` type tags (absent from GCC-built kernels). So the
/// program learns the offsets itself, once: a one-element per-CPU array map's element is
/// at `pptrs[0]` (read from the map's `struct bpf_array`) plus the offset, and
/// `bpf_map_lookup_percpu_elem(map, 0, cpu)` returns that address, so the offset of `cpu`
/// is the difference. They go to an array map (`offsets`: a ready flag, then one u64 per
/// CPU) read by every later run. Storing a map pointer into a map value to read its address
/// needs the privilege the loader has anyway (CAP_PERFMON: `allow_ptr_leaks`).
struct TaskIteratorProgram {
    static let recordSize = 96

    let instructions: [UInt64]
    /// The BTF id of the `bpf_iter_task` function the program attaches to.
    let attachBTFID: UInt32

    /// Helper function ids (include/uapi/linux/bpf.h, stable ABI).
    private enum Helper {
        static let probeReadKernel: Int32 = 113
        static let seqWrite: Int32 = 127
        static let mapLookup: Int32 = 1
        static let mapLookupPerCPU: Int32 = 195
    }

    /// `perCPUMap`: a per-CPU array map of one 8-byte element; `offsetsMap`: an array map of
    /// one element of `8 × (possibleCPUs + 1)` bytes.
    init(btf: KernelBTF, possibleCPUs: Int, perCPUMap: Int32, offsetsMap: Int32) throws(TaskIteratorError) {
        guard possibleCPUs >= 1, possibleCPUs <= 1024 else {
            throw .unavailable("\(possibleCPUs) possible CPUs: the per-CPU sum is unrolled for at most 1024")
        }
        attachBTFID = try btf.typeID(named: "bpf_iter_task", kind: .function)
        let perCPUPointers = try btf.field("pptrs", in: "bpf_array").offset

        func field(_ path: String, _ structName: String, size: Int) throws(TaskIteratorError) -> Int16 {
            let found = try btf.field(path, in: structName)
            guard found.size == size else {
                throw .btf(source: btf.source, reason: "\(structName).\(path) is \(found.size) bytes, \(size) expected")
            }
            guard let offset = Int16(exactly: found.offset) else {
                throw .btf(source: btf.source, reason: "\(structName).\(path) at byte \(found.offset) is beyond a load's reach")
            }
            return offset
        }
        let task = (
            pid: try field("pid", "task_struct", size: 4), tgid: try field("tgid", "task_struct", size: 4),
            flags: try field("flags", "task_struct", size: 4), exitState: try field("exit_state", "task_struct", size: 4),
            runtime: try field("se.sum_exec_runtime", "task_struct", size: 8),
            read: try field("ioac.read_bytes", "task_struct", size: 8),
            write: try field("ioac.write_bytes", "task_struct", size: 8),
            start: try field("start_boottime", "task_struct", size: 8),
            signal: try field("signal", "task_struct", size: 8), mm: try field("mm", "task_struct", size: 8),
            parent: try field("real_parent", "task_struct", size: 8))
        let signal = (
            threads: try field("nr_threads", "signal_struct", size: 4),
            runtime: try field("sum_sched_runtime", "signal_struct", size: 8),
            read: try field("ioac.read_bytes", "signal_struct", size: 8),
            write: try field("ioac.write_bytes", "signal_struct", size: 8))
        var counters: [(count: Int16, perCPU: Int16)] = []
        for name in ["MM_FILEPAGES", "MM_ANONPAGES", "MM_SHMEMPAGES"] {
            let index = try btf.enumValue(name)
            counters.append((try field("rss_stat[\(index)].count", "mm_struct", size: 8),
                             try field("rss_stat[\(index)].counters", "mm_struct", size: 8)))
        }

        // Stack: the record at fp-96…fp-1, a scratch word at fp-104, the three per-CPU
        // counter addresses at fp-112, -120, -128, the running sum at fp-136.
        let record: Int16 = -96, scratch: Int16 = -104, sum: Int16 = -136
        func counterSlot(_ i: Int) -> Int16 { -112 - 8 * Int16(i) }
        var a = BPFAssembler()
        a.mov(.r6, .r1)                                   // r6 = ctx (struct bpf_iter__task *)
        a.load(.r7, .double, .r6, 8)                      // r7 = ctx->task
        a.jumpIfEqual(.r7, 0, to: "done")                 // the final call has no task
        func copy(_ from: BPFAssembler.Register, _ offset: Int16, _ size: BPFAssembler.Size, to at: Int16) {
            a.load(.r1, size, from, offset)
            a.store(.r10, record + at, size, .r1)
        }
        copy(.r7, task.pid, .word, to: 0)
        copy(.r7, task.tgid, .word, to: 4)
        a.load(.r1, .double, .r7, task.parent)
        copy(.r1, task.tgid, .word, to: 8)
        copy(.r7, task.runtime, .double, to: 16)
        copy(.r7, task.read, .double, to: 24)
        copy(.r7, task.write, .double, to: 32)
        copy(.r7, task.start, .double, to: 40)
        a.load(.r2, .double, .r7, task.signal)
        copy(.r2, signal.threads, .word, to: 12)
        copy(.r2, signal.runtime, .double, to: 48)
        copy(.r2, signal.read, .double, to: 56)
        copy(.r2, signal.write, .double, to: 64)
        copy(.r7, task.flags, .word, to: 80)
        copy(.r7, task.exitState, .word, to: 84)
        a.store(.r10, record + 88, .double, imm: 0)
        a.store(.r10, record + 72, .double, imm: -1)

        // Resident pages of thread-group leaders that have an address space.
        a.load(.r1, .word, .r7, task.pid)
        a.load(.r2, .word, .r7, task.tgid)
        a.jumpIfNotEqual(.r1, .r2, to: "write")
        a.load(.r8, .double, .r7, task.mm)
        a.jumpIfEqual(.r8, 0, to: "write")
        // r9 = the offsets map's value: [ready, offset of CPU 0, 1, …].
        a.store(.r10, scratch, .word, imm: 0)
        a.loadMap(.r1, fd: offsetsMap)
        a.mov(.r2, .r10)
        a.add(.r2, Int32(scratch))
        a.call(helper: Helper.mapLookup)
        a.jumpIfEqual(.r0, 0, to: "write")
        a.mov(.r9, .r0)
        a.load(.r1, .double, .r9, 0)
        a.jumpIfNotEqual(.r1, 0, to: "offsetsReady")
        // First run: learn the per-CPU offsets from the per-CPU map's element 0.
        a.store(.r10, scratch, .word, imm: 0)
        a.loadMap(.r1, fd: perCPUMap)
        a.mov(.r2, .r10)
        a.add(.r2, Int32(scratch))
        a.call(helper: Helper.mapLookup)
        a.jumpIfEqual(.r0, 0, to: "write")
        a.loadMap(.r1, fd: perCPUMap)
        a.store(.r0, 0, .double, .r1)                     // the map's address, as a number
        a.load(.r3, .double, .r0, 0)
        a.add(.r3, Int32(perCPUPointers))                 // &((struct bpf_array *)map)->pptrs[0]
        a.mov(.r1, .r10)
        a.add(.r1, Int32(sum))
        a.mov(.r2, 8)
        a.call(helper: Helper.probeReadKernel)            // fp[sum] = pptrs[0]
        for cpu in 0..<possibleCPUs {
            let slot = Int16(8 + 8 * cpu)
            a.store(.r10, scratch, .word, imm: 0)
            a.loadMap(.r1, fd: perCPUMap)
            a.mov(.r2, .r10)
            a.add(.r2, Int32(scratch))
            a.mov(.r3, Int32(cpu))
            a.call(helper: Helper.mapLookupPerCPU)
            a.jumpIfEqual(.r0, 0, to: "learned\(cpu)")
            a.store(.r9, slot, .double, .r0)              // this CPU's copy's address, as a number
            a.load(.r1, .double, .r9, slot)
            a.load(.r2, .double, .r10, sum)
            a.subtract(.r1, .r2)
            a.store(.r9, slot, .double, .r1)
            a.label("learned\(cpu)")
        }
        a.store(.r9, 0, .double, imm: 1)
        a.label("offsetsReady")
        a.mov(.r1, 0)
        a.store(.r10, sum, .double, .r1)
        for (i, counter) in counters.enumerated() {
            a.load(.r1, .double, .r8, counter.count)
            a.load(.r2, .double, .r10, sum)
            a.add(.r2, .r1)
            a.store(.r10, sum, .double, .r2)
            a.load(.r1, .double, .r8, counter.perCPU)
            a.store(.r10, counterSlot(i), .double, .r1)
        }
        for cpu in 0..<possibleCPUs {
            for i in counters.indices {
                a.mov(.r1, .r10)
                a.add(.r1, Int32(scratch))
                a.mov(.r2, 4)
                a.load(.r3, .double, .r10, counterSlot(i))
                a.load(.r4, .double, .r9, Int16(8 + 8 * cpu))
                a.add(.r3, .r4)
                a.call(helper: Helper.probeReadKernel)
                a.load(.r1, .word, .r10, scratch)
                a.shiftLeft(.r1, 32)                      // the per-CPU delta is an s32
                a.arithmeticShiftRight(.r1, 32)
                a.load(.r2, .double, .r10, sum)
                a.add(.r2, .r1)
                a.store(.r10, sum, .double, .r2)
            }
        }
        a.load(.r1, .double, .r10, sum)
        a.store(.r10, record + 72, .double, .r1)

        a.label("write")
        a.load(.r1, .double, .r6, 0)                      // ctx->meta
        a.load(.r1, .double, .r1, 0)                      // meta->seq
        a.mov(.r2, .r10)
        a.add(.r2, Int32(record))
        a.mov(.r3, Int32(Self.recordSize))
        a.call(helper: Helper.seqWrite)
        a.label("done")
        a.mov(.r0, 0)
        a.exit()
        instructions = a.assembled()
    }
}
