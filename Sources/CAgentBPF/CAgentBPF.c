#include "CAgentBPF.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__) && __has_include(<linux/bpf.h>)
#include <linux/bpf.h>
#include <sys/syscall.h>

static int bpf_call(int command, union bpf_attr *attributes) {
    long result = syscall(__NR_bpf, command, attributes, sizeof *attributes);
    return result < 0 ? -errno : (int)result;
}

int headroom_bpf_load_iterator(const uint64_t *instructions, uint32_t count, uint32_t attach_btf_id,
                               char *log, uint32_t log_size) {
    static const char license[] = "GPL";
    union bpf_attr attributes;
    memset(&attributes, 0, sizeof attributes);
    attributes.prog_type = BPF_PROG_TYPE_TRACING;
    attributes.expected_attach_type = BPF_TRACE_ITER;
    attributes.insns = (uint64_t)(uintptr_t)instructions;
    attributes.insn_cnt = count;
    attributes.license = (uint64_t)(uintptr_t)license;
    attributes.attach_btf_id = attach_btf_id;
    memcpy(attributes.prog_name, "headroom_tasks", sizeof "headroom_tasks");
    int fd = bpf_call(BPF_PROG_LOAD, &attributes);
    if (fd < 0) {
        if (log != NULL && log_size > 0) {
            /* Load again with the verifier log to say why. */
            log[0] = 0;
            attributes.log_level = 1;
            attributes.log_buf = (uint64_t)(uintptr_t)log;
            attributes.log_size = log_size;
            int again = bpf_call(BPF_PROG_LOAD, &attributes);
            if (again >= 0) close(again);
        }
    }
    return fd;
}

int headroom_bpf_create_array_map(int per_cpu, uint32_t value_size, uint32_t entries) {
    union bpf_attr attributes;
    memset(&attributes, 0, sizeof attributes);
    attributes.map_type = per_cpu ? BPF_MAP_TYPE_PERCPU_ARRAY : BPF_MAP_TYPE_ARRAY;
    attributes.key_size = 4;
    attributes.value_size = value_size;
    attributes.max_entries = entries;
    return bpf_call(BPF_MAP_CREATE, &attributes);
}

int headroom_bpf_create_iterator_link(int program_fd) {
    union bpf_attr attributes;
    memset(&attributes, 0, sizeof attributes);
    attributes.link_create.prog_fd = (uint32_t)program_fd;
    attributes.link_create.attach_type = BPF_TRACE_ITER;
    return bpf_call(BPF_LINK_CREATE, &attributes);
}

int headroom_bpf_open_iterator(int link_fd) {
    union bpf_attr attributes;
    memset(&attributes, 0, sizeof attributes);
    attributes.iter_create.link_fd = (uint32_t)link_fd;
    return bpf_call(BPF_ITER_CREATE, &attributes);
}

#else

int headroom_bpf_load_iterator(const uint64_t *instructions, uint32_t count, uint32_t attach_btf_id,
                               char *log, uint32_t log_size) {
    (void)instructions; (void)count; (void)attach_btf_id; (void)log; (void)log_size;
    return -ENOSYS;
}
int headroom_bpf_create_array_map(int per_cpu, uint32_t value_size, uint32_t entries) {
    (void)per_cpu; (void)value_size; (void)entries;
    return -ENOSYS;
}
int headroom_bpf_create_iterator_link(int program_fd) { (void)program_fd; return -ENOSYS; }
int headroom_bpf_open_iterator(int link_fd) { (void)link_fd; return -ENOSYS; }

#endif
