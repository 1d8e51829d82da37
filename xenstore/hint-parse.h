/* SPDX-License-Identifier: MIT */
/*
 * Parsing and validation of administrator hints: pure string code, no
 * xenstore, shared by hvmlinkd (through hvmxs) and hvmlinkctl so both
 * accept exactly the same input.  docs/xenstore.md is the prose version.
 *
 * Every function returns 0 on success or -EINVAL, and on failure writes a
 * one-line, human-readable reason into err (errlen bytes, may be 0) that
 * is suitable for an error node and a log line.
 */
#ifndef HVMLINK_XENSTORE_HINT_PARSE_H
#define HVMLINK_XENSTORE_HINT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hvmlink/protocol.h"

/* Limits of a display hint. */
#define HINT_DIM_MIN		1
#define HINT_DIM_MAX		16384
/* Positions: the desktop may extend left of / above the primary display,
 * but never further than 16 maximal displays side by side. */
#define HINT_POS_MAX		(HVMLINK_MAX_DISPLAYS * HINT_DIM_MAX)
#define HINT_POS_MIN		(-HINT_POS_MAX)

/* Longest display hint text accepted (longest valid one is shorter):
 * "16384x16384@32+-262144+-262144" is 30 characters. */
#define HINT_DISPLAY_TEXT_MAX	64
/* Buffer size for hint_format_display(). */
#define HINT_DISPLAY_FMT_LEN	40

/* Key/value hints: keys are 1..HINT_KEY_MAX characters of [A-Za-z0-9_-]
 * (the protocol's key charset minus '.', which xenstore forbids in node
 * names), values at most HVMLINK_KV_VALUE_MAX bytes. */
#define HINT_KEY_MAX		(HVMLINK_KV_KEY_LEN - 1)

/*
 * Display hint grammar (no spaces, nothing else before or after):
 *     off
 *     <W>x<H>[@<BPP>][+<X>+<Y>]
 * W, H: decimal 1..16384.  BPP: 8, 16, 24 or 32 (absent: 0 = guest's
 * choice).  X, Y: decimal, optionally negative written "+-10",
 * HINT_POS_MIN..HINT_POS_MAX (absent: 0,0).  Leading zeros are refused
 * (they read as octal elsewhere), so is a lone '+' or "-0".
 * "off" gives enabled=0 and every other field 0.
 * text is len bytes and need not be NUL-terminated (xenstore values are
 * counted); a NUL inside the value is an error.
 */
int hint_parse_display(const char *text, size_t len,
		       struct hvmlink_display_mode *mode,
		       char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* The canonical text of a mode: "off" or "WxH[@BPP]+X+Y" ("@BPP" only
 * when bpp != 0).  Parses back to the same mode.  buf must hold at least
 * HINT_DISPLAY_FMT_LEN bytes. */
void hint_format_display(const struct hvmlink_display_mode *mode,
			 char *buf, size_t buflen);

/* True if two modes are the same hint. */
bool hint_mode_equal(const struct hvmlink_display_mode *a,
		     const struct hvmlink_display_mode *b);

/*
 * A display index as it appears in a path or on a command line: decimal,
 * no sign, no leading zero, < nr_displays (1..HVMLINK_MAX_DISPLAYS).
 */
int hint_parse_display_index(const char *text, unsigned int nr_displays,
			     unsigned int *index, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* A key/value hint key (NUL-terminated): see HINT_KEY_MAX. */
int hint_check_key(const char *key, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* A key/value hint value: any bytes, at most HVMLINK_KV_VALUE_MAX. */
int hint_check_value(const void *value, size_t len, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif /* HVMLINK_XENSTORE_HINT_PARSE_H */
