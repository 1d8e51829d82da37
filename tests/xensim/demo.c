/* SPDX-License-Identifier: MIT */
/*
 * xensim-demo: the Xen stand-in end to end, step by step.  It plays the
 * hypervisor and a guest; the toy device model (xensim-toydm, linked
 * against the real libxen* libraries) runs as its own process under
 * xensim-run, exactly as hvmlinkd will.
 *
 *   tests/xensim/xensim-demo [--verbose]
 */
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/xensim/xensim.h"

#define DOM 5

static int step(int rc, const char *what)
{
	if (rc < 0)
		fprintf(stderr, "xensim-demo: %s failed: %s\n", what, strerror(-rc));
	return rc;
}

int main(int argc, char **argv)
{
	bool verbose = argc > 1 && !strcmp(argv[1], "--verbose");
	char self[PATH_MAX], dir[PATH_MAX], toy[PATH_MAX + 32], run[PATH_MAX + 32];
	char left[2048], dom[8];
	char *toy_argv[4];
	struct xensim *sim;
	struct xensim_server_info si;
	uint64_t v, addr;
	uint32_t data;
	int status = -1, rc = 1;
	ssize_t n;
	pid_t pid;

	/* Find xensim-run and the toy next to this program. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		perror("readlink /proc/self/exe");
		return 1;
	}
	self[n] = '\0';
	snprintf(dir, sizeof(dir), "%s", dirname(self));
	snprintf(toy, sizeof(toy), "%s/xensim-toydm", dir);
	snprintf(run, sizeof(run), "%s/xensim-run", dir);
	if (!getenv("XENSIM_RUN"))
		setenv("XENSIM_RUN", run, 1);
	unsetenv("XENSIM_DIR");		/* a fresh simulated host */

	sim = xensim_open(NULL);
	if (!sim) {
		perror("xensim_open");
		return 1;
	}
	printf("[hypervisor] simulated Xen 4.17 host in %s\n", xensim_dir(sim));
	if (step(xensim_domain_create(sim, DOM, 1, 16 << 20), "domain create") < 0)
		goto out;
	printf("[hypervisor] created HVM domain %d: 1 vCPU, 16 MiB RAM\n", DOM);

	snprintf(dom, sizeof(dom), "%d", DOM);
	toy_argv[0] = toy;
	toy_argv[1] = dom;
	toy_argv[2] = verbose ? "--verbose" : NULL;
	toy_argv[3] = NULL;
	printf("[dm]         starting %s %s under xensim-run (libxensim.so preloaded)\n",
	       toy, dom);
	fflush(stdout);
	pid = xensim_spawn(sim, toy_argv);
	if (step(pid, "spawning the toy device model") < 0)
		goto out;
	if (step(xensim_wait_server_enabled(sim, DOM, -1), "waiting for the ioreq server") < 0)
		goto out_kill;
	if (xensim_servers(sim, DOM, &si, 1) == 1)
		printf("[hypervisor] ioreq server %u enabled: %u port range(s), %u MMIO range(s), %u PCI device(s)\n",
		       si.id, si.nr_port_ranges, si.nr_mmio_ranges, si.nr_pcidevs);

	printf("[guest]      outl 0x12345678 -> port 0x510\n");
	if (step(xensim_pio_write(sim, DOM, 0, 0x510, 4, 0x12345678), "port write") < 0)
		goto out_kill;
	if (step(xensim_pio_read(sim, DOM, 0, 0x510, 4, &v), "port read") < 0)
		goto out_kill;
	printf("[guest]      inl port 0x510 = %#llx (the toy device's scratch register)\n",
	       (unsigned long long)v);
	if (v != 0x12345678)
		goto out_kill;
	if (step(xensim_pci_cfg_read(sim, DOM, 0, XENSIM_SBDF(0, 0, 5, 0), 0, 4, &v),
		 "config read") < 0)
		goto out_kill;
	printf("[guest]      PCI config 00:05.0 vendor:device = %04llx:%04llx\n",
	       (unsigned long long)(v & 0xffff), (unsigned long long)(v >> 16));

	printf("[guest]      outl 1 -> port 0x518 (asks the device for its interrupt)\n");
	if (step(xensim_pio_write(sim, DOM, 0, 0x518, 4, 1), "port write") < 0 ||
	    step(xensim_intx_wait(sim, DOM, 5, 0, 1, -1), "waiting for INTx") < 0)
		goto out_kill;
	printf("[hypervisor] INTA# of 00:05.0 asserted by the device model\n");
	if (step(xensim_pio_write(sim, DOM, 0, 0x518, 4, 0), "port write") < 0 ||
	    step(xensim_intx_wait(sim, DOM, 5, 0, 0, -1), "waiting for INTx") < 0)
		goto out_kill;
	printf("[hypervisor] INTA# of 00:05.0 deasserted\n");
	if (step(xensim_pio_write(sim, DOM, 0, 0x51c, 4, 0x4041), "port write") < 0 ||
	    step(xensim_msi_next(sim, DOM, &addr, &data, -1), "waiting for an MSI") < 0)
		goto out_kill;
	printf("[hypervisor] MSI injected: address %#llx data %#x\n",
	       (unsigned long long)addr, data);

	printf("[guest]      outl 1 -> port 0x548 (tells the toy to shut down)\n");
	if (step(xensim_pio_write(sim, DOM, 0, 0x548, 4, 1), "port write") < 0)
		goto out_kill;
	if (step(xensim_wait_child(pid, -1, &status), "waiting for the device model") < 0)
		goto out;
	printf("[dm]         exited with status %d\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (xensim_leftovers(sim, left, sizeof(left))) {
		printf("[hypervisor] left behind:\n%s", left);
		goto out;
	}
	printf("[hypervisor] nothing left behind (servers, event channels, mappings)\n");
	rc = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
	goto out;
out_kill:
	xensim_wait_child(pid, 0, &status);
out:
	xensim_close(sim);
	printf(rc ? "xensim-demo: FAILED\n" : "xensim-demo: all steps worked\n");
	return rc;
}
