/// A minimal assembler for the eBPF instructions the task iterator uses
/// (Documentation/bpf/standardization/instruction-set.rst): 64-bit ALU, loads and stores,
/// conditional jumps to labels, helper calls and 64-bit immediates. Each instruction is
/// one little-endian `struct bpf_insn` packed in a UInt64.
struct BPFAssembler {
    enum Register: UInt8 { case r0 = 0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10 }
    enum Size: UInt8 {
        case word = 0x00, half = 0x08, byte = 0x10, double = 0x18

        init?(bytes: Int) {
            switch bytes {
            case 1: self = .byte
            case 2: self = .half
            case 4: self = .word
            case 8: self = .double
            default: return nil
            }
        }
    }

    private(set) var instructions: [UInt64] = []
    private var labels: [String: Int] = [:]
    /// (instruction index, label) of jumps waiting for their target.
    private var pending: [(Int, String)] = []

    private mutating func emit(_ code: UInt8, dst: Register = .r0, src: UInt8 = 0, offset: Int16 = 0, imm: Int32 = 0) {
        let regs = UInt64(dst.rawValue & 0x0f) | UInt64(src & 0x0f) << 4
        instructions.append(UInt64(code) | regs << 8 | UInt64(UInt16(bitPattern: offset)) << 16
            | UInt64(UInt32(bitPattern: imm)) << 32)
    }

    // ALU64 (class 0x07): BPF_K 0x00 / BPF_X 0x08 with op in the high nibble.
    mutating func mov(_ dst: Register, _ src: Register) { emit(0xbf, dst: dst, src: src.rawValue) }
    mutating func mov(_ dst: Register, _ imm: Int32) { emit(0xb7, dst: dst, imm: imm) }
    mutating func add(_ dst: Register, _ src: Register) { emit(0x0f, dst: dst, src: src.rawValue) }
    mutating func add(_ dst: Register, _ imm: Int32) { emit(0x07, dst: dst, imm: imm) }
    mutating func subtract(_ dst: Register, _ src: Register) { emit(0x1f, dst: dst, src: src.rawValue) }
    mutating func shiftLeft(_ dst: Register, _ imm: Int32) { emit(0x67, dst: dst, imm: imm) }
    mutating func arithmeticShiftRight(_ dst: Register, _ imm: Int32) { emit(0xc7, dst: dst, imm: imm) }

    /// dst = *(size *)(src + offset)
    mutating func load(_ dst: Register, _ size: Size, _ src: Register, _ offset: Int16) {
        emit(0x61 | size.rawValue, dst: dst, src: src.rawValue, offset: offset)
    }
    /// *(size *)(dst + offset) = src
    mutating func store(_ dst: Register, _ offset: Int16, _ size: Size, _ src: Register) {
        emit(0x63 | size.rawValue, dst: dst, src: src.rawValue, offset: offset)
    }
    /// *(size *)(dst + offset) = imm
    mutating func store(_ dst: Register, _ offset: Int16, _ size: Size, imm: Int32) {
        emit(0x62 | size.rawValue, dst: dst, offset: offset, imm: imm)
    }

    /// dst = the address of a kernel variable known by its vmlinux BTF id (BPF_PSEUDO_BTF_ID).
    mutating func loadKernelVariable(_ dst: Register, btfID: UInt32) {
        emit(0x18, dst: dst, src: 3, imm: Int32(bitPattern: btfID))
        emit(0x00)
    }

    /// dst = the map behind descriptor `fd` (BPF_PSEUDO_MAP_FD).
    mutating func loadMap(_ dst: Register, fd: Int32) {
        emit(0x18, dst: dst, src: 1, imm: fd)
        emit(0x00)
    }

    mutating func call(helper: Int32) { emit(0x85, imm: helper) }
    mutating func exit() { emit(0x95) }

    mutating func label(_ name: String) {
        precondition(labels[name] == nil, "label \(name) defined twice")
        labels[name] = instructions.count
    }
    mutating func jumpIfEqual(_ dst: Register, _ imm: Int32, to label: String) {
        pending.append((instructions.count, label))
        emit(0x15, dst: dst, imm: imm)
    }
    mutating func jumpIfNotEqual(_ dst: Register, _ src: Register, to label: String) {
        pending.append((instructions.count, label))
        emit(0x5d, dst: dst, src: src.rawValue)
    }
    mutating func jumpIfNotEqual(_ dst: Register, _ imm: Int32, to label: String) {
        pending.append((instructions.count, label))
        emit(0x55, dst: dst, imm: imm)
    }
    mutating func jump(to label: String) {
        pending.append((instructions.count, label))
        emit(0x05)
    }

    /// The program with every jump resolved.
    func assembled() -> [UInt64] {
        var program = instructions
        for (index, label) in pending {
            guard let target = labels[label] else { preconditionFailure("jump to undefined label \(label)") }
            let offset = UInt64(UInt16(bitPattern: Int16(target - index - 1)))
            program[index] = program[index] & ~(UInt64(0xffff) << 16) | offset << 16
        }
        return program
    }
}
