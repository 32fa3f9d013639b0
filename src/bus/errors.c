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

void bus_describe_send_error(int err, uint16_t short_id, char *out, size_t size)
{
        assert(out);
        char server[32] = "every server";
        if (short_id)
                snprintf(server, sizeof(server), "server %u", short_id);
        switch (err) {
        case -EPERM:
                snprintf(out, size, "Mute Send (/1/x/23) is on for %s", server);
                break;
        case -EPROTONOSUPPORT:
                snprintf(out, size, "%s registered with LwM2M 1.0, which has no Send", server);
                break;
        case -ENOTCONN:
                snprintf(out, size,
                         "%s cannot be reached now and does not store notifications "
                         "(Notification Storing, /1/x/6, is off)",
                         server);
                break;
        case -ENOENT:
                if (short_id)
                        snprintf(out, size, "no server with short ID %u, or nothing at the paths",
                                 short_id);
                else
                        snprintf(out, size, "no server to send to, or nothing at the paths");
                break;
        case -EINVAL:
                snprintf(out, size, "the root and the Security object are never sent");
                break;
        case -ENOSYS:
                snprintf(out, size, "LwM2M Send is not implemented in this lwm2md");
                break;
        default:
                snprintf(out, size, "cannot send to %s: %s", server, strerror(-err));
                break;
        }
}

void bus_describe_resource(const lwm2m_object_def *obj, const lwm2m_resource_def *res, char *out,
                           size_t size)
{
        assert(res && out);
        snprintf(out, size, "%s (%u) resource %s (%u)", obj && obj->name ? obj->name : "?",
                 obj ? (unsigned)obj->id : 0u, res->name ? res->name : "?", (unsigned)res->id);
}
