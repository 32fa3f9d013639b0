/* file.c - the state file on disk: read whole, replaced atomically (temporary file, fsync,
 * rename, fsync of the directory), moved aside or removed; mode 0600, for the secrets in it. */
#include "store/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/macro.h"

int store_dir_ensure(const char *dir)
{
        struct stat st;
        if (stat(dir, &st) == 0)
                return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
        char path[PATH_MAX];
        if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        /* Each missing parent in turn, as mkdir -p. */
        for (char *slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
                if (slash)
                        *slash = 0;
                if (mkdir(path, 0700) < 0 && errno != EEXIST)
                        return -errno;
                if (!slash)
                        return 0;
                *slash = '/';
                while (slash[1] == '/')
                        slash++;
        }
}

int store_file_read(const char *path, size_t max, uint8_t **data, size_t *len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        if ((uint64_t)st.st_size > max)
                return -EFBIG;
        _cleanup_free_ uint8_t *buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        size_t got = 0;
        while (got <= (size_t)st.st_size) {
                ssize_t n = read(fd, buf + got, (size_t)st.st_size + 1 - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                got += (size_t)n;
        }
        if (got > (size_t)st.st_size)
                return -EFBIG; /* grew while read: not ours to trust */
        *data = buf;
        buf = NULL;
        *len = got;
        return 0;
}

static int fsync_dir(const char *dir)
{
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

int store_file_replace(const char *dir, const char *name, const void *data, size_t len)
{
        char tmp[PATH_MAX], target[PATH_MAX];
        if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= (int)sizeof(tmp) ||
            snprintf(target, sizeof(target), "%s/%s", dir, name) >= (int)sizeof(target))
                return -ENAMETOOLONG;
        /* mkostemp creates the file 0600 whatever the umask. */
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, data, len);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r >= 0 && rename(tmp, target) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return r;
        }
        return fsync_dir(dir);
}

/* The temporary name of store_file_replace: ".NAME.XXXXXX". */
static bool is_temporary(const char *entry, const char *name)
{
        size_t n = strlen(name);
        return entry[0] == '.' && strncmp(entry + 1, name, n) == 0 && entry[1 + n] == '.' &&
               strlen(entry + 2 + n) == 6;
}

int store_file_remove_stale(const char *dir, const char *name)
{
        DIR *d = opendir(dir);
        if (!d)
                return -errno;
        int removed = 0;
        for (struct dirent *e; (e = readdir(d));)
                if (is_temporary(e->d_name, name) && unlinkat(dirfd(d), e->d_name, 0) == 0)
                        removed++;
        closedir(d);
        return removed;
}

int store_file_move(const char *dir, const char *name, const char *new_name)
{
        char from[PATH_MAX], to[PATH_MAX];
        if (snprintf(from, sizeof(from), "%s/%s", dir, name) >= (int)sizeof(from) ||
            snprintf(to, sizeof(to), "%s/%s", dir, new_name) >= (int)sizeof(to))
                return -ENAMETOOLONG;
        if (rename(from, to) < 0)
                return -errno;
        return fsync_dir(dir);
}

int store_file_remove(const char *dir, const char *name)
{
        char path[PATH_MAX];
        if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return fsync_dir(dir);
}
