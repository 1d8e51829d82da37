/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkctl: steer hvmlink from Dom0.  Everything it writes goes through
 * the same validation as the daemon's (hint-parse.h), before anything is
 * written, so a command that succeeds never produces an error node.
 */
#include "xenstore/hvmlinkctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <xenstore.h>

void ctl_error(const char *fmt, ...)
{
	va_list ap;

	fputs("hvmlinkctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
		return -CTL_EXIT_XENSTORE;
	domid = ctl_resolve_domain(xsh, arg);
	if (domid < 0) {
		xs_close(xsh);
		return domid;
	}
	*xshp = xsh;
	return domid;
}

static void usage(FILE *f)
{
	fputs("usage: hvmlinkctl COMMAND [ARGS]\n"
	      "\n"
	      "  hint DOMAIN display [N] MODE     display hint; MODE is WxH[@BPP][+X+Y] or off,\n"
	      "                                   N the display (default 0)\n"
	      "  hint DOMAIN key KEY VALUE        set a key/value hint\n"
	      "  hint DOMAIN key KEY --delete     remove a key/value hint\n"
	      "  hint --clear DOMAIN [display [N] | key KEY]\n"
	      "                                   remove hints (all of them without a kind)\n"
	      "  hints export DOMAIN > FILE       print the VM's hints (one a line)\n"
	      "  hints import DOMAIN < FILE       replace the VM's hints with FILE's\n"
	      "  forget VM [--state-dir DIR]      remove everything hvmlink keeps for a VM\n"
	      "                                   that is not running (hints, device state)\n"
	      "  status DOMAIN [--json]           daemon state, hints, errors, guest state\n"
	      "  wait-ready DOMAIN [--timeout S]  wait until the daemon is ready (default 30 s)\n"
	      "  launch [--timeout S] [--hvmlinkd PATH] CONFIG [XL-ARGS...] [-- DAEMON-ARGS...]\n"
	      "                                   xl create -p, start hvmlinkd, wait, xl unpause\n"
	      "\n"
	      "DOMAIN is a domain id or name; for hint, hints and forget also a VM UUID\n"
	      "or the name of a VM that is not running: hints belong to the VM.\n"
	      "Exit status: 0 ok, 1 usage or invalid input,\n"
	      "2 no such domain, 3 xenstore error, 4 timeout, 5 launch failed.\n"
	      "See hvmlinkctl(8).\n", f);
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	if (!strcmp(cmd, "hint"))
		return ctl_cmd_hint(argc - 2, argv + 2);
	if (!strcmp(cmd, "hints"))
		return ctl_cmd_hints(argc - 2, argv + 2);
	if (!strcmp(cmd, "forget"))
		return ctl_cmd_forget(argc - 2, argv + 2);
	if (!strcmp(cmd, "status"))
		return ctl_cmd_status(argc - 2, argv + 2);
	if (!strcmp(cmd, "wait-ready"))
		return ctl_cmd_wait_ready(argc - 2, argv + 2);
	if (!strcmp(cmd, "launch"))
		return ctl_cmd_launch(argc - 2, argv + 2);
	ctl_error("unknown command \"%s\" (try --help)", cmd);
	return CTL_EXIT_USAGE;
}
