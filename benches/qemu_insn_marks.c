/* A QEMU TCG plugin that counts every guest instruction executed and, each time the guest
 * executes the marker instruction `mov r12, r12` (Thumb encoding 0x46e4, a no-op no compiler
 * emits), writes the count so far to QEMU's log as `mark <count>`. The instructions between
 * two marks are the difference of their counts (the second mark included), exactly: one
 * inline add per instruction, no sampling, no clock.
 *
 * Debian's QEMU loads plugins (`-plugin`) but ships none, so benches/tinyml_vs_microflow.sh
 * builds this one with the system C compiler. Only the API of QEMU_PLUGIN_VERSION 1 (QEMU
 * 7.x, the plugin API of include/qemu/qemu-plugin.h) is used, declared below.
 *
 *   gcc -shared -fPIC -O2 -o insn_marks.so benches/qemu_insn_marks.c
 *   qemu-system-arm ... -plugin ./insn_marks.so -d plugin -D marks.log
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct {
    const char *target_name;
    struct { int min; int cur; } version;
    /* further fields unused */
} qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int, void *);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t, void *);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, qemu_plugin_vcpu_tb_trans_cb_t);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *, size_t);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *, enum qemu_plugin_op,
                                                void *, uint64_t);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *,
                                            qemu_plugin_vcpu_udata_cb_t,
                                            enum qemu_plugin_cb_flags, void *);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, qemu_plugin_udata_cb_t, void *);
void qemu_plugin_outs(const char *);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* One vCPU (the board has one core), so a plain counter is exact. */
static uint64_t count;

static void mark(unsigned int vcpu, void *udata)
{
    char line[64];
    (void)vcpu;
    (void)udata;
    snprintf(line, sizeof line, "mark %" PRIu64 "\n", count);
    qemu_plugin_outs(line);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
    char line[64];
    (void)id;
    (void)udata;
    snprintf(line, sizeof line, "total %" PRIu64 "\n", count);
    qemu_plugin_outs(line);
}

static void translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    static const unsigned char marker[2] = {0xe4, 0x46};
    size_t n = qemu_plugin_tb_n_insns(tb);
    (void)id;
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &count, 1);
        if (qemu_plugin_insn_size(insn) == 2 &&
            memcmp(qemu_plugin_insn_data(insn), marker, 2) == 0) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
        }
    }
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
                                                               const qemu_info_t *info,
                                                               int argc, char **argv)
{
    (void)info;
    (void)argc;
    (void)argv;
    qemu_plugin_register_vcpu_tb_trans_cb(id, translate);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
