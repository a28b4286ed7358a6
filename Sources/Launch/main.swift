#if canImport(Glibc)
import Glibc
#endif

// headroom-launch: the agent's pre-exec step. The agent posix_spawns it (an argument
// vector, never a shell); it moves itself into the workload's cgroups, optionally enters
// the POP's network namespace, and execs the workload. The workload's first instruction
// therefore already runs (and is charged) inside its cgroup, and its pid is the one the
// agent spawned.
//
// Usage: headroom-launch [--cgroup-procs FILE]... [--netns FILE] -- PROGRAM [ARGUMENT...]
//   --cgroup-procs FILE  a `cgroup.procs` file to write our pid into (one per v1 controller;
//                        the one file of the cgroup on v2)
//   --netns FILE         a network namespace file (/run/netns/NAME) to setns(2) into
//   PROGRAM              run with execv if it contains '/', else looked up in PATH (execvp)
// Exit status 127 (and a message naming the step on stderr) when any step fails: nothing
// of the workload has run then.

func fail(_ message: String) -> Never {
    let text = "headroom-launch: \(message)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    _exit(127)
}

func errorText() -> String { String(cString: strerror(errno)) }

var arguments = Array(CommandLine.arguments.dropFirst())
var procsFiles: [String] = []
var netns: String?
while let first = arguments.first, first != "--" {
    arguments.removeFirst()
    guard let value = arguments.first else { fail("\(first) needs a value") }
    arguments.removeFirst()
    switch first {
    case "--cgroup-procs": procsFiles.append(value)
    case "--netns": netns = value
    default: fail("unknown option \(first); usage: headroom-launch [--cgroup-procs FILE]... [--netns FILE] -- PROGRAM [ARGUMENT...]")
    }
}
guard arguments.first == "--", arguments.count >= 2 else { fail("expected -- PROGRAM [ARGUMENT...]") }
arguments.removeFirst()

let pid = "\(getpid())\n"
for file in procsFiles {
    let fd = open(file, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { fail("cannot open \(file): \(errorText())") }
    let written = pid.withCString { write(fd, $0, strlen($0)) }
    guard written == pid.utf8.count else { fail("cannot move pid \(getpid()) into \(file): \(errorText())") }
    close(fd)
}
if let netns {
    let fd = open(netns, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { fail("cannot open network namespace \(netns): \(errorText())") }
    // setns(2) is declared only under _GNU_SOURCE, which Swift's Glibc module does not
    // define: look it up in the C library. CLONE_NEWNET = 0x40000000 (<linux/sched.h>).
    typealias SetNS = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "setns") else { fail("this C library has no setns(2)") }
    let setns = unsafeBitCast(symbol, to: SetNS.self)
    guard setns(fd, 0x4000_0000) == 0 else { fail("cannot enter network namespace \(netns): \(errorText())") }
    close(fd)
}

let program = arguments[0]
var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
if program.contains("/") { execv(program, &cArguments) } else { execvp(program, &cArguments) }
fail("cannot execute \(program): \(errorText())")
