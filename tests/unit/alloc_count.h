/* alloc_count.h - counts heap allocations made by the whole process (shared libraries
 * included) between two points, for the tests and benchmarks of allocation-free code. */
#pragma once

#include <stdbool.h>

/* Whether this build can count (glibc, or a sanitizer's allocator); false elsewhere. */
bool alloc_count_available(void);
/* The number of malloc, calloc and realloc calls made since the process started. */
unsigned long alloc_count(void);
