/* SPDX-License-Identifier: MIT */
/*
 * How hvmlinkctl shows bytes it did not write itself (xenstore values,
 * node names, the guest's strings).  hvmlinkctl(8) documents both rules.
 *
 * Text output (a terminal): printable ASCII passes; backslash and double
 * quote are written \\ and \"; every other byte (control characters, DEL,
 * anything >= 0x80) is written \xNN.  So text output is pure printable
 * ASCII and the original bytes can be recovered exactly.
 *
 * JSON output: strings are valid UTF-8.  Valid UTF-8 passes unchanged (the
 * JSON generator escapes control characters as \u00NN); each byte that is
 * not part of a valid UTF-8 sequence, and each NUL byte, becomes U+FFFD.
 * Lossy by design: scripts that need the exact bytes of a value read it
 * with xenstore-read.
 */
#ifndef HVMLINK_XENSTORE_HVMLINKCTL_ESCAPE_H
#define HVMLINK_XENSTORE_HVMLINKCTL_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/* The text form of len bytes at s (g_free it). */
char *ctl_text_escape(const char *s, size_t len);

/* The JSON form of len bytes at s: valid UTF-8 without NUL (g_free it). */
char *ctl_utf8_sanitize(const char *s, size_t len);

#endif /* HVMLINK_XENSTORE_HVMLINKCTL_ESCAPE_H */
