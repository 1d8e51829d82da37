// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The key/value directory: one file per key holding the value's bytes.
 * Readers never see a half-written value (write a temp file, rename over)
 * and keys the host deleted disappear.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "guest/agent/agent.h"
#include "guest/lib/hvmlink_guest.h"

/* '#' is never part of a key, so a temp file can't shadow one. */
#define KV_TMP_TEMPLATE	"#hvmlink-kv.XXXXXX"

static gboolean same_content(const char *path, const GString *value)
{
	g_autofree char *old = NULL;
	gsize len;

	if (!g_file_get_contents(path, &old, &len, NULL))
		return FALSE;
	return len == value->len && memcmp(old, value->str, len) == 0;
}

static gboolean write_atomic(const char *dir, const char *key,
			     const GString *value, GError **error)
{
	g_autofree char *tmp = g_build_filename(dir, KV_TMP_TEMPLATE, NULL);
	g_autofree char *path = g_build_filename(dir, key, NULL);
	gsize done = 0;
	int fd, saved;

	fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	while (done < value->len) {
		ssize_t n = write(fd, value->str + done, value->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail_close;
		done += (gsize)n;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto fail_unlink;
	}
	if (rename(tmp, path) < 0) {
		fd = -1;
		goto fail_unlink;
	}
	return TRUE;

fail_close:
	saved = errno;
	close(fd);
	errno = saved;
fail_unlink:
	saved = errno;
	unlink(tmp);
	errno = saved;
fail:
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		    "writing key %s in %s: %s", key, dir, g_strerror(errno));
	return FALSE;
}

gboolean kv_dir_sync(const char *dir, GHashTable *kv, gboolean *changed,
		     GError **error)
{
	GHashTableIter it;
	gpointer k, v;
	GDir *d;
	const char *name;

	*changed = FALSE;
	if (g_mkdir_with_parents(dir, 0755) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "creating %s: %s", dir, g_strerror(errno));
		return FALSE;
	}

	g_hash_table_iter_init(&it, kv);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		g_autofree char *path = NULL;

		/* Keys become file names: only what the protocol allows. */
		if (!hvmlink_key_valid(k))
			continue;
		path = g_build_filename(dir, (const char *)k, NULL);
		if (same_content(path, v))
			continue;
		if (!write_atomic(dir, k, v, error))
			return FALSE;
		*changed = TRUE;
	}

	/* Deleted keys, and temp files a crash left behind. */
	d = g_dir_open(dir, 0, error);
	if (!d)
		return FALSE;
	while ((name = g_dir_read_name(d))) {
		g_autofree char *path = NULL;

		if (hvmlink_key_valid(name) && g_hash_table_contains(kv, name))
			continue;
		path = g_build_filename(dir, name, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			continue;
		if (g_unlink(path) == 0 && name[0] != '#')
			*changed = TRUE;
	}
	g_dir_close(d);
	return TRUE;
}
