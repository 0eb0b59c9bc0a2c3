// SPDX-License-Identifier: GPL-2.0
/*
 * insncount: a QEMU TCG plugin that counts executed guest instructions
 * and logs the running total each time the guest executes a marker.
 *
 * A marker is the 8-byte no-op "nopl 0x4e5354XX(%rax,%rax,1)" (bytes
 * 0f 1f 84 00 XX 54 53 4e), XX the marker id.  It is found when its
 * block is translated; executing it logs
 *
 *	insncount: marker XX insns N
 *
 * N being the guest instructions executed on this vCPU before the
 * marker.  The count is added inline once per translated block executed,
 * at the block's start, so at the marker the counter already holds the
 * whole block: the marker's own callback subtracts the instructions of
 * the block that follow it.  With one vCPU the figure is exact up to
 * blocks left early (interrupts, faults).
 *
 * No Debian package ships qemu-plugin.h, so the few functions used are
 * declared below as QEMU's include/qemu/qemu-plugin.h declares them, for
 * one of two plugin API versions chosen when the plugin is built
 * (-DINSNCOUNT_API=N; tooling/bench.sh picks N from the plugin functions
 * the QEMU binary exports):
 *
 *  1  QEMU up to 8.2, among them Debian bookworm's 7.2, which
 *     tooling/setup-host.sh installs and the VM boots: one plain counter
 *     (qemu_plugin_register_vcpu_tb_exec_inline; not atomic, exact with
 *     the one vCPU the tooling boots); qemu_plugin_insn_data() returns a
 *     pointer to the instruction's bytes.
 *  3  QEMU 9.1 and later (they refuse version 1, their minimum being 2):
 *     a per-vCPU scoreboard (qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu);
 *     qemu_plugin_insn_data() copies the bytes into a buffer.
 *
 * QEMU 9.0 (API 2: no ..._tb_exec_inline any more, insn_data still a
 * pointer) is served by neither.
 *
 * Use: qemu-system-x86_64 ... -plugin insncount.so -d plugin -D LOG
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(INSNCOUNT_API) || (INSNCOUNT_API != 1 && INSNCOUNT_API != 3)
#error "build with -DINSNCOUNT_API=1 (QEMU <= 8.2) or 3 (QEMU >= 9.1)"
#endif

/* --- from QEMU's include/qemu/qemu-plugin.h (API version 1 or 3) ------ */
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};

enum qemu_plugin_op {
	QEMU_PLUGIN_INLINE_ADD_U64,
#if INSNCOUNT_API == 3
	QEMU_PLUGIN_INLINE_STORE_U64,
#endif
};

typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags,
					    void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);

#if INSNCOUNT_API == 1
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
#else
struct qemu_plugin_scoreboard;

typedef struct {
	struct qemu_plugin_scoreboard *score;
	size_t offset;
} qemu_plugin_u64;

void qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(
	struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
	qemu_plugin_u64 entry, uint64_t imm);
size_t qemu_plugin_insn_data(const struct qemu_plugin_insn *insn, void *dest,
			     size_t len);
struct qemu_plugin_scoreboard *qemu_plugin_scoreboard_new(size_t element_size);
uint64_t qemu_plugin_u64_get(qemu_plugin_u64 entry, unsigned int vcpu_index);
#endif
/* --- end of the declarations --------------------------------------------- */

__attribute__((visibility("default"))) int qemu_plugin_version = INSNCOUNT_API;

/*
 * The instruction counter and what is done with it: create it, add a
 * block's instructions each time the block executes, read it; and the
 * bytes of an instruction at translation time.
 */
#if INSNCOUNT_API == 1
/*
 * One counter for all vCPUs, added to without atomics: exact with one
 * vCPU only, which is what the tooling boots.
 */
static uint64_t insns;

static int count_init(void)
{
	return 0;
}

static void count_tb(struct qemu_plugin_tb *tb, size_t n)
{
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &insns, n);
}

static uint64_t count_get(unsigned int vcpu)
{
	(void)vcpu;
	return insns;
}

static bool insn_bytes(struct qemu_plugin_insn *insn, unsigned char *b,
		       size_t len)
{
	const void *p;

	if (qemu_plugin_insn_size(insn) != len)
		return false;
	p = qemu_plugin_insn_data(insn);
	if (!p)
		return false;
	memcpy(b, p, len);
	return true;
}
#else
/*
 * One counter per vCPU (a scoreboard of uint64_t): exact per vCPU.  The
 * markers of a task that moved between vCPUs would mix counts: the
 * tooling boots one vCPU.
 */
static qemu_plugin_u64 insns;

static int count_init(void)
{
	insns.score = qemu_plugin_scoreboard_new(sizeof(uint64_t));
	insns.offset = 0;
	return insns.score ? 0 : -1;
}

static void count_tb(struct qemu_plugin_tb *tb, size_t n)
{
	qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb,
		QEMU_PLUGIN_INLINE_ADD_U64, insns, n);
}

static uint64_t count_get(unsigned int vcpu)
{
	return qemu_plugin_u64_get(insns, vcpu);
}

static bool insn_bytes(struct qemu_plugin_insn *insn, unsigned char *b,
		       size_t len)
{
	return qemu_plugin_insn_size(insn) == len &&
	       qemu_plugin_insn_data(insn, b, len) == len;
}
#endif

/*
 * hist=FILE: also count, per translated block, its executions between a
 * marker 01 and the next 02, and write "vaddr insns executions" lines to
 * FILE at exit (to find which functions a change made cost more).
 */
#define HIST_SLOTS	(1 << 20)

struct hist_tb {
	uint64_t vaddr;
	uint64_t n;
	uint64_t execs;
};

static struct hist_tb *hist;
static const char *hist_file;
static volatile int inside;

static struct hist_tb *hist_slot(uint64_t vaddr, uint64_t n)
{
	uint64_t h = (vaddr * 0x9e3779b97f4a7c15ULL) >> 44, i;

	for (i = 0; i < HIST_SLOTS; i++) {
		struct hist_tb *t = &hist[(h + i) & (HIST_SLOTS - 1)];

		if (t->vaddr == vaddr && t->n == n)
			return t;
		if (!t->vaddr) {
			t->vaddr = vaddr;
			t->n = n;
			return t;
		}
	}
	return NULL;
}

static void hist_exec(unsigned int vcpu, void *udata)
{
	struct hist_tb *t = udata;

	(void)vcpu;
	if (inside)
		t->execs++;
}

static void hist_dump(qemu_plugin_id_t id, void *udata)
{
	FILE *f = fopen(hist_file, "w");
	size_t i;

	(void)id;
	(void)udata;
	if (!f)
		return;
	for (i = 0; i < HIST_SLOTS; i++)
		if (hist[i].execs)
			fprintf(f, "%" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
				hist[i].vaddr, hist[i].n, hist[i].execs);
	fclose(f);
}

static const unsigned char marker[8] = { 0x0f, 0x1f, 0x84, 0x00,
					 0x00, 0x54, 0x53, 0x4e };

/*
 * The callback's data: the marker id in the low byte, the number of
 * instructions of the block from the marker on in the rest.
 */
static void marker_exec(unsigned int vcpu, void *udata)
{
	uintptr_t d = (uintptr_t)udata;
	char line[80];

	snprintf(line, sizeof(line), "insncount: marker %02x insns %" PRIu64
		 " vcpu %u\n", (unsigned int)(d & 0xff),
		 count_get(vcpu) - (d >> 8), vcpu);
	qemu_plugin_outs(line);
	inside = (d & 0xff) == 1;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), i;

	(void)id;
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		unsigned char b[sizeof(marker)];

		if (!insn_bytes(insn, b, sizeof(b)) ||
		    memcmp(b, marker, 4) || memcmp(b + 5, marker + 5, 3))
			continue;
		qemu_plugin_register_vcpu_insn_exec_cb(insn, marker_exec,
			QEMU_PLUGIN_CB_NO_REGS,
			(void *)(uintptr_t)(((uintptr_t)(n - i) << 8) | b[4]));
	}
	count_tb(tb, n);
	if (hist) {
		struct hist_tb *t = hist_slot(qemu_plugin_tb_vaddr(tb), n);

		if (t)
			qemu_plugin_register_vcpu_tb_exec_cb(tb, hist_exec,
				QEMU_PLUGIN_CB_NO_REGS, t);
	}
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "hist=", 5))
			hist_file = argv[i] + 5;
	if (hist_file) {
		hist = calloc(HIST_SLOTS, sizeof(*hist));
		if (!hist)
			return -1;
		qemu_plugin_register_atexit_cb(id, hist_dump, NULL);
	}
	if (count_init())
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
