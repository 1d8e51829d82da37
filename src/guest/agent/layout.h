/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Display layouts: the host's hints for every display, validated, and the
 * per-display outcome a backend (X11 RandR, GNOME Mutter, a hook) reports.
 * layout.c is pure and unit-tested; the backends apply a whole layout at
 * once, because RandR and Mutter both configure all outputs together
 * (the screen must cover every output, logical monitors must touch).
 */
#ifndef HVMLINK_AGENT_LAYOUT_H
#define HVMLINK_AGENT_LAYOUT_H

#include <stdint.h>
#include <glib.h>

#include <hvmlink/protocol.h>

/* Protocol bounds (docs/protocol.md, "Display mode"). */
#define LAYOUT_MAX_SIZE		16384u
#define LAYOUT_MAX_POS		(1 << 20)

struct layout_hint {
	gboolean present;	/* the host has a hint for this display */
	struct hvmlink_display_mode mode;
	uint64_t seq;
};

struct layout {
	struct layout_hint d[HVMLINK_MAX_DISPLAYS];
};

/* What a backend did with one display of a layout. */
struct layout_result {
	gboolean done;		/* the backend looked at this display */
	gboolean ok;		/* in the hinted state now */
	char reason[HVMLINK_REASON_LEN];	/* when !ok */
	struct hvmlink_display_mode in_effect;	/* read back, zero when off */
};

/* NULL when @m is a mode the protocol allows, else why not (static). */
const char *layout_mode_invalid(const struct hvmlink_display_mode *m);

/* Number of present, enabled hints. */
unsigned int layout_enabled_count(const struct layout *l);

/*
 * Top-left corner of the hinted desktop: the smallest x and y over the
 * enabled hints (0, 0 when none).  Hosts may place displays at negative
 * coordinates; X and Mutter want the desktop to start at 0,0, so backends
 * subtract this and add it back when they report.
 */
void layout_origin(const struct layout *l, int32_t *x, int32_t *y);

/* "1920x1080+0+0", "off" (the form hvmlinkctl shows). */
char *layout_mode_string(const struct hvmlink_display_mode *m);

/* Fill every present display's result with one failure reason. */
void layout_fail_all(const struct layout *l, struct layout_result *res,
		     const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* printf into res->reason, marking it done and failed. */
void layout_result_fail(struct layout_result *res, const char *fmt, ...)
	G_GNUC_PRINTF(2, 3);
/* Does what a backend read back match the hint (size, position, on/off;
 * bpp is the guest's choice and not compared)? */
gboolean layout_mode_matches(const struct hvmlink_display_mode *want,
			     const struct hvmlink_display_mode *have);

#endif /* HVMLINK_AGENT_LAYOUT_H */
