/* SPDX-License-Identifier: MIT */
/*
 * libmalloc-count.so: preloaded into a program, counts its allocation
 * calls (malloc, calloc, realloc, the aligned ones) in a shared counter,
 * so a test can read how many a stretch of the program's life made.
 *
 *   HVMLINK_MALLOC_COUNT=FILE LD_PRELOAD=.../libmalloc-count.so PROGRAM
 *
 * FILE: at least 8 bytes, made by the test; the count is the u64 at
 * offset 0 (native order), added to atomically by every thread.  The
 * calls go on to glibc's allocator (__libc_*), so behaviour is unchanged.
 * A sanitizer build's allocator comes first in the preload order and
 * these are never called: the count stays 0, which tests check for.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <malloc.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

static uint64_t *counter;

__attribute__((constructor)) static void open_counter(void)
{
	const char *file = getenv("HVMLINK_MALLOC_COUNT");
	void *p;
	int fd;

	if (!file)
		return;
	fd = open(file, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	p = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	close(fd);
	if (p != MAP_FAILED)
		counter = p;
}

static inline void count(void)
{
	if (counter)
		__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

EXPORT void *malloc(size_t size)
{
	count();
	return __libc_malloc(size);
}

EXPORT void *calloc(size_t n, size_t size)
{
	count();
	return __libc_calloc(n, size);
}

EXPORT void *realloc(void *p, size_t size)
{
	count();
	return __libc_realloc(p, size);
}

EXPORT void *memalign(size_t align, size_t size)
{
	count();
	return __libc_memalign(align, size);
}

EXPORT void *aligned_alloc(size_t align, size_t size)
{
	count();
	return __libc_memalign(align, size);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	count();
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	p = __libc_memalign(align, size);
	if (!p && size)
		return ENOMEM;
	*out = p;
	return 0;
}

EXPORT void free(void *p)
{
	__libc_free(p);
}
