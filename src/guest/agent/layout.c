// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* Display layouts: validation and geometry shared by every backend. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "guest/agent/layout.h"

const char *layout_mode_invalid(const struct hvmlink_display_mode *m)
{
	if (m->enabled > 1)
		return "enabled is neither 0 nor 1";
	if (!m->enabled) {
		/* The protocol wants every other field 0 for "off". */
		if (m->width || m->height || m->bpp || m->x || m->y)
			return "a display that is off has non-zero fields";
		return NULL;
	}
	if (m->width < 1 || m->width > LAYOUT_MAX_SIZE ||
	    m->height < 1 || m->height > LAYOUT_MAX_SIZE)
		return "size out of range 1..16384";
	if (m->bpp != 0 && m->bpp != 8 && m->bpp != 16 && m->bpp != 24 &&
	    m->bpp != 32)
		return "bpp is not 0, 8, 16, 24 or 32";
	if (m->x < -LAYOUT_MAX_POS || m->x > LAYOUT_MAX_POS ||
	    m->y < -LAYOUT_MAX_POS || m->y > LAYOUT_MAX_POS)
		return "position out of range";
	return NULL;
}

unsigned int layout_enabled_count(const struct layout *l)
{
	unsigned int n = 0;

	for (unsigned int d = 0; d < HVMLINK_MAX_DISPLAYS; d++)
		if (l->d[d].present && l->d[d].mode.enabled)
			n++;
	return n;
}

void layout_origin(const struct layout *l, int32_t *x, int32_t *y)
{
	gboolean any = FALSE;

	*x = 0;
	*y = 0;
	for (unsigned int d = 0; d < HVMLINK_MAX_DISPLAYS; d++) {
		const struct hvmlink_display_mode *m = &l->d[d].mode;

		if (!l->d[d].present || !m->enabled)
			continue;
		if (!any || m->x < *x)
			*x = m->x;
		if (!any || m->y < *y)
			*y = m->y;
		any = TRUE;
	}
}

char *layout_mode_string(const struct hvmlink_display_mode *m)
{
	if (!m->enabled)
		return g_strdup("off");
	return g_strdup_printf("%ux%u%+d%+d", m->width, m->height, m->x, m->y);
}

void layout_result_fail(struct layout_result *res, const char *fmt, ...)
{
	va_list ap;

	res->done = TRUE;
	res->ok = FALSE;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

void layout_fail_all(const struct layout *l, struct layout_result *res,
		     const char *fmt, ...)
{
	char buf[HVMLINK_REASON_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (unsigned int d = 0; d < HVMLINK_MAX_DISPLAYS; d++)
		if (l->d[d].present && !res[d].done)
			layout_result_fail(&res[d], "%s", buf);
}

gboolean layout_mode_matches(const struct hvmlink_display_mode *want,
			     const struct hvmlink_display_mode *have)
{
	if (!want->enabled)
		return !have->enabled;
	return have->enabled && have->width == want->width &&
	       have->height == want->height && have->x == want->x &&
	       have->y == want->y;
}
