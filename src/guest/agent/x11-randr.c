// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * X11 backend: apply a display layout with RandR 1.2 (libXrandr), the way
 * xrandr(1) does it but in-process, and with modes made on demand from
 * CVT reduced-blanking timings (libxcvt) when the server has none of the
 * hinted size -- that is what makes 1366x768 or 3440x1440 work on a
 * virtual GPU whose mode list stops at 1920x1200.
 *
 * Order of a change (RandR refuses a screen smaller than an active CRTC
 * and a CRTC outside the screen): grab the server, turn off the CRTCs
 * that go away or would not fit the new screen, set the screen size, set
 * every CRTC whose configuration changes, ungrab.  Then drop the modes we
 * made that nothing shows, and read the result back from the server.
 *
 * Blocking: the session agent calls it from a worker thread.  Only that
 * thread uses Xlib (the watch in x11-watch.c is an XCB connection of its
 * own), and calls are serialised here because Xlib's error handler is
 * process-wide.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <X11/Xlib.h>
#include <X11/extensions/Xrandr.h>
#include <libxcvt/libxcvt.h>

#include "guest/agent/x11.h"

gboolean x11_cvt_mode(unsigned int width, unsigned int height,
		      XRRModeInfo *info, char name[32])
{
	struct libxcvt_mode_info *cvt;

	cvt = libxcvt_gen_mode_info((int)width, (int)height, X11_REFRESH_HZ,
				    true, false);
	if (!cvt)
		return FALSE;
	memset(info, 0, sizeof(*info));
	snprintf(name, 32, X11_MODE_PREFIX "%ux%u", width, height);
	info->name = name;
	info->nameLength = (unsigned int)strlen(name);
	/* CVT rounds the width to a multiple of 8 pixels (older libxcvt
	 * turns 1366 into 1368, 0.1.2 keeps 1366 but 1 becomes 0): the
	 * blanking interval absorbs the difference, so the sync timings and
	 * the refresh rate stay CVT's. */
	info->width = width;
	info->height = height;
	info->dotClock = (unsigned long)cvt->dot_clock * 1000u;	/* kHz */
	if (!info->dotClock)	/* tiny modes: CVT's 250 kHz steps round to 0 */
		info->dotClock = (unsigned long)((double)cvt->htotal * cvt->vtotal *
						 X11_REFRESH_HZ);
	info->hSyncStart = cvt->hsync_start;
	info->hSyncEnd = cvt->hsync_end;
	info->hTotal = cvt->htotal;
	info->vSyncStart = cvt->vsync_start;
	info->vSyncEnd = cvt->vsync_end;
	info->vTotal = cvt->vtotal;
	/* libxcvt's flag bits are RandR's (RR_HSyncPositive ... RR_Interlace). */
	info->modeFlags = (XRRModeFlags)cvt->mode_flags;
	free(cvt);
	if (info->hSyncStart < width || info->vSyncStart < height) {
		/* CVT rounded up instead: never seen, but never send it. */
		return FALSE;
	}
	return TRUE;
}

/* ---- error trapping ---- */

struct x11_ctx {
	Display *dpy;
	Window root;
	XRRScreenResources *res;
	int error_code;			/* first X error since the last check */
	char error_text[96];
	gboolean io_error;		/* connection lost */
};

static struct x11_ctx *trap_ctx;	/* under apply_lock */

static int on_x_error(Display *dpy, XErrorEvent *ev)
{
	struct x11_ctx *c = trap_ctx;

	if (c && !c->error_code) {
		c->error_code = ev->error_code ? ev->error_code : -1;
		XGetErrorText(dpy, ev->error_code, c->error_text,
			      sizeof(c->error_text));
	}
	return 0;
}

/* Xlib's default prints a message; the exit handler below decides. */
static int on_x_io_error(Display *dpy)
{
	return 0;
}

/* Instead of exit(): mark the connection dead; Xlib calls then fail. */
static void on_x_io_exit(Display *dpy, void *data)
{
	struct x11_ctx *c = data;

	c->io_error = TRUE;
}

/* XSync, then the first error since the last call (0: none). */
static int x_check(struct x11_ctx *c)
{
	int code;

	if (!c->io_error)
		XSync(c->dpy, False);
	code = c->io_error ? -1 : c->error_code;
	if (c->io_error)
		g_strlcpy(c->error_text, "connection to the X server lost",
			  sizeof(c->error_text));
	c->error_code = 0;
	return code;
}

/* ---- the plan ---- */

struct plan {
	RROutput id;
	XRROutputInfo *info;
	XRRCrtcInfo *cur;		/* its CRTC now, NULL when off */
	int display;			/* hinted display, -1 if none */
	gboolean on;			/* wanted state */
	unsigned int w, h;
	int x, y;			/* in screen coordinates */
	RRMode mode;
	RRCrtc crtc;
};

static const XRRModeInfo *find_mode_info(const XRRScreenResources *res,
					 RRMode id)
{
	for (int i = 0; i < res->nmode; i++)
		if (res->modes[i].id == id)
			return &res->modes[i];
	return NULL;
}

static double refresh_hz(const XRRModeInfo *m)
{
	double vtotal = m->vTotal;

	if (m->modeFlags & RR_DoubleScan)
		vtotal *= 2;
	if (m->modeFlags & RR_Interlace)
		vtotal /= 2;
	if (!m->hTotal || vtotal <= 0)
		return 0;
	return (double)m->dotClock / ((double)m->hTotal * vtotal);
}

/*
 * A mode of exactly w x h for this output: one it lists (preferred ones
 * first, then the refresh closest to 60 Hz), else one of ours the server
 * already has, added to the output, else a new CVT mode.
 */
static RRMode output_mode(struct x11_ctx *c, struct plan *p, char *why,
			  size_t why_len)
{
	const XRRScreenResources *res = c->res;
	RRMode best = None;
	double best_score = 0;
	XRRModeInfo info;
	char name[32];
	RRMode id;

	for (int i = 0; i < p->info->nmode; i++) {
		const XRRModeInfo *m = find_mode_info(res, p->info->modes[i]);
		double score;

		if (!m || m->width != p->w || m->height != p->h ||
		    (m->modeFlags & RR_Interlace))
			continue;
		score = fabs(refresh_hz(m) - X11_REFRESH_HZ);
		if (i < p->info->npreferred)
			score -= 1000;
		if (best == None || score < best_score) {
			best = m->id;
			best_score = score;
		}
	}
	if (best != None)
		return best;

	id = None;
	for (int i = 0; i < res->nmode; i++) {
		const XRRModeInfo *m = &res->modes[i];

		if (m->width == p->w && m->height == p->h && m->name &&
		    g_str_has_prefix(m->name, X11_MODE_PREFIX))
			id = m->id;
	}
	if (id == None) {
		if (!x11_cvt_mode(p->w, p->h, &info, name)) {
			g_snprintf(why, why_len, "no CVT timings for %ux%u", p->w, p->h);
			return None;
		}
		id = XRRCreateMode(c->dpy, c->root, &info);
		if (x_check(c) || id == None) {
			g_snprintf(why, why_len, "cannot create mode %s: %s", name,
				 c->error_text);
			return None;
		}
	}
	XRRAddOutputMode(c->dpy, p->id, id);
	if (x_check(c)) {
		g_snprintf(why, why_len, "cannot add mode %ux%u to %s: %s", p->w,
			 p->h, p->info->name, c->error_text);
		return None;
	}
	return id;
}

/* A CRTC for an output that is on: the one it has, else a free one. */
static RRCrtc pick_crtc(struct plan *plans, int n, struct plan *p)
{
	if (p->info->crtc != None)
		return p->info->crtc;
	for (int i = 0; i < p->info->ncrtc; i++) {
		RRCrtc cand = p->info->crtcs[i];
		gboolean taken = FALSE;

		for (int j = 0; j < n && !taken; j++) {
			const struct plan *o = &plans[j];

			/* Taken: some other output keeps or gets it. */
			if (o == p || !o->on)
				continue;
			taken = o->crtc == cand ||
				(o->crtc == None && o->info->crtc == cand);
		}
		if (!taken)
			return cand;
	}
	return None;
}

static unsigned int mm(unsigned int px)
{
	/* 96 DPI, what X servers assume without a monitor's EDID. */
	return (unsigned int)(px * 25.4 / 96.0 + 0.5);
}

static int root_bpp(Display *dpy)
{
	int depth = DefaultDepth(dpy, DefaultScreen(dpy)), n = 0, bpp = 0;
	XPixmapFormatValues *f = XListPixmapFormats(dpy, &n);

	for (int i = 0; f && i < n; i++)
		if (f[i].depth == depth)
			bpp = f[i].bits_per_pixel;
	if (f)
		XFree(f);
	return bpp == 8 || bpp == 16 || bpp == 24 || bpp == 32 ? bpp : 0;
}

/* Drop the modes we created that no CRTC shows any more. */
static void remove_unused_modes(struct x11_ctx *c)
{
	XRRScreenResources *res = XRRGetScreenResourcesCurrent(c->dpy, c->root);

	if (!res)
		return;
	for (int i = 0; i < res->nmode; i++) {
		const XRRModeInfo *m = &res->modes[i];
		gboolean used = FALSE;

		if (!m->name || !g_str_has_prefix(m->name, X11_MODE_PREFIX))
			continue;
		for (int k = 0; k < res->ncrtc && !used; k++) {
			XRRCrtcInfo *ci = XRRGetCrtcInfo(c->dpy, res, res->crtcs[k]);

			used = ci && ci->mode == m->id;
			if (ci)
				XRRFreeCrtcInfo(ci);
		}
		if (used)
			continue;
		for (int o = 0; o < res->noutput; o++) {
			XRROutputInfo *oi = XRRGetOutputInfo(c->dpy, res, res->outputs[o]);

			for (int k = 0; oi && k < oi->nmode; k++)
				if (oi->modes[k] == m->id)
					XRRDeleteOutputMode(c->dpy, res->outputs[o], m->id);
			if (oi)
				XRRFreeOutputInfo(oi);
		}
		XRRDestroyMode(c->dpy, m->id);
	}
	x_check(c);	/* a mode in use by someone else stays: harmless */
	XRRFreeScreenResources(res);
}

/* What the server shows on each hinted display now. */
static void read_back(struct x11_ctx *c, const int *display_output,
		      const struct layout *want, int32_t ox, int32_t oy,
		      struct layout_result *res)
{
	XRRScreenResources *sr = XRRGetScreenResourcesCurrent(c->dpy, c->root);
	int bpp = root_bpp(c->dpy);

	for (unsigned int d = 0; d < HVMLINK_MAX_DISPLAYS; d++) {
		struct hvmlink_display_mode *m = &res[d].in_effect;
		XRROutputInfo *oi;
		XRRCrtcInfo *ci = NULL;
		g_autofree char *have = NULL;

		memset(m, 0, sizeof(*m));
		if (!sr || display_output[d] < 0)
			continue;
		oi = XRRGetOutputInfo(c->dpy, sr, sr->outputs[display_output[d]]);
		if (oi && oi->crtc != None)
			ci = XRRGetCrtcInfo(c->dpy, sr, oi->crtc);
		if (ci && ci->mode != None) {
			m->enabled = 1;
			m->width = ci->width;
			m->height = ci->height;
			m->x = ci->x + ox;
			m->y = ci->y + oy;
			m->bpp = (uint32_t)bpp;
		}
		if (ci)
			XRRFreeCrtcInfo(ci);
		if (oi)
			XRRFreeOutputInfo(oi);
		if (!want->d[d].present || res[d].done)
			continue;
		res[d].done = TRUE;
		res[d].ok = layout_mode_matches(&want->d[d].mode, m);
		if (!res[d].ok) {
			have = layout_mode_string(m);
			layout_result_fail(&res[d], "X server shows %s after the change", have);
		}
	}
	for (unsigned int d = 0; d < HVMLINK_MAX_DISPLAYS; d++)
		if (want->d[d].present && !res[d].done)
			layout_result_fail(&res[d], "cannot read the X server's state");
	if (sr)
		XRRFreeScreenResources(sr);
}

static int output_index(struct x11_ctx *c, const char *name)
{
	for (int i = 0; i < c->res->noutput; i++) {
		XRROutputInfo *oi = XRRGetOutputInfo(c->dpy, c->res, c->res->outputs[i]);
		gboolean same = oi && !strcmp(oi->name, name);

		if (oi)
			XRRFreeOutputInfo(oi);
		if (same)
			return i;
	}
	return -1;
}

/* Everything between the grab and the ungrab. */
static void apply_plans(struct x11_ctx *c, struct plan *plans, int n,
			const struct layout *want, struct layout_result *res)
{
	int min_w, min_h, max_w, max_h;
	unsigned int sw = 0, sh = 0;
	gboolean primary_on = FALSE;
	RROutput primary;
	int first_on = -1;

	for (int i = 0; i < n; i++) {
		const struct plan *p = &plans[i];

		if (!p->on)
			continue;
		sw = MAX(sw, (unsigned int)p->x + p->w);
		sh = MAX(sh, (unsigned int)p->y + p->h);
	}
	if (sw == 0) {
		layout_fail_all(want, res, "refusing to turn off every output");
		return;
	}
	XRRGetScreenSizeRange(c->dpy, c->root, &min_w, &min_h, &max_w, &max_h);
	if (sw > (unsigned int)max_w || sh > (unsigned int)max_h) {
		layout_fail_all(want, res, "a %ux%u desktop exceeds the X screen maximum %dx%d",
				sw, sh, max_w, max_h);
		return;
	}
	sw = MAX(sw, (unsigned int)min_w);
	sh = MAX(sh, (unsigned int)min_h);

	/* Modes and CRTCs first: a display that cannot get either fails
	 * alone and keeps what it has. */
	for (int i = 0; i < n; i++) {
		struct plan *p = &plans[i];
		char why[HVMLINK_REASON_LEN];

		if (!p->on || p->display < 0)
			continue;
		p->mode = output_mode(c, p, why, sizeof(why));
		if (p->mode == None) {
			layout_result_fail(&res[p->display], "%s", why);
			p->on = p->cur != NULL;	/* unchanged */
			if (p->cur) {
				p->mode = p->cur->mode;
				p->x = p->cur->x;
				p->y = p->cur->y;
				p->w = p->cur->width;
				p->h = p->cur->height;
			}
		}
	}
	for (int i = 0; i < n; i++) {
		struct plan *p = &plans[i];

		if (!p->on)
			continue;
		p->crtc = pick_crtc(plans, n, p);
		if (p->crtc == None && p->display >= 0) {
			layout_result_fail(&res[p->display], "no free CRTC for output %s",
					   p->info->name);
			p->on = FALSE;
		}
	}

	/* Off: CRTCs nobody keeps, and those the new screen would cut. */
	for (int k = 0; k < c->res->ncrtc; k++) {
		RRCrtc crtc = c->res->crtcs[k];
		XRRCrtcInfo *ci = XRRGetCrtcInfo(c->dpy, c->res, crtc);
		gboolean keep = FALSE;

		if (!ci)
			continue;
		for (int i = 0; i < n && !keep; i++)
			keep = plans[i].on && plans[i].crtc == crtc;
		if (ci->mode != None &&
		    (!keep || (unsigned int)ci->x + ci->width > sw ||
		     (unsigned int)ci->y + ci->height > sh)) {
			XRRSetCrtcConfig(c->dpy, c->res, crtc, CurrentTime, 0, 0,
					 None, RR_Rotate_0, NULL, 0);
			for (int i = 0; i < n; i++)
				if (plans[i].cur && plans[i].info->crtc == crtc) {
					XRRFreeCrtcInfo(plans[i].cur);
					plans[i].cur = NULL;
				}
		}
		XRRFreeCrtcInfo(ci);
	}
	if (x_check(c)) {
		layout_fail_all(want, res, "turning outputs off: %s", c->error_text);
		return;
	}

	if ((int)sw != DisplayWidth(c->dpy, DefaultScreen(c->dpy)) ||
	    (int)sh != DisplayHeight(c->dpy, DefaultScreen(c->dpy))) {
		XRRSetScreenSize(c->dpy, c->root, (int)sw, (int)sh, (int)mm(sw),
				 (int)mm(sh));
		if (x_check(c)) {
			layout_fail_all(want, res, "resizing the screen to %ux%u: %s",
					sw, sh, c->error_text);
			return;
		}
	}

	for (int i = 0; i < n; i++) {
		struct plan *p = &plans[i];
		const XRRCrtcInfo *cur = p->cur;
		Status st;

		if (!p->on)
			continue;
		if (first_on < 0 || (p->display >= 0 &&
				     (plans[first_on].display < 0 ||
				      p->display < plans[first_on].display)))
			first_on = i;
		if (cur && p->crtc == p->info->crtc && cur->mode == p->mode &&
		    cur->x == p->x && cur->y == p->y && cur->rotation == RR_Rotate_0)
			continue;	/* already so: no flicker */
		st = XRRSetCrtcConfig(c->dpy, c->res, p->crtc, CurrentTime, p->x,
				      p->y, p->mode, RR_Rotate_0, &p->id, 1);
		if ((st != RRSetConfigSuccess || x_check(c)) && p->display >= 0)
			layout_result_fail(&res[p->display], "setting %ux%u on %s: %s",
					   p->w, p->h, p->info->name,
					   st != RRSetConfigSuccess ? "refused by the X server"
					   : c->error_text);
	}

	/* The desktop's panel follows the primary output: keep it on a
	 * display that is on, the lowest-numbered hinted one. */
	primary = XRRGetOutputPrimary(c->dpy, c->root);
	for (int i = 0; i < n; i++)
		if (plans[i].id == primary && plans[i].on)
			primary_on = TRUE;
	if (!primary_on && first_on >= 0)
		XRRSetOutputPrimary(c->dpy, c->root, plans[first_on].id);
	x_check(c);
}

static void apply(struct x11_ctx *c, char **outputs, const struct layout *want,
		  struct layout_result *res)
{
	int display_output[HVMLINK_MAX_DISPLAYS];
	struct plan *plans;
	int32_t ox, oy;
	struct layout valid = *want;
	int n;

	c->res = XRRGetScreenResources(c->dpy, c->root);
	if (!c->res) {
		layout_fail_all(want, res, "cannot read the X server's RandR resources");
		return;
	}
	n = c->res->noutput;
	for (unsigned int d = 0; d < HVMLINK_MAX_DISPLAYS; d++) {
		const char *bad;

		display_output[d] = -1;
		if (outputs) {
			if (d < g_strv_length(outputs))
				display_output[d] = output_index(c, outputs[d]);
		} else if ((int)d < n) {
			display_output[d] = (int)d;
		}
		if (!want->d[d].present)
			continue;
		bad = layout_mode_invalid(&want->d[d].mode);
		if (bad) {
			layout_result_fail(&res[d], "invalid hint: %s", bad);
			valid.d[d].present = FALSE;
		} else if (display_output[d] < 0) {
			if (outputs)
				layout_result_fail(&res[d], "no X output %s for display %u",
						   d < g_strv_length(outputs) ? outputs[d] : "configured", d);
			else
				layout_result_fail(&res[d], "no X output for display %u (the X server has %d)",
						   d, n);
			valid.d[d].present = FALSE;
		}
	}
	layout_origin(&valid, &ox, &oy);

	plans = g_new0(struct plan, n);
	for (int i = 0; i < n; i++) {
		struct plan *p = &plans[i];

		p->id = c->res->outputs[i];
		p->display = -1;
		p->info = XRRGetOutputInfo(c->dpy, c->res, p->id);
		if (p->info && p->info->crtc != None)
			p->cur = XRRGetCrtcInfo(c->dpy, c->res, p->info->crtc);
		if (p->cur && p->cur->mode == None) {
			XRRFreeCrtcInfo(p->cur);
			p->cur = NULL;
		}
		if (p->cur) {
			p->on = TRUE;
			p->mode = p->cur->mode;
			p->w = p->cur->width;
			p->h = p->cur->height;
			p->x = p->cur->x;
			p->y = p->cur->y;
		}
	}
	for (unsigned int d = 0; d < HVMLINK_MAX_DISPLAYS; d++) {
		const struct hvmlink_display_mode *m = &valid.d[d].mode;
		struct plan *p;

		if (!valid.d[d].present || !plans[display_output[d]].info)
			continue;
		p = &plans[display_output[d]];
		p->display = (int)d;
		p->on = m->enabled != 0;
		p->mode = None;
		if (p->on) {
			p->w = m->width;
			p->h = m->height;
			p->x = m->x - ox;
			p->y = m->y - oy;
		}
	}

	XGrabServer(c->dpy);
	apply_plans(c, plans, n, &valid, res);
	XUngrabServer(c->dpy);
	x_check(c);
	remove_unused_modes(c);
	read_back(c, display_output, want, ox, oy, res);

	for (int i = 0; i < n; i++) {
		if (plans[i].cur)
			XRRFreeCrtcInfo(plans[i].cur);
		if (plans[i].info)
			XRRFreeOutputInfo(plans[i].info);
	}
	g_free(plans);
	XRRFreeScreenResources(c->res);
	c->res = NULL;
}

void x11_apply_layout(const char *display_name, char **outputs,
		      const struct layout *want,
		      struct layout_result res[HVMLINK_MAX_DISPLAYS])
{
	static GMutex apply_lock;
	struct x11_ctx c = { 0 };
	int ev, err, major = 0, minor = 0;

	memset(res, 0, sizeof(*res) * HVMLINK_MAX_DISPLAYS);
	g_mutex_lock(&apply_lock);
	trap_ctx = &c;
	XSetErrorHandler(on_x_error);
	XSetIOErrorHandler(on_x_io_error);
	c.dpy = XOpenDisplay(display_name);
	if (!c.dpy) {
		layout_fail_all(want, res, "cannot open X display %s",
				XDisplayName(display_name));
		goto out;
	}
	XSetIOErrorExitHandler(c.dpy, on_x_io_exit, &c);
	c.root = DefaultRootWindow(c.dpy);
	if (!XRRQueryExtension(c.dpy, &ev, &err) ||
	    !XRRQueryVersion(c.dpy, &major, &minor) ||
	    major < 1 || (major == 1 && minor < 2))
		layout_fail_all(want, res, "X server lacks RandR 1.2 (has %d.%d)",
				major, minor);
	else
		apply(&c, outputs, want, res);
	XCloseDisplay(c.dpy);
out:
	trap_ctx = NULL;
	g_mutex_unlock(&apply_lock);
}
