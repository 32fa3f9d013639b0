/* alloc_count.c - counts heap allocations made by the whole process (shared libraries
 * included) between two points, for the tests and benchmarks of allocation-free code. */
#include "alloc_count.h"

#include <stddef.h>
#include <stdlib.h>

/* `--wrap=malloc` would miss the calls json-c and libcbor make from their shared objects,
 * so the count comes from the allocator itself: the sanitizer's hook where one runs, and
 * otherwise glibc's documented way to replace malloc, forwarding to its own. */
static volatile unsigned long allocations;

/* gcc says so with __SANITIZE_*__, older clang only through __has_feature. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                         \
        __has_feature(memory_sanitizer)
#define ALLOC_COUNT_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ALLOC_COUNT_SANITIZER 1
#endif

#ifdef ALLOC_COUNT_SANITIZER
/* The sanitizer runtime's (compiler-rt's sanitizer/allocator_interface.h, which gcc does not
 * install). */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

static void on_malloc(const volatile void *ptr, size_t size)
{
        (void)ptr;
        (void)size;
        allocations++;
}

static void on_free(const volatile void *ptr)
{
        (void)ptr;
}

__attribute__((constructor)) static void install_hooks(void)
{
        __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}

bool alloc_count_available(void)
{
        return true;
}

#elif defined(__GLIBC__)
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *ptr, size_t size);
void __libc_free(void *ptr);

void *malloc(size_t size)
{
        allocations++;
        return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
        allocations++;
        return __libc_calloc(n, size);
}

void *realloc(void *ptr, size_t size)
{
        allocations++;
        return __libc_realloc(ptr, size);
}

void free(void *ptr)
{
        __libc_free(ptr);
}

bool alloc_count_available(void)
{
        return true;
}

#else
bool alloc_count_available(void)
{
        return false;
}
#endif

unsigned long alloc_count(void)
{
        return allocations;
}
