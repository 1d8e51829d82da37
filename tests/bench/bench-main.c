/* SPDX-License-Identifier: MIT */
/*
 * hvmlink-bench: main program.  Run it through tests/bench/run-bench.sh,
 * which starts xenstored and finds the binaries; see docs/performance.md.
 *
 * usage: hvmlink-bench --hvmlinkd PATH --hint-floor PATH --ioreq-floor PATH --json FILE
 *                      [--valgrind PATH] [--strace PATH] [--workdir DIR]
 *                      [--seconds S] [--rounds R] [--hints N]
 *                      [--idle-seconds S] [--domains N]
 *                      [--density-hints N] [--callgrind-n N1,N2]
 *                      [--callgrind-reps R]
 *                      [SECTION...]
 * SECTION: ioreq, syscalls, callgrind, hint, fair, idle, density (default: all, in
 * that order).  Needs XENSTORED_PATH (a running xenstored that follows
 * $XENSIM_DIR's domains) and XENSIM_RUN.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/bench/bench.h"

static const struct {
	const char *name;
	int (*fn)(struct bench_host *);
} sections[] = {
	{ "ioreq", bench_ioreq },
	{ "syscalls", bench_syscalls },
	{ "callgrind", bench_callgrind },
	{ "hint", bench_hint },
	{ "fair", bench_fair },
	{ "idle", bench_idle },
	{ "density", bench_density },
};
#define NSECT (sizeof(sections) / sizeof(sections[0]))

static int usage(void)
{
	fprintf(stderr,
		"usage: hvmlink-bench --hvmlinkd PATH --hint-floor PATH --ioreq-floor PATH --json FILE\n"
		"       [--valgrind PATH] [--strace PATH] [--workdir DIR] [--seconds S]\n"
		"       [--rounds R] [--hints N] [--idle-seconds S] [--domains N]\n"
		"       [--density-hints N] [--callgrind-n N1,N2]\n"
		"       [ioreq|syscalls|callgrind|hint|fair|idle|density ...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "hvmlinkd", required_argument, NULL, 'd' },
		{ "hint-floor", required_argument, NULL, 'f' },
		{ "ioreq-floor", required_argument, NULL, 'm' },
		{ "valgrind", required_argument, NULL, 'v' },
		{ "strace", required_argument, NULL, 'S' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "json", required_argument, NULL, 'j' },
		{ "seconds", required_argument, NULL, 's' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "hints", required_argument, NULL, 'n' },
		{ "idle-seconds", required_argument, NULL, 'i' },
		{ "domains", required_argument, NULL, 'D' },
		{ "density-hints", required_argument, NULL, 'H' },
		{ "callgrind-n", required_argument, NULL, 'c' },
		{ "callgrind-reps", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	struct bench_opts o = {
		.valgrind = "valgrind", .strace = "strace", .workdir = ".", .seconds = 1.0,
		.rounds = 7, .hints = 1000, .idle_seconds = 10, .domains = 100,
		.density_hints = 1000, .cg_n1 = 1000, .cg_n2 = 5000, .cg_reps = 3,
	};
	bool run[NSECT] = { false };
	const char *json = NULL;
	struct bench_host h;
	int opt, rc = 0;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'd': o.hvmlinkd = optarg; break;
		case 'f': o.hint_floor = optarg; break;
		case 'm': o.ioreq_floor = optarg; break;
		case 'v': o.valgrind = optarg; break;
		case 'S': o.strace = optarg; break;
		case 'w': o.workdir = optarg; break;
		case 'j': json = optarg; break;
		case 's': o.seconds = atof(optarg); break;
		case 'r': o.rounds = (unsigned int)atoi(optarg); break;
		case 'n': o.hints = (unsigned int)atoi(optarg); break;
		case 'i': o.idle_seconds = (unsigned int)atoi(optarg); break;
		case 'D': o.domains = (unsigned int)atoi(optarg); break;
		case 'H': o.density_hints = (unsigned int)atoi(optarg); break;
		case 'R': o.cg_reps = (unsigned int)atoi(optarg); break;
		case 'c':
			if (sscanf(optarg, "%u,%u", &o.cg_n1, &o.cg_n2) != 2)
				return usage();
			break;
		default: return usage();
		}
	}
	if (!o.hvmlinkd || !o.hint_floor || !o.ioreq_floor || !json || o.seconds <= 0 ||
	    o.rounds == 0 || o.hints == 0 || o.domains == 0 ||
	    o.domains > 1000 || o.density_hints == 0 || o.cg_reps == 0 ||
	    o.cg_reps > BENCH_CG_REPS_MAX)
		return usage();
	for (int i = optind; i < argc; i++) {
		size_t k;

		for (k = 0; k < NSECT; k++)
			if (strcmp(argv[i], sections[k].name) == 0)
				break;
		if (k == NSECT)
			return usage();
		run[k] = true;
	}
	if (optind == argc)
		for (size_t k = 0; k < NSECT; k++)
			run[k] = true;
	if (!getenv("XENSTORED_PATH")) {
		fprintf(stderr, "hvmlink-bench: XENSTORED_PATH is not set (run it through tests/bench/run-bench.sh)\n");
		return 2;
	}
	o.json = fopen(json, "w");
	if (!o.json) {
		fprintf(stderr, "hvmlink-bench: %s: %s\n", json, strerror(errno));
		return 1;
	}
	/* Tables and progress must not interleave badly. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_raise_nofile();
	if (bench_host_open(&h, &o)) {
		fclose(o.json);
		return 1;
	}
	fprintf(o.json, "{");
	for (size_t k = 0; k < NSECT; k++) {
		if (!run[k])
			continue;
		BENCH_LOG("section %s", sections[k].name);
		if (sections[k].fn(&h)) {
			BENCH_LOG("section %s FAILED", sections[k].name);
			rc = 1;
		}
	}
	fprintf(o.json, "\n}\n");
	if (fclose(o.json))
		rc = 1;
	{
		char buf[2048];
		int n = xensim_leftovers(h.sim, buf, sizeof(buf));

		if (n > 0) {
			BENCH_LOG("%d leftovers in the stand-in:\n%s", n, buf);
			rc = 1;
		}
	}
	bench_host_close(&h);
	return rc;
}
