/* SPDX-License-Identifier: MIT */
/* What the files of xensim-selftest share: the simulated host and the
 * check counters (selftest.c owns them and main()). */
#ifndef XENSIM_SELFTEST_H
#define XENSIM_SELFTEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

extern int failures, checks;
extern struct xensim *sim;

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		checks++;                                                 \
		if (!(cond)) {                                            \
			failures++;                                       \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__,     \
				__LINE__, #cond);                         \
			fprintf(stderr, __VA_ARGS__);                     \
			fputc('\n', stderr);                              \
		}                                                         \
	} while (0)
#define CHECK_RC(expr, want)                                              \
	do {                                                              \
		int rc_ = (expr);                                         \
		CHECK(rc_ == (want), "%s = %d (errno %s), want %d", #expr, \
		      rc_, strerror(errno), (want));                      \
	} while (0)
#define CHECK_ERR(expr, err)                                              \
	do {                                                              \
		errno = 0;                                                \
		int rc_ = (expr);                                         \
		CHECK(rc_ == -1 && errno == (err),                        \
		      "%s = %d errno %s, want -1 %s", #expr, rc_,         \
		      strerror(errno), strerror(err));                    \
	} while (0)

bool fd_readable(int fd);
void expect_clean(const char *when);

/* selftest-lifecycle.c: what Xen does when a device model dies. */
void test_reattach(void);
void test_destroy_while_blocked(void);

#endif /* XENSIM_SELFTEST_H */
