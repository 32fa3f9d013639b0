/* sysfile.c - reading the small files of /proc, /sys and /etc whole, in one go and
 * bounded, for the objects that report what the system says. */
#include "util/sysfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/macro.h"

char *sysfile_read(const char *path, size_t max, size_t *len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        char *buf = malloc(max + 1);
        if (!buf)
                return NULL;
        size_t n = 0;
        while (n < max) {
                ssize_t r = read(fd, buf + n, max - n);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                n += (size_t)r;
        }
        buf[n] = 0;
        if (len)
                *len = n;
        return buf;
}
