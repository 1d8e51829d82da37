/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the hint grammar (xenstore/hint-parse.h): what the
 * administrator may write, what is refused, and that the canonical form
 * parses back to the same mode.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "xenstore/hint-parse.h"

static int parse(const char *s, struct hvmlink_display_mode *m, char *err,
		 size_t errlen)
{
	return hint_parse_display(s, strlen(s), m, err, errlen);
}

struct good {
	const char *text;
	struct hvmlink_display_mode mode;
};

static const struct good good_modes[] = {
	{ "1920x1080", { 1920, 1080, 0, 0, 0, 1 } },
	{ "1920x1080@32", { 1920, 1080, 32, 0, 0, 1 } },
	{ "1920x1080@32+1920+0", { 1920, 1080, 32, 1920, 0, 1 } },
	{ "800x600+-10+-20", { 800, 600, 0, -10, -20, 1 } },
	{ "1x1", { 1, 1, 0, 0, 0, 1 } },
	{ "16384x16384@8", { 16384, 16384, 8, 0, 0, 1 } },
	{ "640x480@16", { 640, 480, 16, 0, 0, 1 } },
	{ "640x480@24+0+0", { 640, 480, 24, 0, 0, 1 } },
	{ "1024x768+262144+-262144", { 1024, 768, 0, 262144, -262144, 1 } },
	{ "off", { 0, 0, 0, 0, 0, 0 } },
};

static void test_valid_modes(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(good_modes); i++) {
		struct hvmlink_display_mode m;
		char err[128] = "";

		memset(&m, 0xa5, sizeof(m));
		g_assert_cmpint(parse(good_modes[i].text, &m, err, sizeof(err)),
				==, 0);
		g_assert_cmpuint(m.width, ==, good_modes[i].mode.width);
		g_assert_cmpuint(m.height, ==, good_modes[i].mode.height);
		g_assert_cmpuint(m.bpp, ==, good_modes[i].mode.bpp);
		g_assert_cmpint(m.x, ==, good_modes[i].mode.x);
		g_assert_cmpint(m.y, ==, good_modes[i].mode.y);
		g_assert_cmpuint(m.enabled, ==, good_modes[i].mode.enabled);
	}
}

struct bad {
	const char *text;
	const char *reason;	/* a word the error message must contain */
};

static const struct bad bad_modes[] = {
	{ "", "empty" },
	{ "1920", "'x'" },
	{ "1920x", "height" },
	{ "x1080", "width" },
	{ "0x1080", "width" },
	{ "1920x0", "height" },
	{ "16385x100", "width" },
	{ "100x16385", "height" },
	{ "99999999999x1", "width" },
	{ "1920x1080@33", "bits per pixel" },
	{ "1920x1080@0", "bits per pixel" },
	{ "1920x1080@", "bits per pixel" },
	{ "1920x1080@032", "bits per pixel" },
	{ "1920x1080+1", "'+Y'" },
	{ "1920x1080+1+", "y position" },
	{ "1920x1080+", "x position" },
	{ "1920x1080+262145+0", "x position" },
	{ "1920x1080+0+-262145", "y position" },
	{ "1920x1080+-0+0", "-0" },
	{ "1920x1080-10-10", "unexpected" },
	{ "01920x1080", "leading zeros" },
	{ " 1920x1080", "width" },
	{ "1920x1080 ", "unexpected" },
	{ "1920x1080\n", "unexpected" },
	{ "1920X1080", "'x'" },
	{ "OFF", "width" },
	{ "off ", "width" },
	{ "-1920x1080", "width" },
	{ "+1920x1080", "width" },
	{ "1920x1080@32+0+0junk", "unexpected" },
	{ "0x10x10", "width" },
	{ "1920x1080@32+1920+0+0", "unexpected" },
};

static void test_invalid_modes(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(bad_modes); i++) {
		struct hvmlink_display_mode m = { 7, 7, 7, 7, 7, 7 };
		char err[160] = "";

		g_test_message("refusing \"%s\"", bad_modes[i].text);
		g_assert_cmpint(parse(bad_modes[i].text, &m, err, sizeof(err)),
				==, -EINVAL);
		g_assert_nonnull(strstr(err, bad_modes[i].reason));
		/* A refused hint leaves the output alone. */
		g_assert_cmpuint(m.width, ==, 7);
		g_assert_cmpuint(m.enabled, ==, 7);
	}
}

static void test_counted_input(void)
{
	struct hvmlink_display_mode m;
	char err[128];
	char buf[HINT_DISPLAY_TEXT_MAX + 2];

	/* xenstore values are counted: only len bytes are looked at. */
	g_assert_cmpint(hint_parse_display("800x600JUNK", 7, &m, err,
					   sizeof(err)), ==, 0);
	g_assert_cmpuint(m.width, ==, 800);
	g_assert_cmpuint(m.height, ==, 600);
	/* An embedded NUL is refused, not a silent truncation. */
	g_assert_cmpint(hint_parse_display("800x600\0@8", 10, &m, err,
					   sizeof(err)), ==, -EINVAL);
	g_assert_nonnull(strstr(err, "NUL"));
	/* Oversized input. */
	memset(buf, '1', sizeof(buf));
	g_assert_cmpint(hint_parse_display(buf, sizeof(buf), &m, err,
					   sizeof(err)), ==, -EINVAL);
	g_assert_nonnull(strstr(err, "longer"));
	/* No error buffer is fine. */
	g_assert_cmpint(hint_parse_display("junk", 4, &m, NULL, 0), ==, -EINVAL);
}

static void test_round_trip(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(good_modes); i++) {
		struct hvmlink_display_mode m, back;
		char text[HINT_DISPLAY_FMT_LEN];
		char err[128];

		g_assert_cmpint(parse(good_modes[i].text, &m, err, sizeof(err)), ==, 0);
		hint_format_display(&m, text, sizeof(text));
		g_assert_cmpint(parse(text, &back, err, sizeof(err)), ==, 0);
		g_assert_true(hint_mode_equal(&m, &back));
	}
	{
		struct hvmlink_display_mode m = { 16384, 16384, 32, -262144, -262144, 1 };
		char text[HINT_DISPLAY_FMT_LEN];

		hint_format_display(&m, text, sizeof(text));
		g_assert_cmpstr(text, ==, "16384x16384@32+-262144+-262144");
	}
}

static void test_mode_equal(void)
{
	struct hvmlink_display_mode a = { 800, 600, 32, 0, 0, 1 }, b = a;

	g_assert_true(hint_mode_equal(&a, &b));
	b.x = 1;
	g_assert_false(hint_mode_equal(&a, &b));
	b = a;
	b.bpp = 16;
	g_assert_false(hint_mode_equal(&a, &b));
	b = a;
	b.enabled = 0;
	g_assert_false(hint_mode_equal(&a, &b));
}

static void test_display_index(void)
{
	unsigned int idx = 99;
	char err[128];

	g_assert_cmpint(hint_parse_display_index("0", 1, &idx, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(idx, ==, 0);
	g_assert_cmpint(hint_parse_display_index("15", 16, &idx, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(idx, ==, 15);

	g_assert_cmpint(hint_parse_display_index("1", 1, &idx, err, sizeof(err)), ==, -EINVAL);
	g_assert_nonnull(strstr(err, "no display 1"));
	g_assert_cmpint(hint_parse_display_index("16", 16, &idx, err, sizeof(err)), ==, -EINVAL);
	g_assert_cmpint(hint_parse_display_index("01", 16, &idx, err, sizeof(err)), ==, -EINVAL);
	g_assert_cmpint(hint_parse_display_index("-1", 16, &idx, err, sizeof(err)), ==, -EINVAL);
	g_assert_cmpint(hint_parse_display_index("", 16, &idx, err, sizeof(err)), ==, -EINVAL);
	g_assert_cmpint(hint_parse_display_index("a", 16, &idx, err, sizeof(err)), ==, -EINVAL);
	g_assert_cmpint(hint_parse_display_index("4294967296", 16, &idx, err, sizeof(err)), ==, -EINVAL);
	g_assert_cmpint(hint_parse_display_index("0", 0, &idx, err, sizeof(err)), ==, -EINVAL);
	g_assert_cmpint(hint_parse_display_index("0", 17, &idx, err, sizeof(err)), ==, -EINVAL);
	g_assert_cmpint(hint_parse_display_index(NULL, 1, &idx, err, sizeof(err)), ==, -EINVAL);
	g_assert_cmpuint(idx, ==, 15);
}

static void test_keys(void)
{
	char err[128];
	char longest[HINT_KEY_MAX + 1], too_long[HINT_KEY_MAX + 2];

	g_assert_cmpint(hint_check_key("a", err, sizeof(err)), ==, 0);
	g_assert_cmpint(hint_check_key("Guest_Name-2", err, sizeof(err)), ==, 0);
	memset(longest, 'k', HINT_KEY_MAX);
	longest[HINT_KEY_MAX] = '\0';
	g_assert_cmpint(hint_check_key(longest, err, sizeof(err)), ==, 0);
	memset(too_long, 'k', HINT_KEY_MAX + 1);
	too_long[HINT_KEY_MAX + 1] = '\0';
	g_assert_cmpint(hint_check_key(too_long, err, sizeof(err)), ==, -EINVAL);
	g_assert_nonnull(strstr(err, "longer"));

	g_assert_cmpint(hint_check_key("", err, sizeof(err)), ==, -EINVAL);
	g_assert_cmpint(hint_check_key(NULL, err, sizeof(err)), ==, -EINVAL);
	g_assert_cmpint(hint_check_key("a.b", err, sizeof(err)), ==, -EINVAL);
	g_assert_nonnull(strstr(err, "'.'"));
	g_assert_cmpint(hint_check_key("a/b", err, sizeof(err)), ==, -EINVAL);
	g_assert_cmpint(hint_check_key("a b", err, sizeof(err)), ==, -EINVAL);
	g_assert_cmpint(hint_check_key("@x", err, sizeof(err)), ==, -EINVAL);
	g_assert_cmpint(hint_check_key("caf\xc3\xa9", err, sizeof(err)), ==, -EINVAL);
}

static void test_values(void)
{
	char err[128];
	static char big[HVMLINK_KV_VALUE_MAX + 1];

	g_assert_cmpint(hint_check_value("", 0, err, sizeof(err)), ==, 0);
	g_assert_cmpint(hint_check_value(big, HVMLINK_KV_VALUE_MAX, err,
					 sizeof(err)), ==, 0);
	g_assert_cmpint(hint_check_value(big, HVMLINK_KV_VALUE_MAX + 1, err,
					 sizeof(err)), ==, -EINVAL);
	g_assert_nonnull(strstr(err, "1025 bytes"));
	/* Values are bytes: NULs and non-ASCII are fine. */
	g_assert_cmpint(hint_check_value("a\0b\xff", 4, err, sizeof(err)), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hint-parse/display/valid", test_valid_modes);
	g_test_add_func("/hint-parse/display/invalid", test_invalid_modes);
	g_test_add_func("/hint-parse/display/counted", test_counted_input);
	g_test_add_func("/hint-parse/display/round-trip", test_round_trip);
	g_test_add_func("/hint-parse/display/equal", test_mode_equal);
	g_test_add_func("/hint-parse/display-index", test_display_index);
	g_test_add_func("/hint-parse/key", test_keys);
	g_test_add_func("/hint-parse/value", test_values);
	return g_test_run();
}
