/* daemon.c - the running daemon: builds the parts from the configuration and
 * drives them from one sd-event loop (engine I/O and timers, signals, watchdog, notify). */
#include "daemon/daemon.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>

#include <coap3/coap.h>

#include "build-config.h"
#include "bus/bus.h"
#include "bus/errors.h"
#include "daemon/fw_coap.h"
#include "daemon/fw_update.h"
#include "daemon/gpsd.h"
#include "daemon/log.h"
#include "daemon/modem.h"
#include "daemon/persist.h"
#include "daemon/provision.h"
#include "lwm2m/engine.h"
#include "model/access.h"
#include "model/ddf.h"
#include "model/oma.h"
#include "model/request.h"
#include "objects/connmon.h"
#include "objects/device.h"
#include "objects/location.h"
#include "objects/server.h"
#include "util/macro.h"

extern char **environ;

/* Under the requests' own timeout (LWM2M_REQUEST_TIMEOUT_MS), so that the
 * server hears why rather than a bare timeout. */
#define TIMEDATED_TIMEOUT_USEC (3 * 1000 * 1000)

/* Time the server's answer to an Execute gets before the reboot starts. */
#define ACTION_DELAY_USEC (1000 * 1000)

typedef struct daemon_state daemon_state;

/* One [send NAME] section at work: its timer and the last error logged. */
typedef struct periodic_send {
        daemon_state *d;
        const config_send *cfg;
        sd_event_source *timer;
        int last_error; /* logged once until it changes or a Send succeeds */
} periodic_send;

struct daemon_state {
        config *cfg;
        lwm2m_registry *reg;
        lwm2m_tree *tree;
        lwm2m_requests *requests;
        sd_event_source *requests_timer;
        sd_event_source *etc_watch; /* /etc, for a new /etc/localtime (watch_timezone) */
        /* Undocumented, for tests: a fake tree of system files (LWM2MD_SYSROOT); NULL: /. */
        const char *sysroot;
        device_object *device;
        sd_bus *time_bus;          /* to timedated, opened at the first write of the time */
        sd_bus *action_bus;        /* to logind or systemd, for the last reboot or reset */
        location_object *location; /* NULL without a [location] section */
        gpsd_client *gpsd;         /* NULL without [location] gpsd */
        fw_update *firmware;       /* NULL without a [firmware] backend */
        connmon_object *connmon;   /* NULL without a definition of object 4 */
        modem_watch *modem;        /* NULL with [connectivity] modem-bus = none */
        lwm2m_engine *engine;
        server_object *servers; /* the behaviour of /1 instances the engine registers with */
        lwm2m_bus *bus;         /* NULL: running without D-Bus */
        persist *persist;       /* state-dir/state.cbor */
        sd_event *event;
        /* Milliseconds until the engine wants to run again, from its last run (-1: only
         * input can wake it); run_loop's wait ends by then. */
        int64_t engine_wait_ms;
        bool stopping;
        bool bootstrapping;         /* as the engine was at the last server change */
        const char *pending_action; /* "reboot" or "factory reset", after the delay */
        periodic_send *sends;       /* one per [send NAME] section */
        size_t n_sends;
};

static void on_diag(void *userdata, lwm2m_diag_level level, const char *file, unsigned line,
                    unsigned column, const char *message)
{
        int prio = level == LWM2M_DIAG_ERROR     ? LOG_ERR
                   : level == LWM2M_DIAG_WARNING ? LOG_WARNING
                                                 : LOG_INFO;
        if (line)
                log_msg(prio, "%s:%u:%u: %s", file, line, column, message);
        else
                log_msg(prio, "%s: %s", file, message);
}

static void on_config_error(void *userdata, const char *message)
{
        log_error("%s", message);
}

static void on_engine_log(void *userdata, int priority, const char *message)
{
        log_msg(priority, "%s", message);
}

/* ---- the one deadline of requests waiting for owners (model/request.h) ---- */

static uint64_t requests_now_ms(void *userdata)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int on_requests_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        daemon_state *d = userdata;
        lwm2m_requests_expire(d->requests);
        return 0;
}

static void requests_arm(void *userdata, uint64_t deadline_ms)
{
        daemon_state *d = userdata;
        if (!d->event)
                return; /* nothing waits before the loop runs */
        if (deadline_ms == UINT64_MAX) {
                if (d->requests_timer)
                        sd_event_source_set_enabled(d->requests_timer, SD_EVENT_OFF);
                return;
        }
        uint64_t usec = deadline_ms * 1000u;
        int r;
        if (!d->requests_timer) {
                r = sd_event_add_time(d->event, &d->requests_timer, CLOCK_MONOTONIC, usec, 0,
                                      on_requests_timer, d);
        } else {
                r = sd_event_source_set_time(d->requests_timer, usec);
                if (r >= 0)
                        r = sd_event_source_set_enabled(d->requests_timer, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                log_error("cannot arm the owners' answer timer: %s", strerror(-r));
}

/* libcoap's own messages, into our log at their priority. */
static void on_coap_log(coap_log_t level, const char *message)
{
        size_t n = strlen(message);
        while (n > 0 && message[n - 1] == '\n')
                n--;
        log_msg(level > LOG_DEBUG ? LOG_DEBUG : level, "libcoap: %.*s", (int)n, message);
}

static void notify_status(daemon_state *d)
{
        if (lwm2m_engine_bootstrapping(d->engine)) {
                sd_notify(false, "STATUS=Bootstrapping");
                return;
        }
        size_t n = lwm2m_engine_server_count(d->engine), registered = 0;
        for (size_t i = 0; i < n; i++) {
                lwm2m_server_info info;
                if (lwm2m_engine_server_info(d->engine, i, &info) == 0 &&
                    info.state == LWM2M_SERVER_REGISTERED)
                        registered++;
        }
        sd_notifyf(false, "STATUS=Registered with %zu of %zu servers", registered, n);
}

static void on_answering(void *userdata)
{
        daemon_state *d = userdata;
        persist_flush_now(d->persist);
}

static void on_attributes_changed(void *userdata)
{
        daemon_state *d = userdata;
        persist_attributes_changed(d->persist);
}
static int own_server_instances(daemon_state *d);
static void firmware_server_changed(daemon_state *d, uint16_t short_id);
static void set_connectivity_peer(daemon_state *d);

/* Error Code 7 (IP connectivity failure) while every server that is tried
 * waits to try again after failing; cleared once one is registered. */
static void update_connectivity_error(daemon_state *d)
{
        size_t n = lwm2m_engine_server_count(d->engine), tried = 0, failed = 0;
        bool registered = false;
        for (size_t i = 0; i < n; i++) {
                lwm2m_server_info info;
                if (lwm2m_engine_server_info(d->engine, i, &info) < 0)
                        continue;
                registered |= info.state == LWM2M_SERVER_REGISTERED;
                tried += info.state == LWM2M_SERVER_REGISTERING ||
                         info.state == LWM2M_SERVER_BACKOFF ||
                         info.state == LWM2M_SERVER_REGISTERED;
                failed += info.state == LWM2M_SERVER_BACKOFF;
        }
        if (registered)
                device_object_clear_error(d->device, DEVICE_ERROR_IP_CONNECTIVITY_FAILURE);
        else if (tried > 0 && failed == tried)
                device_object_raise_error(d->device, DEVICE_ERROR_IP_CONNECTIVITY_FAILURE);
}

static void on_server_changed(void *userdata, uint16_t short_id)
{
        daemon_state *d = userdata;
        /* After a bootstrap the servers are new: their Server instances too. */
        if (d->servers && own_server_instances(d) < 0)
                log_warning("cannot stand behind the Server object instances");
        /* Access Control may apply now (a second server), or the bootstrap server
         * may have removed the Access Control instances of the templates. */
        bool bootstrapping = lwm2m_engine_bootstrapping(d->engine);
        if (d->bootstrapping && !bootstrapping)
                lwm2m_requests_apply_access_templates(d->requests);
        d->bootstrapping = bootstrapping;
        update_connectivity_error(d);
        notify_status(d);
        bus_server_changed(d->bus, short_id);
        firmware_server_changed(d, short_id);
}

static void on_servers_changed(void *userdata)
{
        daemon_state *d = userdata;
        if (d->servers && own_server_instances(d) < 0)
                log_warning("cannot stand behind the Server object instances");
        set_connectivity_peer(d);
        update_connectivity_error(d);
        notify_status(d);
        bus_servers_changed(d->bus);
}

/* Runs the engine on what changed outside it (its input is read by run_loop's wait)
 * and keeps when it next wants to run. */
static void run_engine(daemon_state *d)
{
        d->engine_wait_ms = lwm2m_engine_run_due(d->engine);
        if (d->stopping && lwm2m_engine_finished(d->engine))
                sd_event_exit(d->event, 0);
}

/* One wait serves both event loops: the daemon sleeps in the engine's epoll
 * descriptor (libcoap's, holding the sessions' sockets), with sd-event's own
 * descriptor nested in it. A server's request then costs that epoll_wait, libcoap's
 * recv and its send, as in a client that owns its loop. sd-event, whose every
 * iteration costs an epoll_wait and a gettid of its own (libsystemd 252), gets a turn
 * only when its descriptor is ready (D-Bus, its timers, signals) or when code outside
 * the engine and the model ran meanwhile and may have changed its sources (a hook, an
 * owner, a tree listener: lwm2m_wakeup.called_out). Its turns last until it
 * dispatches nothing, so that its last prepare armed what its sources want; after
 * each dispatch the engine acts on what changed (a tree change over D-Bus, an
 * owner's answer) at once. */
static int run_loop(daemon_state *d)
{
        int r = lwm2m_engine_nest_fd(d->engine, sd_event_get_fd(d->event));
        if (r < 0)
                return r;
        bool sd_turn = true;
        for (;;) {
                while (sd_turn) {
                        r = sd_event_run(d->event, 0);
                        if (r < 0)
                                return r;
                        if (sd_event_get_state(d->event) == SD_EVENT_FINISHED) {
                                int code = 0;
                                (void)sd_event_get_exit_code(d->event, &code);
                                return code;
                        }
                        if (r > 0)
                                run_engine(d);
                        sd_turn = r > 0;
                }
                int timeout = d->engine_wait_ms < 0         ? -1
                              : d->engine_wait_ms > INT_MAX ? INT_MAX
                                                            : (int)d->engine_wait_ms;
                lwm2m_wakeup w;
                r = lwm2m_engine_wait(d->engine, timeout, &w);
                if (r < 0)
                        return r;
                d->engine_wait_ms = w.next_ms;
                sd_turn = w.nested_ready || w.called_out;
                if (d->stopping && lwm2m_engine_finished(d->engine)) {
                        sd_event_exit(d->event, 0);
                        sd_turn = true;
                }
        }
}

static int on_stop_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        daemon_state *d = userdata;
        if (d->stopping) {
                /* A second signal: the operator does not want to wait for the servers. */
                log_notice("received %s again; exiting without waiting for de-registration",
                           strsignal((int)si->ssi_signo));
                sd_event_exit(d->event, 0);
                return 0;
        }
        log_notice("received %s; de-registering", strsignal((int)si->ssi_signo));
        sd_notify(false, "STOPPING=1\nSTATUS=De-registering");
        d->stopping = true;
        lwm2m_engine_shutdown(d->engine);
        run_engine(d);
        return 0;
}

/* SIGHUP: definitions of objects not known before become available; changed
 * definitions of objects already in use need a restart, and say so. */
static int on_reload_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        daemon_state *d = userdata;
        lwm2m_registry *fresh = lwm2m_registry_new();
        if (!fresh)
                return 0;
        ddf_load_stats stats;
        ddf_load_dirs(fresh, (const char *const *)d->cfg->objects_dirs, d->cfg->n_objects_dirs,
                      on_diag, NULL, &stats);
        unsigned added = 0, changed = 0;
        for (size_t i = 0; i < lwm2m_registry_count(fresh);) {
                const lwm2m_object_def *def = lwm2m_registry_at(fresh, i);
                const lwm2m_object_def *old = lwm2m_registry_find(d->reg, def->id);
                if (old) {
                        if (strcmp(old->version, def->version) != 0 ||
                            old->n_resources != def->n_resources)
                                changed++;
                        i++;
                        continue;
                }
                /* Not in use by anyone yet: safe to add to the live registry. */
                lwm2m_object_def *moved = lwm2m_registry_take(fresh, def->id);
                if (lwm2m_registry_add(d->reg, moved, NULL) < 0)
                        lwm2m_object_def_free(moved);
                else
                        added++;
        }
        lwm2m_registry_free(fresh);
        log_notice("reloaded object definitions: %u new object(s) available%s", added,
                   changed ? "; changed definitions of objects in use take effect after a restart"
                           : "");
        return 0;
}

static int on_child_exit(sd_event_source *s, const siginfo_t *si, void *userdata)
{
        if (si->si_code != CLD_EXITED || si->si_status != 0)
                log_warning("the %s command failed (status %d)", (const char *)userdata,
                            si->si_status);
        sd_event_source_unref(s);
        return 0;
}

static int run_command(daemon_state *d, const char *command, const char *what)
{
        pid_t pid;
        char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)command, NULL};
        int r = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
        if (r != 0) {
                log_error("cannot run the %s command: %s", what, strerror(r));
                return -r;
        }
        sd_event_source *child = NULL;
        r = sd_event_add_child(d->event, &child, pid, WEXITED, on_child_exit, (void *)what);
        if (r >= 0)
                sd_event_source_set_floating(child, true);
        return 0;
}

/* Logs what logind or systemd answered: the server already has its 2.04. */
static int on_action_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        const sd_bus_error *e = sd_bus_message_get_error(m);
        if (e)
                log_error("the %s was refused: %s", (const char *)userdata,
                          e->message ? e->message : e->name);
        else
                log_notice("the %s has started", (const char *)userdata);
        return 0;
}

/* Calls a method of logind or systemd without waiting, on a connection of
 * its own (the bus address may name a test's private bus), kept until the
 * next action or the end of the daemon so that the reply can be heard. */
static int call_system_action(daemon_state *d, const char *address, const char *what,
                              const char *destination, const char *path, const char *interface,
                              const char *member, const char *types, ...)
{
        d->action_bus = sd_bus_flush_close_unref(d->action_bus);
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r = bus_open_address(address, &bus);
        if (r >= 0)
                r = sd_bus_attach_event(bus, d->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                log_error("cannot start the %s: cannot connect to the %s bus: %s", what, address,
                          strerror(-r));
                return r;
        }
        r = sd_bus_message_new_method_call(bus, &m, destination, path, interface, member);
        if (r >= 0) {
                va_list ap;
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call_async(bus, NULL, m, on_action_reply, (void *)what, 0);
        if (r < 0) {
                log_error("cannot start the %s: %s", what, strerror(-r));
                return r;
        }
        d->action_bus = TAKE_PTR(bus);
        return 0;
}

static int on_action_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        daemon_state *d = userdata;
        const config_device *cd = &d->cfg->device;
        const char *what = d->pending_action;
        d->pending_action = NULL;
        log_notice("%s requested by the server", what);
        if (strcmp(what, "reboot") == 0) {
                if (cd->reboot_command)
                        run_command(d, cd->reboot_command, what);
                else
                        /* interactive=false: polkit must allow it outright
                         * (polkit/50-lwm2md.rules). */
                        call_system_action(d, cd->logind_bus ? cd->logind_bus : "system", what,
                                           "org.freedesktop.login1", "/org/freedesktop/login1",
                                           "org.freedesktop.login1.Manager", "Reboot", "b", false);
        } else {
                /* The stored state goes first: the reset must not come back with it. */
                persist_clear(d->persist);
                if (cd->factory_reset_unit)
                        /* Outside this sandbox, as root: lwm2md-factory-reset.service. */
                        call_system_action(d, cd->systemd_bus ? cd->systemd_bus : "system", what,
                                           "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "StartUnit", "ss",
                                           cd->factory_reset_unit, "replace");
                else
                        run_command(d, cd->factory_reset_command, what);
        }
        sd_event_source_unref(s);
        return 0;
}

static int schedule_action(daemon_state *d, const char *what)
{
        if (d->pending_action)
                return -EBUSY;
        sd_event_source *s = NULL;
        uint64_t now;
        sd_event_now(d->event, CLOCK_MONOTONIC, &now);
        int r = sd_event_add_time(d->event, &s, CLOCK_MONOTONIC, now + ACTION_DELAY_USEC, 0,
                                  on_action_timer, d);
        if (r < 0)
                return r;
        d->pending_action = what;
        return 0;
}

static int device_reboot(void *userdata)
{
        return schedule_action(userdata, "reboot");
}

static int device_factory_reset(void *userdata)
{
        return schedule_action(userdata, "factory reset");
}

/* ---- the clock and time zone through systemd-timedated ---- */

typedef struct timedated_call {
        lwm2m_ask ask;
        const char *method;
} timedated_call;

/* Policy refusals are 4.05 (the server may not do that here), a value
 * timedated rejects 4.00, an absent or silent timedated 5.00 (owner.h). */
static int timedated_errno(const sd_bus_error *e)
{
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_INVALID_ARGS))
                return -EINVAL;
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                   SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT,
                                   SD_BUS_ERROR_DISCONNECTED, SD_BUS_ERROR_UNKNOWN_METHOD,
                                   SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE))
                return -EIO;
        return -EPERM;
}

static int on_timedated_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        timedated_call *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        int r = 0;
        if (e) {
                r = timedated_errno(e);
                if (r == -EIO)
                        log_error("cannot reach timedated for %s: %s", c->method,
                                  e->message ? e->message : e->name);
                else
                        log_warning("timedated refused %s: %s", c->method,
                                    e->message ? e->message : e->name);
        } else
                log_notice("%s done by timedated, as the server asked", c->method);
        lwm2m_ask_reply(c->ask, r);
        return 0;
}

/* The connection to timedated's bus, opened once and again after a loss. */
static int time_bus(daemon_state *d, sd_bus **out)
{
        if (d->time_bus && sd_bus_is_open(d->time_bus) <= 0)
                d->time_bus = sd_bus_flush_close_unref(d->time_bus);
        if (!d->time_bus) {
                const char *address = d->cfg->device.time_bus ? d->cfg->device.time_bus : "system";
                _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
                int r = bus_open_address(address, &bus);
                if (r >= 0)
                        r = sd_bus_attach_event(bus, d->event, SD_EVENT_PRIORITY_NORMAL);
                if (r < 0) {
                        log_error("cannot reach timedated: cannot connect to the %s bus: %s",
                                  address, strerror(-r));
                        return r;
                }
                d->time_bus = TAKE_PTR(bus);
        }
        *out = d->time_bus;
        return 0;
}

/* Calls timedated without waiting: the reply answers `ask`. */
static int call_timedated(daemon_state *d, lwm2m_ask ask, const char *method, const char *types,
                          ...)
{
        sd_bus *bus;
        int r = time_bus(d, &bus);
        if (r < 0)
                return -EIO;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.timedate1",
                                           "/org/freedesktop/timedate1",
                                           "org.freedesktop.timedate1", method);
        if (r >= 0) {
                va_list ap;
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r < 0)
                return r;
        timedated_call *c = malloc(sizeof(*c));
        if (!c)
                return -ENOMEM;
        *c = (timedated_call){.ask = ask, .method = method};
        sd_bus_slot *slot = NULL;
        r = sd_bus_call_async(bus, &slot, m, on_timedated_reply, c, TIMEDATED_TIMEOUT_USEC);
        if (r < 0) {
                free(c);
                log_error("cannot call timedated's %s: %s", method, strerror(-r));
                return -EIO;
        }
        /* The call lives as long as the connection; its memory goes with it. */
        sd_bus_slot_set_destroy_callback(slot, free);
        sd_bus_slot_set_floating(slot, true);
        sd_bus_slot_unref(slot);
        return 0;
}

static int device_set_time(void *userdata, int64_t seconds, lwm2m_ask ask)
{
        if (seconds < 0 || seconds > INT64_MAX / 1000000)
                return -ERANGE;
        return call_timedated(userdata, ask, "SetTime", "xbb", seconds * 1000000, false, false);
}

static int device_set_timezone(void *userdata, const char *zone, lwm2m_ask ask)
{
        return call_timedated(userdata, ask, "SetTimezone", "sb", zone, false);
}

/* ---- Firmware Update (/5/0, [firmware]) ---- */

/* An update outcome from before a restart is reported once registered again. */
static void firmware_server_changed(daemon_state *d, uint16_t short_id)
{
        size_t n = lwm2m_engine_server_count(d->engine);
        for (size_t i = 0; i < n && d->firmware; i++) {
                lwm2m_server_info info;
                if (lwm2m_engine_server_info(d->engine, i, &info) == 0 &&
                    info.short_id == short_id && info.state == LWM2M_SERVER_REGISTERED)
                        fw_update_registered(d->firmware);
        }
}

/* Observers of the update's State and Result hear of each change for sure. */
static bool firmware_confirmable(void *userdata, const lwm2m_path *path)
{
        daemon_state *d = userdata;
        return d->firmware && fw_update_confirmable(path);
}

/* Needs the event loop (a download to resume); before the engine starts, so that
 * the registration lists /5/0. */
static int start_firmware(daemon_state *d)
{
        fw_transport coap = fw_coap_transport(d->engine);
        fw_update_config fc = {
                .firmware = &d->cfg->firmware,
                .coap = &coap,
                .state_dir = d->cfg->state_dir,
                .device = d->device,
                .reboot = device_reboot,
                .userdata = d,
        };
        int r;
        d->firmware = fw_update_new(d->event, d->tree, &fc, &r);
        if (d->firmware)
                lwm2m_requests_apply_access_templates(d->requests);
        return r;
}

/* ---- what the D-Bus layer sees of the engine ---- */

#if HAVE_DBUS_API

static size_t bus_server_count(void *userdata)
{
        daemon_state *d = userdata;
        return lwm2m_engine_server_count(d->engine);
}

static int bus_server_info_of(void *userdata, size_t index, bus_server_info *out)
{
        daemon_state *d = userdata;
        lwm2m_server_info info;
        int r = lwm2m_engine_server_info(d->engine, index, &info);
        if (r < 0)
                return r;
        *out = (bus_server_info){
                .short_id = info.short_id,
                .state = lwm2m_server_state_to_string(info.state),
                .uri = info.uri,
                .location = info.location,
                .lwm2m_version = info.lwm2m_version,
                .binding = info.binding,
                .lifetime = info.lifetime,
                .last_error = info.last_error,
                .observations =
                        info.observations > UINT32_MAX ? UINT32_MAX : (uint32_t)info.observations,
                .sleeping = info.sleeping,
                .notifications_queued = info.stored_queued,
                .notifications_delivered = info.stored_delivered,
                .notifications_dropped = info.stored_dropped,
        };
        return 0;
}

static int bus_send(void *userdata, uint16_t short_id, const lwm2m_path *paths, size_t n)
{
        daemon_state *d = userdata;
        return lwm2m_engine_send(d->engine, short_id, paths, n);
}

#endif /* HAVE_DBUS_API */

/* Also the Server object's Registration Update Trigger (/1/x/8). */
static int request_update(void *userdata, uint16_t short_id)
{
        daemon_state *d = userdata;
        lwm2m_engine_request_update(d->engine, short_id);
        return 0;
}

/* The Server object's Bootstrap-Request Trigger (/1/x/9), and Manager.Bootstrap. */
static int start_bootstrap(void *userdata)
{
        daemon_state *d = userdata;
        return lwm2m_engine_bootstrap(d->engine);
}

static int trigger_bootstrap(void *userdata, uint16_t short_id)
{
        daemon_state *d = userdata;
        int r = start_bootstrap(d);
        if (r < 0) {
                log_warning("server %u triggered a bootstrap, but %s", short_id,
                            r == -ENOENT ? "no bootstrap server is configured" : strerror(-r));
                /* 4.05 for the server: the resource is there, the operation is not. */
                return r == -ENOENT ? -EPERM : r;
        }
        log_info("server %u triggered a bootstrap", short_id);
        return 0;
}

/* The Server object's Disable (/1/x/4). */
static int disable_server(void *userdata, uint16_t short_id, uint64_t seconds)
{
        daemon_state *d = userdata;
        return lwm2m_engine_disable_server(d->engine, short_id, seconds);
}

/* The Server object stands behind the instances of the servers the engine registers with. */
static int own_server_instances(daemon_state *d)
{
        size_t n = lwm2m_engine_server_count(d->engine);
        for (size_t i = 0; i < n; i++) {
                lwm2m_server_info info;
                int r = lwm2m_engine_server_info(d->engine, i, &info);
                r = r ?: server_object_own(d->servers, info.server_iid);
                /* -ENOENT: a bootstrap server deleted it; the server list follows at Finish. */
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return 0;
}

#if HAVE_DBUS_API
static const char *bus_state(void *userdata)
{
        daemon_state *d = userdata;
        if (d->stopping)
                return "stopping";
        if (lwm2m_engine_bootstrapping(d->engine))
                return "bootstrapping";
        bool registering = false, deregistering = false;
        size_t n = lwm2m_engine_server_count(d->engine);
        for (size_t i = 0; i < n; i++) {
                lwm2m_server_info info;
                if (lwm2m_engine_server_info(d->engine, i, &info) < 0)
                        continue;
                if (info.state == LWM2M_SERVER_REGISTERED)
                        return "registered";
                registering |= info.state == LWM2M_SERVER_REGISTERING;
                deregistering |= info.state == LWM2M_SERVER_DEREGISTERING;
        }
        return registering ? "registering" : deregistering ? "deregistering" : "offline";
}

static const bus_engine_ops bus_ops = {
        .server_count = bus_server_count,
        .server_info = bus_server_info_of,
        .request_update = request_update,
        .bootstrap = start_bootstrap,
        .state = bus_state,
        .send = bus_send,
};

static void on_bus_log(void *userdata, int priority, const char *message)
{
        log_msg(priority, "D-Bus: %s", message);
}

/* Serves the tree on D-Bus. A bus that is away (not started yet, restarted,
 * the name taken) is tried again by the bus layer; the daemon runs on meanwhile. */
static void start_bus(daemon_state *d)
{
        const char *address = d->cfg->bus ? d->cfg->bus : "system";
        if (strcmp(address, "none") == 0)
                return;
        bus_config bc = {
                .address = address,
                .endpoint = d->cfg->endpoint,
                .lwm2m_version = d->cfg->lwm2m_version,
                .ops = &bus_ops,
                .ops_userdata = d,
                .log = {.fn = on_bus_log, .max_priority = log_get_max_level()},
                .max_value_size = d->cfg->max_value_size,
                .max_instances_per_caller = d->cfg->max_instances_per_caller,
                .admin_group = d->cfg->admin_group,
                .requests = d->requests,
        };
        char why[256] = "";
        if (bus_new(d->event, d->tree, &bc, &d->bus, why, sizeof(why)) < 0)
                log_warning("%s; running without D-Bus", why);
}
#else
/* Built without the org.lwm2md1 API (meson -Ddbus-api=false): d->bus stays NULL, as when
 * the bus is away, and the servers see the same daemon. */
static void start_bus(daemon_state *d)
{
        if (d->cfg->bus && strcmp(d->cfg->bus, "none") != 0)
                log_notice("bus = %s ignored: this lwm2md is built without the D-Bus API",
                           d->cfg->bus);
}
#endif

/* ---- periodic Send ([send NAME] sections) ---- */

static int on_send_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        periodic_send *ps = userdata;
        daemon_state *d = ps->d;
        if (d->stopping)
                return 0; /* de-registering: nothing more to send, and no next period */
        const config_send *cs = ps->cfg;
        log_debug("[%s]: sending %zu path(s)", cs->section, cs->n_paths);
        int r = lwm2m_engine_send(d->engine, cs->short_id, cs->paths, cs->n_paths);
        /* A server that is away fails every period: said once, and when it changes. */
        if (r < 0 && r != ps->last_error) {
                char why[256];
                bus_describe_send_error(r, cs->short_id, why, sizeof(why));
                log_warning("[%s]: cannot send: %s", cs->section, why);
        } else if (r >= 0 && ps->last_error < 0) {
                log_info("[%s]: sending again", cs->section);
        }
        ps->last_error = r < 0 ? r : 0;
        r = sd_event_source_set_time_relative(s, (uint64_t)cs->interval * 1000000u);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        if (r < 0)
                log_error("[%s]: cannot arm the next Send: %s", cs->section, strerror(-r));
        /* run_loop runs the engine after this, so what it queued goes out now. */
        return 0;
}

/* One timer per [send NAME] section, the first period from now. */
static int start_periodic_sends(daemon_state *d)
{
        const config *c = d->cfg;
        if (c->n_sends == 0)
                return 0;
        d->sends = calloc(c->n_sends, sizeof(*d->sends));
        if (!d->sends)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_sends; i++) {
                periodic_send *ps = &d->sends[d->n_sends++];
                *ps = (periodic_send){.d = d, .cfg = &c->sends[i]};
                int r = sd_event_add_time_relative(d->event, &ps->timer, CLOCK_MONOTONIC,
                                                   (uint64_t)ps->cfg->interval * 1000000u, 0,
                                                   on_send_timer, ps);
                if (r < 0) {
                        log_error("[%s]: cannot set up its timer: %s", ps->cfg->section,
                                  strerror(-r));
                        return r;
                }
        }
        return 0;
}

static void daemon_free(daemon_state *d)
{
        /* What changed in the last turn is written while the engine and tree are here. */
        persist_free(d->persist);
        for (size_t i = 0; i < d->n_sends; i++)
                sd_event_source_disable_unref(d->sends[i].timer);
        free(d->sends);
        /* Its downloads may run on the engine, which may still report server changes. */
        fw_update_free(d->firmware);
        d->firmware = NULL;
        /* The engine and the bus first: they cancel the requests they made. */
        lwm2m_engine_free(d->engine);
        server_object_free(d->servers);
        bus_free(d->bus);
        /* Its pending calls' replies would answer requests about to go. */
        sd_bus_flush_close_unref(d->time_bus);
        sd_bus_flush_close_unref(d->action_bus);
        lwm2m_requests_free(d->requests);
        sd_event_source_unref(d->requests_timer);
        sd_event_source_unref(d->etc_watch);
        gpsd_client_free(d->gpsd);
        modem_watch_free(d->modem);
        connmon_object_free(d->connmon);
        location_object_free(d->location);
        device_object_free(d->device);
        lwm2m_tree_free(d->tree);
        lwm2m_registry_free(d->reg);
        sd_event_unref(d->event);
}

/* The [bootstrap-server] section's bootstrap-timeout (0: the engine's default). */
static uint32_t bootstrap_timeout(const config *c)
{
        for (size_t i = 0; i < c->n_servers; i++)
                if (c->servers[i].bootstrap)
                        return c->servers[i].bootstrap_timeout;
        return 0;
}

/* The [access-control OID/IID] sections with a star for the instance ID. */
static int set_access_templates(daemon_state *d)
{
        const config *c = d->cfg;
        _cleanup_free_ lwm2m_access_template *tpl = calloc(c->n_access ?: 1, sizeof(*tpl));
        if (!tpl)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < c->n_access; i++) {
                const config_access *a = &c->access[i];
                if (a->every_instance)
                        tpl[n++] = (lwm2m_access_template){
                                .oid = a->oid, .owner = a->owner, .acl = a->acl, .n_acl = a->n_acl};
        }
        return lwm2m_requests_set_access_templates(d->requests, tpl, n);
}

/* The first management server's address, when its URI names one by number (a
 * name would need a lookup that blocks): its route picks the interface of /4/0. */
static void set_connectivity_peer(daemon_state *d)
{
        if (!d->connmon)
                return;
        connmon_object_set_peer(d->connmon, NULL, 0);
        for (int iid = -1;
             (iid = lwm2m_tree_next_instance(d->tree, LWM2M_OBJ_SECURITY, iid)) >= 0;) {
                lwm2m_path p =
                        lwm2m_path_resource(LWM2M_OBJ_SECURITY, (uint16_t)iid, LWM2M_SEC_BOOTSTRAP);
                const lwm2m_value *bs = lwm2m_tree_get(d->tree, &p);
                p.id[2] = LWM2M_SEC_URI;
                const lwm2m_value *uri = lwm2m_tree_get(d->tree, &p);
                if ((bs && bs->b) || !uri || uri->type != LWM2M_TYPE_STRING)
                        continue;
                coap_uri_t u;
                char host[64], port[8];
                if (coap_split_uri(uri->buf.data, uri->buf.len, &u) < 0 ||
                    u.host.length >= sizeof(host))
                        return;
                memcpy(host, u.host.s, u.host.length);
                host[u.host.length] = 0;
                snprintf(port, sizeof(port), "%u", u.port);
                struct addrinfo hints = {.ai_socktype = SOCK_DGRAM,
                                         .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
                struct addrinfo *ai = NULL;
                if (getaddrinfo(host, port, &hints, &ai) == 0 && ai)
                        connmon_object_set_peer(d->connmon, ai->ai_addr, ai->ai_addrlen);
                if (ai)
                        freeaddrinfo(ai);
                return;
        }
}

/* Connectivity Monitoring (/4/0), when its definition is loaded. */
static int build_connectivity(daemon_state *d)
{
        if (!lwm2m_registry_find(d->reg, LWM2M_OBJ_CONNECTIVITY_MONITORING))
                return 0;
        d->connmon = connmon_object_new(d->tree, d->cfg->connectivity.interface);
        if (!d->connmon) {
                log_error("cannot create the Connectivity Monitoring object: %s", strerror(errno));
                return -errno;
        }
        set_connectivity_peer(d);
        return 0;
}

static int on_etc_change(sd_event_source *s, const struct inotify_event *ev, void *userdata)
{
        daemon_state *d = userdata;
        if ((ev->len > 0 && strcmp(ev->name, "localtime") == 0) || (ev->mask & IN_Q_OVERFLOW))
                device_object_timezone_changed(d->device);
        return 0;
}

/* The time zone changes by a new /etc/localtime (timedated, an administrator): told
 * so, the Device object need not read the link at every read of /3/0/15. Without
 * the watch it still does. */
static void watch_timezone(daemon_state *d)
{
        char etc[PATH_MAX];
        if (snprintf(etc, sizeof(etc), "%s/etc", d->sysroot ?: "") >= (int)sizeof(etc))
                return;
        int r = sd_event_add_inotify(d->event, &d->etc_watch, etc,
                                     IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM |
                                             IN_CLOSE_WRITE | IN_ONLYDIR,
                                     on_etc_change, d);
        if (r < 0) {
                log_info("cannot watch %s for time zone changes (%s): reading /etc/localtime "
                         "at every read of the time zone",
                         etc, strerror(-r));
                return;
        }
        device_object_timezone_watched(d->device);
}

/* ModemManager's radio figures for /4/0, read in the background. */
static int start_modem_watch(daemon_state *d)
{
        const char *address = d->cfg->connectivity.modem_bus ?: "system";
        if (!d->connmon || strcmp(address, "none") == 0)
                return 0;
        d->modem = modem_watch_new(d->event, address, d->connmon);
        return d->modem ? 0 : -ENOMEM;
}

static int build(daemon_state *d)
{
        config *c = d->cfg;
        d->reg = lwm2m_registry_new();
        if (!d->reg)
                return -ENOMEM;
        ddf_load_stats stats;
        int r = ddf_load_dirs(d->reg, (const char *const *)c->objects_dirs, c->n_objects_dirs,
                              on_diag, NULL, &stats);
        if (r == -ENOMEM)
                return r;
        log_info("loaded %u object definitions (%u resources) from %u files%s", stats.objects,
                 stats.resources, stats.files, stats.rejected ? "; some files were rejected" : "");
        static const uint16_t needed[] = {LWM2M_OBJ_SECURITY, LWM2M_OBJ_SERVER, LWM2M_OBJ_DEVICE};
        for (size_t i = 0; i < ELEMENTSOF(needed); i++)
                if (!lwm2m_registry_find(d->reg, needed[i])) {
                        log_error("no definition of object %u in the object directories; "
                                  "is the shipped objects.d installed?",
                                  needed[i]);
                        return -ENOENT;
                }

        d->tree = lwm2m_tree_new(d->reg);
        if (!d->tree)
                return -ENOMEM;
        /* Stored state wins over the configuration's servers (docs/persistence.md). */
        d->persist = persist_new(c->state_dir);
        if (!d->persist)
                return -ENOMEM;
        r = persist_load(d->persist, d->tree);
        if (r == 0)
                r = provision_from_config(d->tree, c, on_config_error, NULL);
        if (r < 0)
                return r;
        if (lwm2m_access_enforced(d->tree) && c->n_access == 0)
                log_warning("more than one server and no [access-control] section: Access "
                            "Control leaves each server only its own Server instance "
                            "(lwm2md.conf(5))");
        lwm2m_request_timer timer = {.now_ms = requests_now_ms, .arm = requests_arm, .userdata = d};
        lwm2m_log requests_log = {.fn = on_engine_log, .max_priority = log_get_max_level()};
        d->requests = lwm2m_requests_new(d->tree, &timer, &requests_log, 0);
        if (!d->requests || set_access_templates(d) < 0)
                return -ENOMEM;

        const config_device *cd = &c->device;
        device_info info = {
                .manufacturer = cd->manufacturer,
                .model = cd->model,
                .serial_number = cd->serial_number,
                .firmware_version = cd->firmware_version,
                .hardware_version = cd->hardware_version,
                .software_version = cd->software_version,
                .device_type = cd->device_type,
                .sysroot = d->sysroot,
                .low_memory_percent = cd->low_memory_percent,
        };
        device_actions actions = {
                .reboot = device_reboot,
                .factory_reset = cd->factory_reset_command || cd->factory_reset_unit
                                         ? device_factory_reset
                                         : NULL,
                .set_time = device_set_time,
                .set_timezone = device_set_timezone,
                .userdata = d,
                .log = {.fn = on_engine_log, .max_priority = log_get_max_level()},
        };
        d->device = device_object_new(d->tree, &info, &actions);
        if (!d->device) {
                log_error("cannot create the Device object: %s", strerror(errno));
                return -errno;
        }
        const config_location *cl = &c->location;
        if (cl->has_fixed || cl->gpsd) {
                location_fix fixed = {
                        .latitude = cl->latitude,
                        .longitude = cl->longitude,
                        .altitude = cl->altitude,
                        .radius = cl->radius,
                        .has_altitude = cl->has_altitude,
                        .has_radius = cl->has_radius,
                };
                d->location = location_object_new(d->tree, cl->has_fixed ? &fixed : NULL);
                if (!d->location) {
                        log_error("cannot create the Location object: %s", strerror(errno));
                        return -errno;
                }
        }
        r = build_connectivity(d);
        if (r < 0)
                return r;
        /* The instances there before any request: the Device object's. */
        lwm2m_requests_apply_access_templates(d->requests);

        coap_set_log_handler(on_coap_log);
        /* libcoap warns of every ICMP error and retransmission: keep its debug for -v. */
        coap_set_log_level(log_get_max_level() >= LOG_DEBUG ? LOG_INFO : LOG_ERR);
        coap_dtls_set_log_level(log_get_max_level() >= LOG_DEBUG ? LOG_INFO : LOG_ERR);

        lwm2m_engine_config ec = {
                .endpoint = c->endpoint,
                .lwm2m_version = c->lwm2m_version,
                .log = {.fn = on_engine_log, .max_priority = log_get_max_level()},
                .server_changed = on_server_changed,
                .servers_changed = on_servers_changed,
                .userdata = d,
                .requests = d->requests,
                .stored_max_count = c->notification_store_count,
                .stored_max_bytes = c->notification_store_bytes,
                .queue_idle_ms = c->queue_idle_time * 1000u,
                .attributes_changed = on_attributes_changed,
                .answering = on_answering,
                .bootstrap_timeout_s = bootstrap_timeout(c),
                .confirmable = firmware_confirmable,
        };
        d->engine = lwm2m_engine_new(d->tree, &ec);
        if (!d->engine) {
                log_error("cannot set up CoAP (libcoap without epoll support?)");
                return -EIO;
        }
        const lwm2m_attributes *saved = persist_loaded_attributes(d->persist);
        if (saved && (r = lwm2m_engine_restore_attributes(d->engine, saved)) < 0)
                return r;
        server_object_actions server_actions = {
                .update = request_update,
                .disable = disable_server,
                .bootstrap = trigger_bootstrap,
                .userdata = d,
        };
        d->servers = server_object_new(d->tree, &server_actions);
        if (!d->servers)
                return -ENOMEM;
        return 0;
}

int daemon_run(config *c)
{
        assert(c);
        daemon_state d = {.cfg = c, .sysroot = secure_getenv("LWM2MD_SYSROOT")};
        int r = build(&d);
        if (r < 0)
                goto out;

        r = sd_event_default(&d.event);
        if (r < 0)
                goto out;
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if ((r = sd_event_add_signal(d.event, NULL, SIGTERM, on_stop_signal, &d)) < 0 ||
            (r = sd_event_add_signal(d.event, NULL, SIGINT, on_stop_signal, &d)) < 0 ||
            (r = sd_event_add_signal(d.event, NULL, SIGHUP, on_reload_signal, &d)) < 0)
                goto out;
        if (c->location.gpsd) {
                d.gpsd = gpsd_client_new(d.event, c->location.gpsd, d.location, d.device);
                if (!d.gpsd) {
                        r = -errno;
                        log_error("[location] gpsd '%s': %s", c->location.gpsd,
                                  r == -EINVAL ? "expected an IP address and port (127.0.0.1:2947, "
                                                 "[::1]:2947) or an absolute socket path"
                                               : strerror(-r));
                        goto out;
                }
        }
        watch_timezone(&d);
        r = start_modem_watch(&d);
        if (r < 0)
                goto out;
        r = persist_start(d.persist, d.event, d.tree, d.engine);
        if (r < 0)
                goto out;
        r = start_firmware(&d);
        if (r < 0)
                goto out;
        /* Pings the service manager's watchdog when WatchdogSec= is set. */
        sd_event_set_watchdog(d.event, true);
        start_bus(&d);

        r = lwm2m_engine_start(d.engine);
        if (r == -ENOENT) {
                log_error("no usable LwM2M server and no bootstrap server in the configuration");
                goto out;
        }
        if (r < 0)
                goto out;
        r = own_server_instances(&d);
        if (r < 0)
                goto out;
        r = start_periodic_sends(&d);
        if (r < 0)
                goto out;
        run_engine(&d);
        log_notice("lwm2md %s started as endpoint '%s'", PACKAGE_VERSION, c->endpoint);
        sd_notify(false, "READY=1");
        notify_status(&d);
        r = run_loop(&d);
        log_info("stopped");
out:
        if (r < 0 && r != -ENOENT)
                log_error("cannot run: %s", strerror(-r));
        daemon_free(&d);
        return r;
}
