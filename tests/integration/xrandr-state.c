/* SPDX-License-Identifier: MIT */
/*
 * xrandr-state: what an X server shows, read through RandR -- the tests'
 * own view, independent of the agent under test.  Prints
 *   screen WxH
 *   OUTPUT WxH+X+Y             (an output that is on)
 *   OUTPUT off
 * one line per output in the server's order, then "modes NAME..." with
 * every mode the server knows whose name starts with "hvmlink-".
 * Exit 1 when the display cannot be opened or lacks RandR 1.2.
 */
#include <stdio.h>
#include <string.h>
#include <X11/Xlib.h>
#include <X11/extensions/Xrandr.h>

int main(int argc, char **argv)
{
	Display *dpy = XOpenDisplay(argc > 1 ? argv[1] : NULL);
	XRRScreenResources *res;
	int major = 0, minor = 0;
	Window root;

	if (!dpy) {
		fprintf(stderr, "xrandr-state: cannot open display\n");
		return 1;
	}
	if (!XRRQueryVersion(dpy, &major, &minor) || major < 1 ||
	    (major == 1 && minor < 2)) {
		fprintf(stderr, "xrandr-state: no RandR 1.2\n");
		XCloseDisplay(dpy);
		return 1;
	}
	root = DefaultRootWindow(dpy);
	res = XRRGetScreenResourcesCurrent(dpy, root);
	printf("screen %dx%d\n", DisplayWidth(dpy, DefaultScreen(dpy)),
	       DisplayHeight(dpy, DefaultScreen(dpy)));
	for (int i = 0; res && i < res->noutput; i++) {
		XRROutputInfo *oi = XRRGetOutputInfo(dpy, res, res->outputs[i]);
		XRRCrtcInfo *ci = oi && oi->crtc ? XRRGetCrtcInfo(dpy, res, oi->crtc) : NULL;

		if (ci && ci->mode)
			printf("%s %ux%u%+d%+d\n", oi->name, ci->width, ci->height,
			       ci->x, ci->y);
		else if (oi)
			printf("%s off\n", oi->name);
		if (ci)
			XRRFreeCrtcInfo(ci);
		if (oi)
			XRRFreeOutputInfo(oi);
	}
	printf("modes");
	for (int k = 0; res && k < res->nmode; k++)
		if (!strncmp(res->modes[k].name, "hvmlink-", 8))
			printf(" %s", res->modes[k].name);
	printf("\n");
	if (res)
		XRRFreeScreenResources(res);
	XCloseDisplay(dpy);
	return 0;
}
