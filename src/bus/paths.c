/* paths.c - the object paths of the tree on D-Bus: "/org/lwm2md1/object/<oid>"
 * for a definition, ".../<oid>/<iid>" for an instance, IDs in canonical decimal. */
#include "bus/paths.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bus/context.h"

int bus_parse_id(const char *s, size_t len, uint16_t *out)
{
        assert(s && out);
        if (len == 0 || len > 5 || (len > 1 && s[0] == '0'))
                return -EINVAL;
        unsigned v = 0;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        if (v >= LWM2M_ID_INVALID)
                return -EINVAL;
        *out = (uint16_t)v;
        return 0;
}

int bus_parse_instance_path(const char *path, uint16_t *oid, uint16_t *iid)
{
        assert(oid && iid);
        static const char prefix[] = BUS_OBJECT_PATH "/";
        if (!path || strncmp(path, prefix, sizeof(prefix) - 1) != 0)
                return -EINVAL;
        const char *p = path + sizeof(prefix) - 1;
        const char *slash = strchr(p, '/');
        if (!slash)
                return -EINVAL;
        if (bus_parse_id(p, (size_t)(slash - p), oid) < 0 ||
            bus_parse_id(slash + 1, strlen(slash + 1), iid) < 0)
                return -EINVAL;
        return 0;
}

int bus_parse_object_path(const char *path, uint16_t *oid)
{
        assert(path && oid);
        uint16_t iid;
        char buf[64];
        /* Reuse the instance parser with a dummy instance: one canonical form. */
        if (snprintf(buf, sizeof(buf), "%s/0", path) >= (int)sizeof(buf))
                return -EINVAL;
        return bus_parse_instance_path(buf, oid, &iid);
}

void export_instance_path(uint16_t oid, uint16_t iid, char *buf, size_t size)
{
        assert(buf);
        snprintf(buf, size, BUS_OBJECT_PATH "/%u/%u", (unsigned)oid, (unsigned)iid);
}
