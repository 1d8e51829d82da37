/* SPDX-License-Identifier: MIT */
#include "daemon/options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "common/log.h"
#include "common/paths.h"
#include "hvmlink/protocol.h"

/*
 * Read exactly ndigits hex digits from *p (no sign, no 0x, no spaces) and
 * advance *p.  strtoul would accept "-1", " 1" and "0x1": a PCI address or
 * id is written the way lspci prints it, nothing else.
 */
static int take_hex(const char **p, unsigned int ndigits, unsigned long *out)
{
	unsigned long v = 0;

	for (unsigned int i = 0; i < ndigits; i++) {
		int d = g_ascii_xdigit_value((*p)[i]);

		if (d < 0)
			return -1;
		v = (v << 4) | (unsigned long)d;
	}
	*p += ndigits;
	*out = v;
	return 0;
}

int hvmlinkd_parse_bdf(const char *s, uint16_t *segment, uint8_t *bus,
		       uint8_t *devfn)
{
	unsigned long seg = 0, b, d, f;
	const char *p = s;

	/* The segment is optional, as in lspci -s: count the colons. */
	if (strchr(p, ':') != strrchr(p, ':')) {
		if (take_hex(&p, 4, &seg) || *p++ != ':')
			return -1;
	}
	if (take_hex(&p, 2, &b) || *p++ != ':')
		return -1;
	if (take_hex(&p, 2, &d) || *p++ != '.')
		return -1;
	if (take_hex(&p, 1, &f) || *p != '\0')
		return -1;
	if (d > 0x1f || f > 7)
		return -1;
	*segment = (uint16_t)seg;
	*bus = (uint8_t)b;
	*devfn = (uint8_t)((d << 3) | f);
	return 0;
}

int hvmlinkd_parse_pci_ids(const char *s, struct hvmlinkd_options *opts)
{
	unsigned long v, d, sv, sd;
	const char *p = s;

	if (take_hex(&p, 4, &v) || *p++ != ':' || take_hex(&p, 4, &d))
		return -1;
	if (*p == '\0') {
		/* Without explicit subsystem ids the function names itself. */
		sv = v;
		sd = d;
	} else if (*p++ != ':' || take_hex(&p, 4, &sv) || *p++ != ':' ||
		   take_hex(&p, 4, &sd) || *p != '\0') {
		return -1;
	}
	/* 0xffff is what an empty slot reads: a guest would see no device. */
	if (v == 0xffff || v == 0 || d == 0xffff)
		return -1;
	opts->vendor_id = (uint16_t)v;
	opts->device_id = (uint16_t)d;
	opts->subsys_vendor_id = (uint16_t)sv;
	opts->subsys_id = (uint16_t)sd;
	return 0;
}

static int parse_domid(const char *s, uint16_t *domid)
{
	char *end;
	unsigned long v;

	if (!g_ascii_isdigit(s[0]))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	/*
	 * Dom0 runs no device model of ours, and ids from DOMID_FIRST_RESERVED
	 * (0x7ff0) up are special (DOMID_SELF, DOMID_IO, ...), never guests.
	 */
	if (errno || *end != '\0' || v == 0 || v >= 0x7ff0)
		return -1;
	*domid = (uint16_t)v;
	return 0;
}

int hvmlinkd_options_parse(struct hvmlinkd_options *opts, int argc,
			   char **argv)
{
	g_autofree char *domid = NULL, *bdf = NULL, *pci_ids = NULL;
	g_autofree char *log_level = NULL, *log_target = NULL;
	gint displays = 1;
	gboolean foreground = FALSE, no_restrict = FALSE, version = FALSE;
	gboolean incoming = FALSE;
	char *pid_file = NULL, *user = NULL, *chroot_dir = NULL;
	char *run_dir = NULL, *state_dir = NULL;
	GOptionEntry entries[] = {
		{ "domid", 'd', 0, G_OPTION_ARG_STRING, &domid,
		  "Domain to serve (required)", "D" },
		{ "bdf", 'b', 0, G_OPTION_ARG_STRING, &bdf,
		  "PCI address of the device (default 0000:00:1e.0)",
		  "SSSS:BB:DD.F" },
		{ "pci-ids", 0, 0, G_OPTION_ARG_STRING, &pci_ids,
		  "PCI vendor:device[:subvendor:subdevice] ids (hex)",
		  "VVVV:DDDD[:SSSS:SSSS]" },
		{ "displays", 'n', 0, G_OPTION_ARG_INT, &displays,
		  "Number of displays the guest may be hinted (1-16, default 1)",
		  "N" },
		{ "log-level", 'l', 0, G_OPTION_ARG_STRING, &log_level,
		  "err, warn, notice (default), info or debug", "LEVEL" },
		{ "log-target", 0, 0, G_OPTION_ARG_STRING, &log_target,
		  "stderr (default with --foreground) or syslog", "TARGET" },
		{ "incoming", 0, 0, G_OPTION_ARG_NONE, &incoming,
		  "The domain is being restored or migrated in: load the VM's saved device state",
		  NULL },
		{ "run-dir", 0, 0, G_OPTION_ARG_FILENAME, &run_dir,
		  "Directory of the per-domain lock file DOMID.pid (default "
		  HVMLINK_RUN_DIR_DEFAULT ")", "DIR" },
		{ "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
		  "Directory of the per-VM device state, in DIR/vm/ (default "
		  HVMLINK_STATE_DIR_DEFAULT ")", "DIR" },
		{ "pid-file", 'p', 0, G_OPTION_ARG_FILENAME, &pid_file,
		  "Deprecated: also write the daemon's pid to FILE (the lock is RUN_DIR/DOMID.pid)",
		  "FILE" },
		{ "foreground", 'f', 0, G_OPTION_ARG_NONE, &foreground,
		  "Do not detach", NULL },
		{ "user", 'u', 0, G_OPTION_ARG_STRING, &user,
		  "Drop to USER after set-up", "USER" },
		{ "chroot", 0, 0, G_OPTION_ARG_FILENAME, &chroot_dir,
		  "Chroot to DIR (an empty directory) after set-up", "DIR" },
		{ "no-restrict", 0, 0, G_OPTION_ARG_NONE, &no_restrict,
		  "Do not restrict Xen handles to the domain (debugging only)",
		  NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &version,
		  "Print the version and exit", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) err = NULL;

	memset(opts, 0, sizeof(*opts));
	opts->segment = HVMLINKD_DEFAULT_SEGMENT;
	opts->bus = HVMLINKD_DEFAULT_BUS;
	opts->devfn = HVMLINKD_DEFAULT_DEVFN;
	opts->vendor_id = HVMLINK_PCI_VENDOR_ID;
	opts->device_id = HVMLINK_PCI_DEVICE_ID;
	opts->subsys_vendor_id = HVMLINK_PCI_SUBSYS_VENDOR_ID;
	opts->subsys_id = HVMLINK_PCI_SUBSYS_ID;
	opts->log_level = LOG_LVL_NOTICE;

	ctx = g_option_context_new("- hvmlink device model for one Xen HVM guest");
	g_option_context_set_summary(ctx,
		"Emulates the hvmlink PCI function for domain D as a secondary\n"
		"Xen device model (ioreq server) and relays hints from xenstore.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		fprintf(stderr, "hvmlinkd: %s (try --help)\n", err->message);
		goto fail;
	}
	if (version) {
		printf("hvmlinkd %s (protocol %u.%u)\n", PACKAGE_VERSION,
		       HVMLINK_PROTOCOL_VERSION_MAJOR,
		       HVMLINK_PROTOCOL_VERSION_MINOR);
		g_free(pid_file);
		g_free(user);
		g_free(chroot_dir);
		g_free(run_dir);
		g_free(state_dir);
		return 1;
	}
	if (argc > 1) {
		fprintf(stderr, "hvmlinkd: unexpected argument '%s' (try --help)\n",
			argv[1]);
		goto fail;
	}
	if (!domid) {
		fprintf(stderr, "hvmlinkd: --domid is required (try --help)\n");
		goto fail;
	}
	if (parse_domid(domid, &opts->domid)) {
		fprintf(stderr, "hvmlinkd: --domid '%s': not a guest domain id (1-32751)\n",
			domid);
		goto fail;
	}
	if (bdf && hvmlinkd_parse_bdf(bdf, &opts->segment, &opts->bus,
				      &opts->devfn)) {
		fprintf(stderr, "hvmlinkd: --bdf '%s': expected SSSS:BB:DD.F in hex, device <= 1f, function <= 7\n",
			bdf);
		goto fail;
	}
	if (pci_ids && hvmlinkd_parse_pci_ids(pci_ids, opts)) {
		fprintf(stderr, "hvmlinkd: --pci-ids '%s': expected VVVV:DDDD or VVVV:DDDD:SSSS:SSSS in hex, vendor not 0000/ffff\n",
			pci_ids);
		goto fail;
	}
	if (displays < 1 || displays > HVMLINK_MAX_DISPLAYS) {
		fprintf(stderr, "hvmlinkd: --displays %d: must be 1-%d\n",
			displays, HVMLINK_MAX_DISPLAYS);
		goto fail;
	}
	opts->displays = (unsigned int)displays;
	if (log_level) {
		opts->log_level = log_level_from_name(log_level);
		if (opts->log_level < 0) {
			fprintf(stderr, "hvmlinkd: --log-level '%s': expected err, warn, notice, info or debug\n",
				log_level);
			goto fail;
		}
	}
	/* A detached daemon has no stderr: its lines go to syslog. */
	opts->log_target = foreground ? HVMLINKD_LOG_STDERR : HVMLINKD_LOG_SYSLOG;
	if (log_target) {
		if (strcmp(log_target, "stderr") == 0) {
			opts->log_target = HVMLINKD_LOG_STDERR;
		} else if (strcmp(log_target, "syslog") == 0) {
			opts->log_target = HVMLINKD_LOG_SYSLOG;
		} else {
			fprintf(stderr, "hvmlinkd: --log-target '%s': expected stderr or syslog\n",
				log_target);
			goto fail;
		}
	}
	if (chroot_dir && chroot_dir[0] != '/') {
		fprintf(stderr, "hvmlinkd: --chroot '%s': must be an absolute path\n",
			chroot_dir);
		goto fail;
	}
	if (pid_file && pid_file[0] != '/') {
		fprintf(stderr, "hvmlinkd: --pid-file '%s': must be an absolute path\n",
			pid_file);
		goto fail;
	}
	/* Absolute: the daemon keeps directory fds, but logs and the lock
	 * probe of hvmlinkctl name the path. */
	if (run_dir && run_dir[0] != '/') {
		fprintf(stderr, "hvmlinkd: --run-dir '%s': must be an absolute path\n",
			run_dir);
		goto fail;
	}
	if (state_dir && state_dir[0] != '/') {
		fprintf(stderr, "hvmlinkd: --state-dir '%s': must be an absolute path\n",
			state_dir);
		goto fail;
	}
	if (!run_dir)
		run_dir = g_strdup(HVMLINK_RUN_DIR_DEFAULT);
	if (!state_dir)
		state_dir = g_strdup(HVMLINK_STATE_DIR_DEFAULT);
	opts->foreground = foreground;
	opts->incoming = incoming;
	opts->run_dir = run_dir;
	opts->state_dir = state_dir;
	opts->no_restrict = no_restrict;
	opts->pid_file = pid_file;
	opts->user = user;
	opts->chroot_dir = chroot_dir;
	return 0;

fail:
	g_free(pid_file);
	g_free(user);
	g_free(chroot_dir);
	g_free(run_dir);
	g_free(state_dir);
	return -1;
}

void hvmlinkd_options_free(struct hvmlinkd_options *opts)
{
	g_clear_pointer(&opts->pid_file, g_free);
	g_clear_pointer(&opts->run_dir, g_free);
	g_clear_pointer(&opts->state_dir, g_free);
	g_clear_pointer(&opts->user, g_free);
	g_clear_pointer(&opts->chroot_dir, g_free);
}
