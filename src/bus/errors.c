/* errors.c - the org.lwm2md1.Error names, their mapping to and from negative
 * errno values, and how a resource is named in their messages. */
#include "bus/errors.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int bus_error_from_errno(sd_bus_error *error, int err, const char *message)
{
        assert(error);
        const char *name;
        switch (err) {
        case -ENOENT:
                name = BUS_ERROR_NOT_FOUND;
                break;
        case -EPERM:
        case -EACCES:
                name = BUS_ERROR_NOT_ALLOWED;
                break;
        case -EINVAL:
        case -ERANGE:
        case -EILSEQ:
        case -E2BIG:
        case -EBADMSG:
                name = BUS_ERROR_INVALID_VALUE;
                break;
        case -ENOMEM:
                return err; /* sd-bus answers org.freedesktop.DBus.Error.NoMemory */
        default:
                name = BUS_ERROR_FAILED;
                break;
        }
        sd_bus_error_set(error, name, message ? message : strerror(-err));
        return err;
}

int bus_errno_from_error(const sd_bus_error *error)
{
        assert(error);
        if (sd_bus_error_has_name(error, BUS_ERROR_NOT_FOUND))
                return -ENOENT;
        if (sd_bus_error_has_name(error, BUS_ERROR_NOT_ALLOWED) ||
            sd_bus_error_has_name(error, BUS_ERROR_ACCESS_DENIED))
                return -EPERM;
        if (sd_bus_error_has_name(error, BUS_ERROR_INVALID_VALUE))
                return -EINVAL;
        return -EIO;
}

void bus_describe_resource(const lwm2m_object_def *obj, const lwm2m_resource_def *res, char *out,
                           size_t size)
{
        assert(res && out);
        snprintf(out, size, "%s (%u) resource %s (%u)", obj && obj->name ? obj->name : "?",
                 obj ? (unsigned)obj->id : 0u, res->name ? res->name : "?", (unsigned)res->id);
}
