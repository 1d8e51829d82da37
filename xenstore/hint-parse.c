/* SPDX-License-Identifier: MIT */
/*
 * Hint parsing: a small hand-written scanner rather than sscanf(), because
 * sscanf accepts spaces, signs, overflow and trailing garbage, and every
 * one of those would be a way for a typo to reach the guest.
 */
#include "xenstore/hint-parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A cursor over a counted, not necessarily NUL-terminated string. */
struct scan {
	const char *p;
	const char *end;
};

static bool scan_eat(struct scan *s, char c)
{
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return true;
	}
	return false;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * An unsigned decimal without leading zeros, at most max.  Returns false
 * (and sets *what) if there is none, it has a leading zero or is too big.
 */
static bool scan_uint(struct scan *s, uint32_t max, uint32_t *out,
		      const char **why)
{
	uint64_t v = 0;
	const char *start = s->p;

	if (s->p >= s->end || !is_digit(*s->p)) {
		*why = "a number is missing";
		return false;
	}
	while (s->p < s->end && is_digit(*s->p)) {
		v = v * 10 + (uint64_t)(*s->p - '0');
		s->p++;
		if (v > max) {
			*why = "number out of range";
			return false;
		}
	}
	if (s->p - start > 1 && *start == '0') {
		*why = "leading zeros are not allowed";
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool scan_int(struct scan *s, int32_t min, int32_t max, int32_t *out,
		     const char **why)
{
	bool neg = scan_eat(s, '-');
	uint32_t mag;

	if (!scan_uint(s, neg ? (uint32_t)-(int64_t)min : (uint32_t)max,
		       &mag, why))
		return false;
	if (neg && mag == 0) {
		*why = "\"-0\" is not a position";
		return false;
	}
	*out = neg ? (int32_t)-(int64_t)mag : (int32_t)mag;
	return true;
}

int hint_parse_display(const char *text, size_t len,
		       struct hvmlink_display_mode *mode,
		       char *err, size_t errlen)
{
	struct hvmlink_display_mode m = { 0 };
	struct scan s = { text, text + len };
	const char *why = NULL;
	uint32_t bpp = 0;

	if (!text || len == 0)
		return fail(err, errlen, "empty display hint");
	if (len > HINT_DISPLAY_TEXT_MAX)
		return fail(err, errlen, "display hint longer than %d bytes",
			    HINT_DISPLAY_TEXT_MAX);
	if (memchr(text, '\0', len))
		return fail(err, errlen, "display hint contains a NUL byte");

	if (len == 3 && memcmp(text, "off", 3) == 0) {
		*mode = m;
		return 0;
	}

	if (!scan_uint(&s, HINT_DIM_MAX, &m.width, &why))
		return fail(err, errlen, "bad width: %s (expected WxH[@BPP][+X+Y] or off)",
			    why);
	if (m.width < HINT_DIM_MIN)
		return fail(err, errlen, "width must be %d..%d",
			    HINT_DIM_MIN, HINT_DIM_MAX);
	if (!scan_eat(&s, 'x'))
		return fail(err, errlen, "expected 'x' after the width (format WxH[@BPP][+X+Y] or off)");
	if (!scan_uint(&s, HINT_DIM_MAX, &m.height, &why))
		return fail(err, errlen, "bad height: %s", why);
	if (m.height < HINT_DIM_MIN)
		return fail(err, errlen, "height must be %d..%d",
			    HINT_DIM_MIN, HINT_DIM_MAX);

	if (scan_eat(&s, '@')) {
		if (!scan_uint(&s, 32, &bpp, &why) ||
		    (bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32))
			return fail(err, errlen, "bits per pixel must be 8, 16, 24 or 32");
		m.bpp = bpp;
	}

	if (scan_eat(&s, '+')) {
		if (!scan_int(&s, HINT_POS_MIN, HINT_POS_MAX, &m.x, &why))
			return fail(err, errlen, "bad x position: %s (range %d..%d)",
				    why, HINT_POS_MIN, HINT_POS_MAX);
		if (!scan_eat(&s, '+'))
			return fail(err, errlen, "expected '+Y' after the x position");
		if (!scan_int(&s, HINT_POS_MIN, HINT_POS_MAX, &m.y, &why))
			return fail(err, errlen, "bad y position: %s (range %d..%d)",
				    why, HINT_POS_MIN, HINT_POS_MAX);
	}

	if (s.p != s.end)
		return fail(err, errlen, "unexpected text after the mode (format WxH[@BPP][+X+Y] or off)");

	m.enabled = 1;
	*mode = m;
	return 0;
}

void hint_format_display(const struct hvmlink_display_mode *mode,
			 char *buf, size_t buflen)
{
	char bpp[16] = "";

	if (!mode->enabled) {
		snprintf(buf, buflen, "off");
		return;
	}
	if (mode->bpp)
		snprintf(bpp, sizeof(bpp), "@%u", mode->bpp);
	snprintf(buf, buflen, "%ux%u%s+%d+%d", mode->width, mode->height, bpp,
		 mode->x, mode->y);
}

bool hint_mode_equal(const struct hvmlink_display_mode *a,
		     const struct hvmlink_display_mode *b)
{
	return a->enabled == b->enabled && a->width == b->width &&
	       a->height == b->height && a->bpp == b->bpp &&
	       a->x == b->x && a->y == b->y;
}

int hint_parse_display_index(const char *text, unsigned int nr_displays,
			     unsigned int *index, char *err, size_t errlen)
{
	struct scan s;
	const char *why = NULL;
	uint32_t v;

	if (!text)
		return fail(err, errlen, "missing display number");
	s.p = text;
	s.end = text + strlen(text);
	if (!scan_uint(&s, UINT32_MAX / 2, &v, &why) || s.p != s.end)
		return fail(err, errlen, "bad display number \"%.16s\": %s",
			    text, why ? why : "not a decimal number");
	if (nr_displays < 1 || nr_displays > HVMLINK_MAX_DISPLAYS)
		return fail(err, errlen, "bad display count %u", nr_displays);
	if (v >= nr_displays)
		return fail(err, errlen, "no display %u (displays are 0..%u)",
			    v, nr_displays - 1);
	*index = v;
	return 0;
}

static bool key_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       is_digit(c) || c == '_' || c == '-';
}

int hint_check_key(const char *key, char *err, size_t errlen)
{
	size_t n;

	if (!key || !*key)
		return fail(err, errlen, "empty key");
	for (n = 0; key[n]; n++) {
		if (n >= HINT_KEY_MAX)
			return fail(err, errlen, "key longer than %d characters",
				    HINT_KEY_MAX);
		if (!key_char_ok(key[n])) {
			if (key[n] == '.')
				return fail(err, errlen, "'.' is not allowed in a key (xenstore forbids it in node names)");
			return fail(err, errlen, "key may only contain A-Z a-z 0-9 _ -");
		}
	}
	return 0;
}

int hint_check_value(const void *value, size_t len, char *err, size_t errlen)
{
	if (!value && len)
		return fail(err, errlen, "missing value");
	if (len > HVMLINK_KV_VALUE_MAX)
		return fail(err, errlen, "value is %zu bytes, the limit is %d",
			    len, HVMLINK_KV_VALUE_MAX);
	return 0;
}
