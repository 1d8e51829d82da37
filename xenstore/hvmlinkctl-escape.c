/* SPDX-License-Identifier: MIT */
/* Escaping of foreign bytes for text and JSON output (see hvmlinkctl-escape.h). */
#include "xenstore/hvmlinkctl-escape.h"

#include <glib.h>

char *ctl_text_escape(const char *s, size_t len)
{
	GString *out = g_string_sized_new(len + 2);

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c == '"')
			g_string_append_c(out, '\\');
		if (c >= 0x20 && c < 0x7f)
			g_string_append_c(out, (char)c);
		else
			g_string_append_printf(out, "\\x%02x", c);
	}
	return g_string_free(out, FALSE);
}

char *ctl_utf8_sanitize(const char *s, size_t len)
{
	GString *out = g_string_sized_new(len);
	const char *p = s, *end = s + len;

	while (p < end) {
		const char *bad;

		/* Stops at the first invalid sequence or NUL byte. */
		if (g_utf8_validate_len(p, (gsize)(end - p), &bad)) {
			g_string_append_len(out, p, end - p);
			break;
		}
		g_string_append_len(out, p, bad - p);
		g_string_append(out, "\xef\xbf\xbd");	/* U+FFFD */
		p = bad + 1;
	}
	return g_string_free(out, FALSE);
}
