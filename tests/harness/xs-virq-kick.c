/*
 * xs-virq-kick: fire VIRQ_DOM_EXC at the xenstored of the harness, the way
 * the Xen stand-in does after it changes $XENSIM_DIR/domains/: send one
 * datagram to $XENSIM_DIR/xenstored-virq.sock (or to the socket given).
 * xenstored then rescans every domain it knows (check_domains).
 *
 *   xs-virq-kick [SOCKET]
 *
 * Exit 0 when the datagram was queued, 1 otherwise (no xenstored bound
 * there), 2 on bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define XS_VIRQ_SOCK_NAME "xenstored-virq.sock"

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *dir = getenv("XENSIM_DIR");
	int s, len;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: xs-virq-kick [SOCKET]\n");
		return 2;
	}
	if (argc == 2) {
		len = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	} else if (dir && *dir) {
		len = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, XS_VIRQ_SOCK_NAME);
	} else {
		fprintf(stderr, "xs-virq-kick: XENSIM_DIR is not set and no socket given\n");
		return 2;
	}
	if (len < 0 || len >= (int)sizeof(sa.sun_path)) {
		fprintf(stderr, "xs-virq-kick: socket path too long\n");
		return 2;
	}

	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		perror("xs-virq-kick: socket");
		return 1;
	}
	/* The payload is meaningless: one datagram is one interrupt. */
	if (sendto(s, "V", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) != 1) {
		fprintf(stderr, "xs-virq-kick: %s: %s\n", sa.sun_path, strerror(errno));
		close(s);
		return 1;
	}
	close(s);
	return 0;
}
