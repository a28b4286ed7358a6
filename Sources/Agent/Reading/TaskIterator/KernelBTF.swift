#if canImport(Glibc)
import Glibc
#endif

/// The kernel's own type information (`/sys/kernel/btf/vmlinux`, BTF format), read once to
/// find where the fields the task iterator reads sit in this kernel's structures, so the
/// program is built for the running kernel rather than for headers of another one.
///
/// Only what the iterator needs: struct/union members by dotted path (through anonymous
/// members, arrays by index), sizes, enum values, and the ids of functions and variables.
/// Format: Documentation/bpf/btf.rst (header, type section, string section).
struct KernelBTF {
    enum Kind: UInt8 {
        case integer = 1, pointer, array, structure, union, enumeration, forward, typedef, volatile, constant, restrict,
             function, functionPrototype, variable, dataSection, float, declarationTag, typeTag, enumeration64
    }

    struct TypeEntry {
        var nameOffset: UInt32
        var info: UInt32
        /// `size` for integers, structs, unions, enums, data sections; `type` otherwise.
        var sizeOrType: UInt32
        /// Where the kind-specific data after the 12-byte header starts, in `types`.
        var extra: Int

        var kind: Kind? { Kind(rawValue: UInt8((info >> 24) & 0x1f)) }
        var count: Int { Int(info & 0xffff) }
        var kindFlag: Bool { info >> 31 == 1 }
    }

    /// A field found by path: its byte offset from the start of the outer type, its size in
    /// bytes and its (unresolved) type id.
    struct Field: Equatable {
        var offset: Int
        var size: Int
        var type: UInt32
    }

    private let types: [UInt8]
    private let strings: [UInt8]
    /// Index `i` is type id `i` (id 0 is `void`, a placeholder here).
    private let entries: [TypeEntry]
    let source: String

    init(path: String = "/sys/kernel/btf/vmlinux") throws(TaskIteratorError) {
        let bytes = try Self.readAll(path)
        try self.init(bytes: bytes, source: path)
    }

    init(bytes: [UInt8], source: String) throws(TaskIteratorError) {
        self.source = source
        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        guard bytes.count >= 24, bytes[0] == 0x9f, bytes[1] == 0xeb else {
            throw .btf(source: source, reason: "not little-endian BTF (magic 0xeB9F expected)")
        }
        let headerLength = Int(u32(4))
        let typeStart = headerLength + Int(u32(8)), typeLength = Int(u32(12))
        let stringStart = headerLength + Int(u32(16)), stringLength = Int(u32(20))
        guard typeStart + typeLength <= bytes.count, stringStart + stringLength <= bytes.count else {
            throw .btf(source: source, reason: "section bounds beyond the file's \(bytes.count) bytes")
        }
        types = Array(bytes[typeStart..<typeStart + typeLength])
        strings = Array(bytes[stringStart..<stringStart + stringLength])
        var entries = [TypeEntry(nameOffset: 0, info: 0, sizeOrType: 0, extra: 0)]
        entries.reserveCapacity(200_000)
        var at = 0
        let t = types
        func word(_ at: Int) -> UInt32 {
            UInt32(t[at]) | UInt32(t[at + 1]) << 8 | UInt32(t[at + 2]) << 16 | UInt32(t[at + 3]) << 24
        }
        while at + 12 <= t.count {
            let entry = TypeEntry(nameOffset: word(at), info: word(at + 4), sizeOrType: word(at + 8), extra: at + 12)
            let count = entry.count
            let extraLength: Int
            switch entry.kind {
            case .integer, .variable, .declarationTag: extraLength = 4
            case .array: extraLength = 12
            case .structure, .union, .dataSection, .enumeration64: extraLength = 12 * count
            case .enumeration, .functionPrototype: extraLength = 8 * count
            case .pointer, .forward, .typedef, .volatile, .constant, .restrict, .function, .float, .typeTag: extraLength = 0
            case nil:
                throw .btf(source: source, reason: "unknown type kind \((entry.info >> 24) & 0x1f) at type \(entries.count)")
            }
            entries.append(entry)
            at += 12 + extraLength
        }
        guard at == t.count else { throw .btf(source: source, reason: "type section ends inside a type") }
        self.entries = entries
    }

    private func word(_ at: Int) -> UInt32 {
        UInt32(types[at]) | UInt32(types[at + 1]) << 8 | UInt32(types[at + 2]) << 16 | UInt32(types[at + 3]) << 24
    }

    private func nameEquals(_ offset: UInt32, _ name: String) -> Bool {
        var i = Int(offset)
        for byte in name.utf8 {
            guard i < strings.count, strings[i] == byte else { return false }
            i += 1
        }
        return i < strings.count && strings[i] == 0
    }

    /// The id of the type named `name` of `kind`.
    func typeID(named name: String, kind: Kind) throws(TaskIteratorError) -> UInt32 {
        for id in 1..<entries.count where entries[id].kind == kind && nameEquals(entries[id].nameOffset, name) {
            return UInt32(id)
        }
        throw .btf(source: source, reason: "no \(kind) named \(name)")
    }

    /// The type behind typedefs and qualifiers.
    func resolved(_ id: UInt32) -> UInt32 {
        var id = id
        while Int(id) < entries.count, let kind = entries[Int(id)].kind,
              kind == .typedef || kind == .volatile || kind == .constant || kind == .restrict || kind == .typeTag {
            id = entries[Int(id)].sizeOrType
        }
        return id
    }

    /// The size in bytes of a type.
    func size(of id: UInt32) throws(TaskIteratorError) -> Int {
        let id = resolved(id)
        guard Int(id) < entries.count else { throw .btf(source: source, reason: "type id \(id) out of range") }
        let entry = entries[Int(id)]
        switch entry.kind {
        case .integer, .structure, .union, .enumeration, .enumeration64, .float, .dataSection: return Int(entry.sizeOrType)
        case .pointer: return 8
        case .array: return try size(of: word(entry.extra)) * Int(word(entry.extra + 8))
        default: throw .btf(source: source, reason: "type \(id) has no size")
        }
    }

    func kind(of id: UInt32) -> Kind? { entries[Int(resolved(id))].kind }

    /// The type a pointer points to.
    func pointee(of id: UInt32) throws(TaskIteratorError) -> UInt32 {
        let entry = entries[Int(resolved(id))]
        guard entry.kind == .pointer else { throw .btf(source: source, reason: "type \(id) is not a pointer") }
        return entry.sizeOrType
    }

    /// The member `name` of struct/union `id` (searching anonymous members), relative to it.
    private func member(_ name: String, in id: UInt32) -> Field? {
        let entry = entries[Int(resolved(id))]
        guard entry.kind == .structure || entry.kind == .union else { return nil }
        for index in 0..<entry.count {
            let at = entry.extra + 12 * index
            let nameOffset = word(at), type = word(at + 4), rawOffset = word(at + 8)
            let bitOffset = entry.kindFlag ? Int(rawOffset & 0xffffff) : Int(rawOffset)
            if nameOffset == 0 {
                if var inner = member(name, in: type) {
                    inner.offset += bitOffset / 8
                    return inner
                }
            } else if nameEquals(nameOffset, name) {
                guard entry.kindFlag == false || rawOffset >> 24 == 0, bitOffset % 8 == 0,
                      let size = try? size(of: type) else { return nil }
                return Field(offset: bitOffset / 8, size: size, type: type)
            }
        }
        return nil
    }

    /// The field at `path` in struct `structName`: members separated by dots, an array
    /// element as `name[i]` (`se.sum_exec_runtime`, `rss_stat[1].count`).
    func field(_ path: String, in structName: String) throws(TaskIteratorError) -> Field {
        let outer = try typeID(named: structName, kind: .structure)
        return try field(path, inType: outer, named: structName)
    }

    func field(_ path: String, inType outer: UInt32, named structName: String) throws(TaskIteratorError) -> Field {
        var current = Field(offset: 0, size: try size(of: outer), type: outer)
        for component in path.split(separator: ".") {
            var name = Substring(component), index: Int?
            if let open = component.firstIndex(of: "["), component.last == "]",
               let i = Int(component[component.index(after: open)..<component.index(before: component.endIndex)]) {
                name = component[..<open]
                index = i
            }
            guard let found = member(String(name), in: current.type) else {
                throw .btf(source: source, reason: "\(structName) has no field \(path) (at \(name))")
            }
            current = Field(offset: current.offset + found.offset, size: found.size, type: found.type)
            if let index {
                let array = entries[Int(resolved(current.type))]
                guard array.kind == .array, index >= 0, index < Int(word(array.extra + 8)) else {
                    throw .btf(source: source, reason: "\(structName).\(path): \(name) is not an array with element \(index)")
                }
                let element = word(array.extra)
                let elementSize = try size(of: element)
                current = Field(offset: current.offset + index * elementSize, size: elementSize, type: element)
            }
        }
        return current
    }

    /// The value of enumerator `name` (in any enum).
    func enumValue(_ name: String) throws(TaskIteratorError) -> Int64 {
        for entry in entries where entry.kind == .enumeration || entry.kind == .enumeration64 {
            let stride = entry.kind == .enumeration ? 8 : 12
            for index in 0..<entry.count {
                let at = entry.extra + stride * index
                guard nameEquals(word(at), name) else { continue }
                if entry.kind == .enumeration { return Int64(Int32(bitPattern: word(at + 4))) }
                return Int64(bitPattern: UInt64(word(at + 4)) | UInt64(word(at + 8)) << 32)
            }
        }
        throw .btf(source: source, reason: "no enumerator \(name)")
    }

    private static func readAll(_ path: String) throws(TaskIteratorError) -> [UInt8] {
        // The bytes live in the reader's buffer: copy them out while it is alive.
        let reader = FileBytesReader(initialCapacityBytes: 1 << 20)
        let result = withExtendedLifetime(reader) { reader.read(path).map { Array($0) } }
        switch result {
        case let .success(bytes): return bytes
        case let .failure(error): throw .unavailable("cannot read \(path): \(String(cString: strerror(error.code)))")
        }
    }
}
