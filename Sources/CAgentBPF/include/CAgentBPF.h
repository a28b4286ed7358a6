#ifndef HEADROOM_CAGENTBPF_H
#define HEADROOM_CAGENTBPF_H

#include <stdint.h>

/// The bpf(2) calls the agent's task iterator needs (Sources/Agent/Reading/TaskIterator).
/// Each returns a new file descriptor, or -errno on failure (no errno side channel).
/// On Linux builds without <linux/bpf.h> they return -ENOSYS.

/// BPF_PROG_LOAD of a BPF_PROG_TYPE_TRACING program with expected attach type
/// BPF_TRACE_ITER attached to the vmlinux BTF function `attach_btf_id` (for example
/// `bpf_iter_task`). `instructions` holds `count` 8-byte `struct bpf_insn`s; license "GPL".
/// When `log` is not NULL the verifier's log (level 1) is written there on failure.
int headroom_bpf_load_iterator(const uint64_t *instructions, uint32_t count, uint32_t attach_btf_id,
                               char *log, uint32_t log_size);

/// BPF_MAP_CREATE of an array map (`per_cpu`: BPF_MAP_TYPE_PERCPU_ARRAY, else
/// BPF_MAP_TYPE_ARRAY) with 4-byte keys.
int headroom_bpf_create_array_map(int per_cpu, uint32_t value_size, uint32_t entries);

/// BPF_LINK_CREATE of an iterator link for a loaded iterator program.
int headroom_bpf_create_iterator_link(int program_fd);

/// BPF_ITER_CREATE: a descriptor whose reads run the iterator once from the start.
int headroom_bpf_open_iterator(int link_fd);

#endif
