/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The X11 display backend: RandR 1.2 through libXrandr, missing modes
 * made from CVT reduced-blanking timings (libxcvt).  x11-randr.c applies
 * a layout (blocking: the session agent runs it in a worker thread);
 * x11-watch.c tells the main loop when the X server comes and goes.
 */
#ifndef HVMLINK_AGENT_X11_H
#define HVMLINK_AGENT_X11_H

#include <stdint.h>
#include <glib.h>
#include <X11/extensions/Xrandr.h>

#include "guest/agent/layout.h"

/* Modes the agent made are named "hvmlink-WxH", so it can tell them from
 * the server's own and remove them once no CRTC shows them. */
#define X11_MODE_PREFIX		"hvmlink-"
#define X11_REFRESH_HZ		60.0f

/*
 * Timings for a WxH mode: libxcvt's CVT reduced-blanking mode at 60 Hz
 * with the visible width put back to exactly @width (CVT rounds it to a
 * multiple of 8, which would turn 1366 into 1368).  @name must hold 32
 * bytes; info->name points at it.  FALSE if libxcvt refused the size.
 */
gboolean x11_cvt_mode(unsigned int width, unsigned int height,
		      XRRModeInfo *info, char name[32]);

/*
 * Put X display @display_name (NULL: $DISPLAY) into layout @want:
 * display N is the N-th output of the X server (XRRGetScreenResources
 * order), or the N-th name in @outputs when that is not NULL.  Creates
 * and adds modes that are missing, turns outputs on and off, places
 * them (the desktop's top-left corner at 0,0, see layout_origin()),
 * resizes the screen, and removes modes it created that no CRTC shows
 * any more.  Blocking.  Every present display gets a result, read back
 * from the server after the change.
 */
void x11_apply_layout(const char *display_name, char **outputs,
		      const struct layout *want,
		      struct layout_result res[HVMLINK_MAX_DISPLAYS]);

/* x11-watch.c: a connection that only notices the server going away. */
struct x11_watch;
typedef void (*x11_watch_lost_fn)(void *data);
/* NULL (and *error) when the display cannot be opened. */
struct x11_watch *x11_watch_new(const char *display_name,
				x11_watch_lost_fn lost, void *data,
				char **error);
void x11_watch_free(struct x11_watch *w);

#endif /* HVMLINK_AGENT_X11_H */
