/* rauc.c - RAUC's D-Bus interface (de.pengutronix.rauc.Installer on /) as the firmware
 * updater uses it: inspect a bundle, install it and hear the outcome, mark the slot good. */
#include "daemon/rauc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "bus/bus.h"
#include "daemon/log.h"
#include "util/macro.h"

#define RAUC_SERVICE   "de.pengutronix.rauc"
#define RAUC_PATH      "/"
#define RAUC_INSTALLER "de.pengutronix.rauc.Installer"

/* Inspecting reads the bundle's signature and manifest: seconds, not minutes. */
#define INSPECT_TIMEOUT_USEC (30 * 1000 * 1000ull)
#define CALL_TIMEOUT_USEC    (30 * 1000 * 1000ull)

struct rauc_client {
        sd_event *event;
        char *address;
        rauc_ops ops;
        sd_bus *bus;
        sd_bus_slot *completed;  /* the Completed match, while an installation runs */
        sd_bus_slot *progress;   /* PropertiesChanged, for Progress in the log */
        sd_bus_slot *call;       /* the one call in flight (Inspect or Install) */
        sd_bus_slot *last_error; /* the LastError read after a failure */
};

rauc_client *rauc_client_new(sd_event *event, const char *address, const rauc_ops *ops)
{
        rauc_client *c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        c->address = strdup(address ? address : "system");
        if (!c->address) {
                free(c);
                return NULL;
        }
        c->event = sd_event_ref(event);
        c->ops = *ops;
        return c;
}

static void drop_slots(rauc_client *c)
{
        c->completed = sd_bus_slot_unref(c->completed);
        c->progress = sd_bus_slot_unref(c->progress);
        c->call = sd_bus_slot_unref(c->call);
        c->last_error = sd_bus_slot_unref(c->last_error);
}

void rauc_client_free(rauc_client *c)
{
        if (!c)
                return;
        drop_slots(c);
        sd_bus_flush_close_unref(c->bus);
        sd_event_unref(c->event);
        free(c->address);
        free(c);
}

static int connect_bus(rauc_client *c)
{
        if (c->bus && sd_bus_is_open(c->bus) <= 0) {
                drop_slots(c);
                c->bus = sd_bus_flush_close_unref(c->bus);
        }
        if (c->bus)
                return 0;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r = bus_open_address(c->address, &bus);
        if (r >= 0)
                r = sd_bus_attach_event(bus, c->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                log_error("firmware: cannot reach RAUC: cannot connect to the %s bus: %s",
                          c->address, strerror(-r));
                return -EIO;
        }
        c->bus = TAKE_PTR(bus);
        return 0;
}

static bool unreachable(const sd_bus_error *e)
{
        return sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN,
                                      SD_BUS_ERROR_NAME_HAS_NO_OWNER, SD_BUS_ERROR_NO_REPLY,
                                      SD_BUS_ERROR_TIMEOUT, SD_BUS_ERROR_DISCONNECTED,
                                      SD_BUS_ERROR_UNKNOWN_METHOD, SD_BUS_ERROR_UNKNOWN_OBJECT,
                                      SD_BUS_ERROR_UNKNOWN_INTERFACE);
}

/* Walks an a{sv}: `fn` reads the variant of an entry it wants and returns 1, or 0 to
 * have it skipped. */
typedef int (*entry_fn)(const char *key, sd_bus_message *m, void *userdata);

static int walk_dict(sd_bus_message *m, entry_fn fn, void *userdata)
{
        int r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;
                r = sd_bus_message_read(m, "s", &key);
                if (r >= 0)
                        r = fn(key, m, userdata);
                if (r == 0)
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

typedef struct inspection {
        char *compatible;
        char *version;
} inspection;

static int read_update_entry(const char *key, sd_bus_message *m, void *userdata)
{
        inspection *in = userdata;
        char **out = strcmp(key, "compatible") == 0 ? &in->compatible
                     : strcmp(key, "version") == 0  ? &in->version
                                                    : NULL;
        const char *s;
        if (!out || sd_bus_message_read(m, "v", "s", &s) < 0)
                return 0;
        free(*out);
        *out = strdup(s);
        return 1;
}

/* InspectBundle's a{sv}: the "update" entry holds a{sv} with compatible and version. */
static int read_inspection_entry(const char *key, sd_bus_message *m, void *userdata)
{
        if (strcmp(key, "update") != 0 || sd_bus_message_enter_container(m, 'v', "a{sv}") <= 0)
                return 0;
        int r = walk_dict(m, read_update_entry, userdata);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        return r < 0 ? r : 1;
}

static int on_inspect_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        rauc_client *c = userdata;
        c->call = sd_bus_slot_unref(c->call);
        const sd_bus_error *e = sd_bus_message_get_error(m);
        if (e) {
                bool away = unreachable(e);
                log_warning("firmware: RAUC %s the bundle: %s",
                            away ? "on the bus cannot inspect" : "refused", e->message ?: e->name);
                if (away)
                        log_error("firmware: is RAUC (" RAUC_SERVICE ") running on the %s bus?",
                                  c->address);
                c->ops.inspected(c->ops.userdata, away ? -EIO : -ENOEXEC, NULL, NULL);
                return 0;
        }
        inspection in = {0};
        int r = walk_dict(m, read_inspection_entry, &in);
        if (r < 0) {
                log_warning("firmware: RAUC's InspectBundle answer is not understood: %s",
                            strerror(-r));
                free(in.compatible), in.compatible = NULL;
                free(in.version), in.version = NULL;
        }
        log_info("firmware: RAUC inspected the bundle: compatible '%s', version '%s'",
                 in.compatible ?: "?", in.version ?: "?");
        c->ops.inspected(c->ops.userdata, 0, in.compatible, in.version);
        free(in.compatible);
        free(in.version);
        return 0;
}

static int start_call(rauc_client *c, const char *method, const char *source,
                      sd_bus_message_handler_t reply, uint64_t timeout)
{
        int r = connect_bus(c);
        if (r < 0)
                return r;
        c->call = sd_bus_slot_unref(c->call);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        r = sd_bus_message_new_method_call(c->bus, &m, RAUC_SERVICE, RAUC_PATH, RAUC_INSTALLER,
                                           method);
        if (r >= 0)
                r = sd_bus_message_append(m, "sa{sv}", source, 0);
        if (r >= 0)
                r = sd_bus_call_async(c->bus, &c->call, m, reply, c, timeout);
        if (r < 0) {
                log_error("firmware: cannot call RAUC's %s on the %s bus: %s", method, c->address,
                          strerror(-r));
                return -EIO;
        }
        return 0;
}

int rauc_inspect(rauc_client *c, const char *source)
{
        return start_call(c, "InspectBundle", source, on_inspect_reply, INSPECT_TIMEOUT_USEC);
}

static void end_install(rauc_client *c, int error)
{
        c->completed = sd_bus_slot_unref(c->completed);
        c->progress = sd_bus_slot_unref(c->progress);
        c->call = sd_bus_slot_unref(c->call);
        c->ops.completed(c->ops.userdata, error);
}

static int on_last_error(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        rauc_client *c = userdata;
        c->last_error = sd_bus_slot_unref(c->last_error);
        const char *text = NULL;
        if (!sd_bus_message_get_error(m) && sd_bus_message_enter_container(m, 'v', "s") > 0)
                (void)sd_bus_message_read(m, "s", &text);
        log_warning("firmware: RAUC's installation failed: %s",
                    text && text[0] ? text : "(no LastError)");
        end_install(c, -EIO);
        return 0;
}

static int on_completed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        rauc_client *c = userdata;
        int32_t result = -1;
        if (sd_bus_message_read(m, "i", &result) < 0)
                return 0;
        if (result == 0) {
                log_notice("firmware: RAUC installed the bundle");
                end_install(c, 0);
                return 0;
        }
        int r = sd_bus_call_method_async(c->bus, &c->last_error, RAUC_SERVICE, RAUC_PATH,
                                         "org.freedesktop.DBus.Properties", "Get", on_last_error, c,
                                         "ss", RAUC_INSTALLER, "LastError");
        if (r < 0) {
                log_warning("firmware: RAUC's installation failed (result %d)", (int)result);
                end_install(c, -EIO);
        }
        return 0;
}

static int log_progress(const char *key, sd_bus_message *m, void *userdata)
{
        int32_t percent = 0, depth = 0;
        const char *message = NULL;
        if (strcmp(key, "Progress") != 0 ||
            sd_bus_message_read(m, "v", "(isi)", &percent, &message, &depth) < 0)
                return 0;
        log_info("firmware: RAUC %d%%: %s", (int)percent, message ?: "");
        return 1;
}

static int on_properties(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        const char *iface;
        if (sd_bus_message_read(m, "s", &iface) >= 0 && strcmp(iface, RAUC_INSTALLER) == 0)
                (void)walk_dict(m, log_progress, NULL);
        return 0;
}

static int on_install_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        rauc_client *c = userdata;
        c->call = sd_bus_slot_unref(c->call);
        const sd_bus_error *e = sd_bus_message_get_error(m);
        if (!e)
                return 0; /* started: Completed tells the end */
        log_error("firmware: RAUC on the %s bus did not start the installation: %s", c->address,
                  e->message ?: e->name);
        end_install(c, -EIO);
        return 0;
}

int rauc_install(rauc_client *c, const char *source)
{
        int r = connect_bus(c);
        if (r < 0)
                return r;
        c->completed = sd_bus_slot_unref(c->completed);
        c->progress = sd_bus_slot_unref(c->progress);
        /* Listening before asking: Completed may follow the reply closely. */
        r = sd_bus_match_signal_async(c->bus, &c->completed, RAUC_SERVICE, RAUC_PATH,
                                      RAUC_INSTALLER, "Completed", on_completed, NULL, c);
        if (r >= 0)
                r = sd_bus_match_signal_async(c->bus, &c->progress, RAUC_SERVICE, RAUC_PATH,
                                              "org.freedesktop.DBus.Properties",
                                              "PropertiesChanged", on_properties, NULL, c);
        if (r < 0) {
                log_error("firmware: cannot listen to RAUC on the %s bus: %s", c->address,
                          strerror(-r));
                return -EIO;
        }
        /* Installing takes minutes; Completed ends it, not the reply. */
        return start_call(c, "InstallBundle", source, on_install_reply, CALL_TIMEOUT_USEC);
}

static int on_mark_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        const sd_bus_error *e = sd_bus_message_get_error(m);
        const char *slot = NULL, *message = NULL;
        if (e)
                log_error("firmware: RAUC did not mark the booted slot good: %s",
                          e->message ?: e->name);
        else if (sd_bus_message_read(m, "ss", &slot, &message) >= 0)
                log_notice("firmware: RAUC marked slot %s good: %s", slot, message);
        return 0;
}

int rauc_mark_good(rauc_client *c)
{
        int r = connect_bus(c);
        if (r < 0)
                return r;
        r = sd_bus_call_method_async(c->bus, NULL, RAUC_SERVICE, RAUC_PATH, RAUC_INSTALLER, "Mark",
                                     on_mark_reply, c, "ss", "good", "booted");
        if (r < 0)
                log_error("firmware: cannot call RAUC's Mark on the %s bus: %s", c->address,
                          strerror(-r));
        return r;
}
