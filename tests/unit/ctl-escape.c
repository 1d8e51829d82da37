/* SPDX-License-Identifier: MIT */
/* hvmlinkctl's escaping rules (xenstore/hvmlinkctl-escape.h): what a
 * terminal and a JSON parser receive for hostile bytes. */
#include <glib.h>
#include <string.h>

#include "xenstore/hvmlinkctl-escape.h"

static void check_text(const char *in, size_t len, const char *want)
{
	g_autofree char *out = ctl_text_escape(in, len);

	g_assert_cmpstr(out, ==, want);
	/* Only printable ASCII ever reaches the terminal. */
	for (const char *p = out; *p; p++)
		g_assert_true(*p >= 0x20 && *p < 0x7f);
}

static void test_text(void)
{
	check_text("1920x1080", 9, "1920x1080");
	check_text("", 0, "");
	check_text("a\"b\\c", 5, "a\\\"b\\\\c");
	/* ESC ] (OSC), a bell, CR/LF, DEL, a NUL in the middle. */
	check_text("\x1b]0;pwned\x07\r\n\x7f", 13,
		   "\\x1b]0;pwned\\x07\\x0d\\x0a\\x7f");
	check_text("a\0b", 3, "a\\x00b");
	/* UTF-8, and the C1 control CSI (U+009B) some terminals obey. */
	check_text("\xc3\xa9\xc2\x9b", 4, "\\xc3\\xa9\\xc2\\x9b");
}

static void check_json(const char *in, size_t len, const char *want)
{
	g_autofree char *out = ctl_utf8_sanitize(in, len);

	g_assert_cmpstr(out, ==, want);
	g_assert_true(g_utf8_validate(out, -1, NULL));
}

static void test_json(void)
{
	check_json("plain", 5, "plain");
	check_json("", 0, "");
	/* Valid UTF-8 and control characters pass (the generator escapes
	 * them); invalid bytes and NUL become U+FFFD, one per byte. */
	check_json("\xc3\xa9\x1b[1m", 6, "\xc3\xa9\x1b[1m");
	check_json("a\xff" "b", 3, "a\xef\xbf\xbd" "b");
	check_json("a\0b", 3, "a\xef\xbf\xbd" "b");
	check_json("\xc3", 1, "\xef\xbf\xbd");		/* truncated sequence */
	check_json("\xed\xa0\x80", 3,			/* a UTF-16 surrogate */
		   "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check_json("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80");
}

static void test_huge(void)
{
	/* xenstored's largest value: every byte value, 4096 bytes. */
	char buf[4096];
	g_autofree char *t = NULL, *j = NULL;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i & 0xff);
	t = ctl_text_escape(buf, sizeof(buf));
	j = ctl_utf8_sanitize(buf, sizeof(buf));
	g_assert_true(g_utf8_validate(j, -1, NULL));
	g_assert_cmpuint(strlen(t), >=, sizeof(buf));
	for (const char *p = t; *p; p++)
		g_assert_true(*p >= 0x20 && *p < 0x7f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ctl-escape/text", test_text);
	g_test_add_func("/ctl-escape/json", test_json);
	g_test_add_func("/ctl-escape/huge", test_huge);
	return g_test_run();
}
