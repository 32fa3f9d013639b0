/* modem.c - the daemon's view of ModemManager: the first modem's radio figures read
 * over D-Bus in the background and handed to Connectivity Monitoring. */
#include "daemon/modem.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "bus/bus.h"
#include "daemon/log.h"
#include "util/macro.h"

#define MM_NAME           "org.freedesktop.ModemManager1"
#define MM_PATH           "/org/freedesktop/ModemManager1"
#define MM_MODEM          MM_NAME ".Modem"
#define CALL_TIMEOUT_USEC (3 * 1000 * 1000ull)
/* ModemManager sends a PropertiesChanged per figure: one look covers a burst. */
#define MIN_INTERVAL_USEC       (2 * 1000 * 1000ull)
#define MAX_BEARERS             CONNMON_MAX_APNS
#define MM_LOCATION_3GPP_LAC_CI 1u

struct modem_watch {
        sd_event *event;
        sd_bus *bus;
        connmon_object *connmon;
        sd_bus_slot *match, *owner_match;
        sd_bus_slot *call; /* GetManagedObjects */
        sd_bus_slot *bearer_calls[MAX_BEARERS];
        size_t bearers_waiting;
        sd_event_source *timer;
        uint64_t last_look_usec;
        bool dirty; /* a signal came while a look was under way */
        int signal_rank;
        connmon_radio radio; /* being assembled */
        bool absent_logged;
};

static void look(modem_watch *m);

static void cancel_calls(modem_watch *m)
{
        m->call = sd_bus_slot_unref(m->call);
        for (size_t i = 0; i < MAX_BEARERS; i++)
                m->bearer_calls[i] = sd_bus_slot_unref(m->bearer_calls[i]);
        m->bearers_waiting = 0;
}

static bool busy(const modem_watch *m)
{
        return m->call || m->bearers_waiting > 0;
}

static void publish(modem_watch *m)
{
        int r = connmon_object_set_radio(m->connmon, &m->radio);
        if (r < 0)
                log_debug("ModemManager: cannot update /4/0: %s", strerror(-r));
        if (m->dirty) {
                m->dirty = false;
                look(m);
        }
}

/* Enters a variant holding `signature`: 1, or 0 after skipping one of another type. */
static int enter_variant(sd_bus_message *msg, const char *signature)
{
        char type;
        const char *contents;
        int r = sd_bus_message_peek_type(msg, &type, &contents);
        if (r < 0)
                return r;
        if (type != 'v' || strcmp(contents, signature) != 0) {
                r = sd_bus_message_skip(msg, "v");
                return r < 0 ? r : 0;
        }
        r = sd_bus_message_enter_container(msg, 'v', signature);
        return r < 0 ? r : 1;
}

/* Reads a basic value in a variant if it has that type; *found tells. */
static int read_variant(sd_bus_message *msg, char type, void *out, bool *found)
{
        char sig[2] = {type, 0};
        int r = enter_variant(msg, sig);
        if (r <= 0)
                return r;
        r = sd_bus_message_read_basic(msg, type, out);
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        if (r >= 0 && found)
                *found = true;
        return r;
}

typedef int (*entry_fn)(modem_watch *m, sd_bus_message *msg, void *ctx);

/* Walks a dictionary whose entries have the signature `entry` ("sv", "uv",
 * "sa{sv}"...): `fn` reads each entry's key and value. */
static int each_entry(modem_watch *m, sd_bus_message *msg, const char *entry, entry_fn fn,
                      void *ctx)
{
        char array[32];
        snprintf(array, sizeof(array), "{%s}", entry);
        int r = sd_bus_message_enter_container(msg, 'a', array);
        while (r >= 0 && (r = sd_bus_message_enter_container(msg, 'e', entry)) > 0) {
                r = fn(m, msg, ctx);
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);
        }
        return r < 0 ? r : sd_bus_message_exit_container(msg);
}

/* The same for a dictionary in a variant; a variant of another type is skipped. */
static int each_variant_entry(modem_watch *m, sd_bus_message *msg, const char *entry, entry_fn fn,
                              void *ctx)
{
        char sig[32];
        snprintf(sig, sizeof(sig), "a{%s}", entry);
        int r = enter_variant(msg, sig);
        if (r <= 0)
                return r;
        r = each_entry(m, msg, entry, fn, ctx);
        return r < 0 ? r : sd_bus_message_exit_container(msg);
}

/* An entry of one of Modem.Signal's a{sv} (Lte, Nr5g, Umts, Gsm...): rssi and
 * snr. The rank prefers the newest technology when several report. */
static int signal_entry(modem_watch *m, sd_bus_message *msg, void *ctx)
{
        int rank = *(const int *)ctx;
        const char *key;
        double v = NAN;
        bool found = false;
        int r = sd_bus_message_read(msg, "s", &key);
        if (r >= 0)
                r = read_variant(msg, 'd', &v, &found);
        if (r < 0 || !found || !isfinite(v) || fabs(v) >= 1000)
                return r;
        if (strcmp(key, "rssi") == 0 && rank > m->signal_rank) {
                m->radio.signal_dbm = (int)lround(v);
                m->radio.has_signal = true;
                m->signal_rank = rank;
        } else if (strcmp(key, "snr") == 0) {
                m->radio.snr_db = (int)lround(v);
                m->radio.has_snr = true;
        }
        return r;
}

/* "MCCMNC", five or six digits. */
static void parse_operator(connmon_radio *radio, const char *code)
{
        size_t n = strlen(code);
        if ((n != 5 && n != 6) || strspn(code, "0123456789") != n)
                return;
        radio->smcc = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
        radio->smnc = atoi(code + 3);
        radio->has_operator = true;
}

/* The 3GPP location: "MCC,MNC,LAC,CI[,TAC]" with LAC and CI in hexadecimal. */
static void parse_lac_ci(connmon_radio *radio, const char *s)
{
        unsigned mcc, mnc, lac;
        unsigned long ci;
        if (sscanf(s, "%u,%u,%x,%lx", &mcc, &mnc, &lac, &ci) != 4 || lac > 0xffff ||
            ci > 0xfffffffful)
                return;
        radio->lac = (int)lac;
        radio->has_lac = lac != 0;
        radio->cell_id = (int64_t)ci;
        radio->has_cell_id = true;
}

/* An entry of Modem.Location's Location a{uv}. */
static int location_entry(modem_watch *m, sd_bus_message *msg, void *ctx)
{
        uint32_t source;
        const char *s = NULL;
        bool found = false;
        int r = sd_bus_message_read(msg, "u", &source);
        if (r >= 0)
                r = read_variant(msg, 's', &s, &found);
        if (r >= 0 && found && source == MM_LOCATION_3GPP_LAC_CI)
                parse_lac_ci(&m->radio, s);
        return r;
}

static int on_bearer_reply(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error);

static int read_bearers(modem_watch *m, sd_bus_message *msg)
{
        int r = enter_variant(msg, "ao");
        if (r <= 0)
                return r;
        char **paths = NULL;
        r = sd_bus_message_read_strv(msg, &paths);
        if (r < 0)
                return r;
        for (size_t i = 0; paths && paths[i]; i++) {
                if (i < MAX_BEARERS && !m->bearer_calls[i] &&
                    sd_bus_call_method_async(m->bus, &m->bearer_calls[i], MM_NAME, paths[i],
                                             "org.freedesktop.DBus.Properties", "GetAll",
                                             on_bearer_reply, m, "s", MM_NAME ".Bearer") >= 0)
                        m->bearers_waiting++;
                free(paths[i]);
        }
        free(paths);
        return sd_bus_message_exit_container(msg);
}

static int read_modem_property(modem_watch *m, const char *iface, const char *name,
                               sd_bus_message *msg)
{
        connmon_radio *radio = &m->radio;
        if (strcmp(iface, MM_MODEM) == 0) {
                if (strcmp(name, "AccessTechnologies") == 0) {
                        uint32_t flags = 0;
                        int r = read_variant(msg, 'u', &flags, NULL);
                        radio->bearer = connmon_bearer_of_access_technologies(flags);
                        return r;
                }
                if (strcmp(name, "SignalQuality") == 0) {
                        int r = enter_variant(msg, "(ub)");
                        if (r <= 0)
                                return r;
                        uint32_t quality;
                        int recent;
                        r = sd_bus_message_read(msg, "(ub)", &quality, &recent);
                        if (r >= 0 && quality <= 100) {
                                radio->link_quality = (int)quality;
                                radio->has_quality = true;
                        }
                        return r < 0 ? r : sd_bus_message_exit_container(msg);
                }
                if (strcmp(name, "Bearers") == 0)
                        return read_bearers(m, msg);
        } else if (strcmp(iface, MM_MODEM ".Modem3gpp") == 0 && strcmp(name, "OperatorCode") == 0) {
                const char *code = NULL;
                bool found = false;
                int r = read_variant(msg, 's', &code, &found);
                if (r >= 0 && found)
                        parse_operator(radio, code);
                return r;
        } else if (strcmp(iface, MM_MODEM ".Signal") == 0) {
                static const char *const techs[] = {"Gsm", "Cdma", "Evdo", "Umts", "Lte", "Nr5g"};
                for (size_t i = 0; i < ELEMENTSOF(techs); i++)
                        if (strcmp(name, techs[i]) == 0) {
                                int rank = (int)i + 1;
                                return each_variant_entry(m, msg, "sv", signal_entry, &rank);
                        }
        } else if (strcmp(iface, MM_MODEM ".Location") == 0 && strcmp(name, "Location") == 0)
                return each_variant_entry(m, msg, "uv", location_entry, NULL);
        return sd_bus_message_skip(msg, "v");
}

static int property_entry(modem_watch *m, sd_bus_message *msg, void *ctx)
{
        const char *name;
        int r = sd_bus_message_read(msg, "s", &name);
        return r < 0 ? r : read_modem_property(m, ctx, name, msg);
}

static int interface_entry(modem_watch *m, sd_bus_message *msg, void *ctx)
{
        const char *iface;
        int r = sd_bus_message_read(msg, "s", &iface);
        return r < 0 ? r : each_entry(m, msg, "sv", property_entry, (void *)iface);
}

static int object_entry(modem_watch *m, sd_bus_message *msg, void *ctx)
{
        const char *path;
        int r = sd_bus_message_read(msg, "o", &path);
        if (r < 0)
                return r;
        if (m->radio.present)
                return sd_bus_message_skip(msg, "a{sa{sv}}");
        m->radio.present = true; /* the first modem; ModemManager numbers them in order */
        return each_entry(m, msg, "sa{sv}", interface_entry, NULL);
}

static void say_absent(modem_watch *m, const sd_bus_error *e)
{
        if (!m->absent_logged)
                log_info("ModemManager not available (%s): no radio figures in /4/0",
                         e && e->message ? e->message : "no modem");
        m->absent_logged = true;
}

static int on_objects_reply(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
        modem_watch *m = userdata;
        m->call = sd_bus_slot_unref(m->call);
        m->radio = (connmon_radio){.bearer = CONNMON_BEARER_UNKNOWN};
        m->signal_rank = 0;
        const sd_bus_error *e = sd_bus_message_get_error(msg);
        if (e) {
                say_absent(m, e);
                publish(m);
                return 0;
        }
        int r = each_entry(m, msg, "oa{sa{sv}}", object_entry, NULL);
        if (r < 0) {
                log_warning("ModemManager: a reply that does not parse: %s", strerror(-r));
                cancel_calls(m);
                m->radio = (connmon_radio){.bearer = CONNMON_BEARER_UNKNOWN};
        } else if (m->radio.present && m->absent_logged) {
                log_info("ModemManager: modem present");
                m->absent_logged = false;
        } else if (!m->radio.present)
                say_absent(m, NULL);
        if (!busy(m))
                publish(m);
        return 0;
}

static int apn_entry(modem_watch *m, sd_bus_message *msg, void *ctx)
{
        connmon_radio *radio = &m->radio;
        const char *key, *apn = NULL;
        int r = sd_bus_message_read(msg, "s", &key);
        if (r < 0)
                return r;
        if (strcmp(key, "apn") != 0)
                return sd_bus_message_skip(msg, "v");
        r = read_variant(msg, 's', &apn, NULL);
        if (r >= 0 && apn && apn[0] && strlen(apn) < CONNMON_APN_SIZE &&
            radio->n_apns < CONNMON_MAX_APNS)
                strcpy(radio->apns[radio->n_apns++], apn);
        return r;
}

typedef struct bearer_state {
        int connected;
        const char *interface;
} bearer_state;

static int bearer_entry(modem_watch *m, sd_bus_message *msg, void *ctx)
{
        bearer_state *b = ctx;
        const char *name;
        int r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        if (strcmp(name, "Connected") == 0)
                return read_variant(msg, 'b', &b->connected, NULL);
        if (strcmp(name, "Interface") == 0)
                return read_variant(msg, 's', &b->interface, NULL);
        if (strcmp(name, "Properties") == 0)
                return each_variant_entry(m, msg, "sv", apn_entry, NULL);
        return sd_bus_message_skip(msg, "v");
}

static int read_bearer(modem_watch *m, sd_bus_message *msg)
{
        connmon_radio *radio = &m->radio;
        bearer_state b = {0};
        int r = each_entry(m, msg, "sv", bearer_entry, &b);
        if (r >= 0 && b.connected && b.interface && strlen(b.interface) < sizeof(radio->interface))
                strcpy(radio->interface, b.interface);
        return r;
}

static int on_bearer_reply(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
        modem_watch *m = userdata;
        sd_bus_slot *slot = sd_bus_get_current_slot(sd_bus_message_get_bus(msg));
        for (size_t i = 0; i < MAX_BEARERS; i++)
                if (m->bearer_calls[i] == slot)
                        m->bearer_calls[i] = sd_bus_slot_unref(slot);
        m->bearers_waiting--;
        if (!sd_bus_message_is_method_error(msg, NULL)) {
                int r = read_bearer(m, msg);
                if (r < 0)
                        log_debug("ModemManager: a bearer's properties do not parse: %s",
                                  strerror(-r));
        }
        if (!busy(m))
                publish(m);
        return 0;
}

static void look(modem_watch *m)
{
        if (busy(m)) {
                m->dirty = true;
                return;
        }
        sd_event_now(m->event, CLOCK_MONOTONIC, &m->last_look_usec);
        int r = sd_bus_call_method_async(m->bus, &m->call, MM_NAME, MM_PATH,
                                         "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                         on_objects_reply, m, "");
        if (r < 0)
                log_warning("ModemManager: cannot ask for modems: %s", strerror(-r));
        else
                sd_bus_slot_set_description(m->call, "modem-objects");
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        look(userdata);
        return 0;
}

/* Any signal of ModemManager: a look soon, at most one per MIN_INTERVAL_USEC. */
static int on_signal(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
        modem_watch *m = userdata;
        int enabled = SD_EVENT_OFF;
        sd_event_source_get_enabled(m->timer, &enabled);
        if (enabled != SD_EVENT_OFF)
                return 0;
        uint64_t now;
        sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        uint64_t at = m->last_look_usec + MIN_INTERVAL_USEC;
        sd_event_source_set_time(m->timer, at > now ? at : now);
        sd_event_source_set_enabled(m->timer, SD_EVENT_ONESHOT);
        return 0;
}

modem_watch *modem_watch_new(sd_event *event, const char *address, connmon_object *connmon)
{
        modem_watch *m = calloc(1, sizeof(*m));
        if (!m)
                return NULL;
        m->event = sd_event_ref(event);
        m->connmon = connmon;
        int r = sd_event_add_time(event, &m->timer, CLOCK_MONOTONIC, 0, 0, on_timer, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->timer, SD_EVENT_OFF);
        if (r < 0) {
                modem_watch_free(m);
                return NULL;
        }
        r = bus_open_address(address, &m->bus);
        if (r >= 0)
                r = sd_bus_attach_event(m->bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_match_signal_async(m->bus, &m->match, MM_NAME, NULL, NULL, NULL,
                                              on_signal, NULL, m);
        if (r >= 0)
                r = sd_bus_add_match_async(m->bus, &m->owner_match,
                                           "type='signal',sender='org.freedesktop.DBus',"
                                           "member='NameOwnerChanged',arg0='" MM_NAME "'",
                                           on_signal, NULL, m);
        if (r < 0) {
                log_warning("ModemManager: cannot watch the %s bus: %s; no radio figures", address,
                            strerror(-r));
                m->bus = sd_bus_flush_close_unref(m->bus);
                return m;
        }
        look(m);
        return m;
}

void modem_watch_free(modem_watch *m)
{
        if (!m)
                return;
        cancel_calls(m);
        sd_bus_slot_unref(m->match);
        sd_bus_slot_unref(m->owner_match);
        sd_bus_flush_close_unref(m->bus);
        sd_event_source_disable_unref(m->timer);
        sd_event_unref(m->event);
        free(m);
}
