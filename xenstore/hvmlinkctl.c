/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkctl: steer hvmlink from Dom0.  Everything it writes goes through
 * the same validation as the daemon's (hint-parse.h), before anything is
 * written, so a command that succeeds never produces an error node.
 *
 * This file: the command table, the options every command shares, and
 * the exit statuses (hvmlinkctl.h, hvmlinkctl(8)).
 */
#include "xenstore/hvmlinkctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <xenstore.h>

#include "common/paths.h"

const char *ctl_run_dir = HVMLINK_RUN_DIR_DEFAULT;

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;
	/* Parses its own words (after the command's name), because a VALUE
	 * or a hint line may look like an option; main answers --help and
	 * --version right after the name. */
	bool plain;
} commands[] = {
	{ "hint", ctl_cmd_hint,
	  "hint DOMAIN display [N] MODE | hint DOMAIN key KEY VALUE|--delete\n"
	  "  hvmlinkctl hint --clear DOMAIN [display [N] | key KEY]", true },
	{ "hints", ctl_cmd_hints,
	  "hints export DOMAIN > FILE | hints import DOMAIN < FILE", true },
	{ "forget", ctl_cmd_forget, "forget VM [--state-dir DIR]", true },
	{ "status", ctl_cmd_status, "status [--json] DOMAIN", false },
	{ "list", ctl_cmd_list, "list [--json]", false },
	{ "watch", ctl_cmd_watch, "watch [--json] DOMAIN", false },
	{ "wait-ready", ctl_cmd_wait_ready, "wait-ready [--timeout S] DOMAIN",
	  false },
	{ "launch", ctl_cmd_launch,
	  "launch [--timeout S] [--hvmlinkd PATH] CONFIG [XL-ARGS...] [-- DAEMON-ARGS...]",
	  false },
};

void ctl_error(const char *fmt, ...)
{
	va_list ap;

	fputs("hvmlinkctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void ctl_print_version(void)
{
	printf("hvmlinkctl %s\n", PACKAGE_VERSION);
}

int ctl_usage_error(const char *cmd, const char *params)
{
	ctl_error("usage: hvmlinkctl %s %s (try hvmlinkctl %s --help)", cmd,
		  params, cmd);
	return CTL_EXIT_USAGE;
}

int ctl_parse_options(const char *cmd, const char *params, const char *summary,
		      const GOptionEntry *entries, bool posix, int *argc,
		      char ***argv)
{
	gboolean help = FALSE, version = FALSE;
	const GOptionEntry common[] = {
		{ "help", 'h', 0, G_OPTION_ARG_NONE, &help,
		  "Show this help and exit", NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &version,
		  "Print the version and exit", NULL },
		G_OPTION_ENTRY_NULL
	};
	g_autofree char *prg = g_strdup_printf("hvmlinkctl %s", cmd);
	g_autoptr(GOptionContext) ctx = g_option_context_new(params);
	g_autoptr(GError) err = NULL;

	/* Our own --help: GOption's would exit() from inside the parser. */
	g_option_context_set_help_enabled(ctx, FALSE);
	g_option_context_set_strict_posix(ctx, posix);
	g_option_context_set_summary(ctx, summary);
	g_option_context_set_description(ctx, "See hvmlinkctl(8).");
	if (entries)
		g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_add_main_entries(ctx, common, NULL);
	g_set_prgname(prg);
	if (!g_option_context_parse(ctx, argc, argv, &err)) {
		ctl_error("%s: %s (try hvmlinkctl %s --help)", cmd, err->message, cmd);
		return CTL_EXIT_USAGE;
	}
	/* GOption keeps a "--" that is followed by something looking like an
	 * option; before the positional arguments it only ends the options. */
	if (*argc > 1 && !strcmp((*argv)[1], "--") && !posix) {
		memmove(*argv + 1, *argv + 2, (size_t)(*argc - 1) * sizeof(**argv));
		(*argc)--;
	}
	if (help) {
		g_autofree char *text = g_option_context_get_help(ctx, TRUE, NULL);

		fputs(text, stdout);
		return CTL_EXIT_OK;
	}
	if (version) {
		ctl_print_version();
		return CTL_EXIT_OK;
	}
	return -1;
}

struct xs_handle *ctl_xs_open(void)
{
	struct xs_handle *xsh = xs_open(0);

	if (!xsh)
		ctl_error("cannot connect to xenstore: %s (is xenstored running?)",
			  strerror(errno));
	return xsh;
}

int ctl_open_domain(const char *arg, struct xs_handle **xshp)
{
	struct xs_handle *xsh = ctl_xs_open();
	int domid;

	if (!xsh)
		return -CTL_EXIT_FAIL;
	domid = ctl_resolve_domain(xsh, arg);
	if (domid < 0) {
		xs_close(xsh);
		return domid;
	}
	*xshp = xsh;
	return domid;
}

/*
 * The generator escapes C0 controls; DEL and the C1 controls (U+0080..
 * U+009F, e.g. U+009B, a one-character CSI for some terminals) it leaves
 * raw.  JSON often ends up on a terminal too, so they are written as
 * \u00NN as well.  Outside strings JSON is plain ASCII, so every such
 * character found is inside a string, where the escape means the same.
 */
static void put_json_text(const char *text)
{
	for (const char *p = text; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c >= 0x7f && c <= 0x9f)
			printf("\\u%04x", (unsigned int)c);
		else
			fwrite(p, 1, (size_t)(g_utf8_next_char(p) - p), stdout);
	}
	putchar('\n');
}

void ctl_json_print(JsonNode *node)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *text = NULL;

	json_generator_set_root(gen, node);
	text = json_generator_to_data(gen, NULL);
	put_json_text(text);
	fflush(stdout);
}

static void usage(FILE *f)
{
	fputs("usage: hvmlinkctl [--run-dir DIR] COMMAND [ARGS]\n\n", f);
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(f, "  hvmlinkctl %s\n", commands[i].synopsis);
	fputs("\n"
	      "DOMAIN is a domain id or name; for hint, hints and forget also a VM UUID\n"
	      "or the name of a VM that is not running: hints belong to the VM.\n"
	      "Every command takes --help and --version.\n"
	      "Exit status: 0 ok, 1 error, 2 usage or invalid input, 3 no such domain,\n"
	      "4 wait-ready timeout, 5 launch failed, 6 status: no live daemon.\n"
	      "See hvmlinkctl(8).\n", f);
}

/* --help and --version right after the name of a plain command. */
static int plain_command_info(const struct command *c, int argc, char **argv)
{
	if (argc < 1)
		return -1;
	if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		printf("usage: hvmlinkctl %s\nSee hvmlinkctl(8).\n", c->synopsis);
		return CTL_EXIT_OK;
	}
	if (!strcmp(argv[0], "--version") || !strcmp(argv[0], "-V")) {
		ctl_print_version();
		return CTL_EXIT_OK;
	}
	return -1;
}

int main(int argc, char **argv)
{
	gboolean help = FALSE, version = FALSE;
	char *run_dir = NULL;
	const GOptionEntry entries[] = {
		{ "run-dir", 0, 0, G_OPTION_ARG_FILENAME, &run_dir,
		  "Where hvmlinkd keeps its lock files (default " HVMLINK_RUN_DIR_DEFAULT ")",
		  "DIR" },
		{ "help", 'h', 0, G_OPTION_ARG_NONE, &help, "Show help", NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &version,
		  "Print the version", NULL },
		G_OPTION_ENTRY_NULL
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND [ARGS]");
	g_autoptr(GError) err = NULL;
	const char *cmd;
	int rc;

	g_option_context_set_help_enabled(ctx, FALSE);
	/* Options after COMMAND belong to it. */
	g_option_context_set_strict_posix(ctx, TRUE);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		ctl_error("%s (try --help)", err->message);
		return CTL_EXIT_USAGE;
	}
	if (help) {
		usage(stdout);
		g_free(run_dir);
		return CTL_EXIT_OK;
	}
	if (version) {
		ctl_print_version();
		g_free(run_dir);
		return CTL_EXIT_OK;
	}
	if (run_dir)
		ctl_run_dir = run_dir;
	if (argc < 2) {
		usage(stderr);
		g_free(run_dir);
		return CTL_EXIT_USAGE;
	}
	cmd = argv[1];
	rc = -1;
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (strcmp(cmd, commands[i].name))
			continue;
		if (commands[i].plain) {
			rc = plain_command_info(&commands[i], argc - 2, argv + 2);
			if (rc < 0)
				rc = commands[i].run(argc - 2, argv + 2);
		} else {
			/* argv[0] is the command's name, as GOption wants. */
			rc = commands[i].run(argc - 1, argv + 1);
		}
		g_free(run_dir);
		return rc;
	}
	if (!strcmp(cmd, "help")) {
		usage(stdout);
		rc = CTL_EXIT_OK;
	} else {
		ctl_error("unknown command \"%s\" (try --help)", cmd);
		rc = CTL_EXIT_USAGE;
	}
	g_free(run_dir);
	return rc;
}
