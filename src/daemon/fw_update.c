/* fw_update.c - the Firmware Update object at work in the daemon: its state file, the
 * downloads (HTTP here, CoAP through a transport given in), and the updater (RAUC or a command). */
#include "daemon/fw_update.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/fw_command.h"
#include "daemon/log.h"
#include "daemon/rauc.h"
#include "model/oma.h"
#include "objects/device.h"
#include "objects/firmware.h"
#include "store/file.h"
#include "store/firmware_state.h"
#include "util/buf.h"
#include "util/macro.h"

/* After a lost connection the next attempt waits this long, doubled each time. */
#define RESUME_DELAY_USEC (1000 * 1000ull)

struct fw_update {
        sd_event *event;
        fw_update_config cfg;
        fw_transport coap; /* cfg.coap copied: start NULL without */
        firmware_object *obj;
        rauc_client *rauc;
        fw_command *command;
        http_fetch *http;
        void *coap_fetch;
        sd_event_source *delay; /* a resumed download waiting for its back-off */
        char uri[STORE_FIRMWARE_TEXT_MAX + 1];
        uint64_t offset;
        unsigned lost; /* connections lost in a row */
        bool saved_ok; /* the last save worked (a failure is logged once) */
};

static bool is_coap(const char *uri)
{
        return strncasecmp(uri, "coap://", 7) == 0 || strncasecmp(uri, "coaps://", 8) == 0;
}

/* ---- downloads ---- */

static int on_fetch_data(void *userdata, uint64_t offset, const uint8_t *bytes, size_t len,
                         uint64_t total)
{
        fw_update *u = userdata;
        return firmware_object_download_data(u->obj, offset, bytes, len, total);
}

static void on_fetch_done(void *userdata, int error)
{
        fw_update *u = userdata;
        u->http = NULL;
        u->coap_fetch = NULL;
        u->lost = error == -ETIMEDOUT || error == -ECONNRESET ? u->lost + 1 : 0;
        firmware_object_download_done(u->obj, error);
}

static int fetch_now(fw_update *u)
{
        http_fetch_ops ops = {.data = on_fetch_data, .done = on_fetch_done, .userdata = u};
        if (is_coap(u->uri)) {
                if (!u->coap.start)
                        return -EPROTONOSUPPORT;
                u->coap_fetch = u->coap.start(u->coap.context, u->uri, u->offset, &ops);
                return u->coap_fetch ? 0 : -errno;
        }
        u->http = http_fetch_start(u->event, u->uri, u->offset, &ops);
        return u->http ? 0 : -errno;
}

static int on_delay(sd_event_source *s, uint64_t usec, void *userdata)
{
        fw_update *u = userdata;
        u->delay = sd_event_source_disable_unref(u->delay);
        int r = fetch_now(u);
        if (r < 0)
                firmware_object_download_done(u->obj, r);
        return 0;
}

static void download_cancel(void *userdata)
{
        fw_update *u = userdata;
        http_fetch_cancel(u->http);
        u->http = NULL;
        if (u->coap_fetch)
                u->coap.cancel(u->coap_fetch);
        u->coap_fetch = NULL;
        u->delay = sd_event_source_disable_unref(u->delay);
}

static int download_start(void *userdata, const char *uri, uint64_t offset)
{
        fw_update *u = userdata;
        download_cancel(u);
        snprintf(u->uri, sizeof(u->uri), "%s", uri);
        u->offset = offset;
        if (offset == 0) /* a new download, or the image starting over */
                u->lost = 0;
        if (u->lost == 0)
                return fetch_now(u);
        /* The connection was lost: give the network a moment before trying again. */
        unsigned shift = u->lost > 4 ? 4 : u->lost - 1;
        uint64_t wait = RESUME_DELAY_USEC << shift;
        log_info("firmware: resuming the download in %llu s", (unsigned long long)(wait / 1000000));
        return sd_event_add_time_relative(u->event, &u->delay, CLOCK_MONOTONIC, wait, 0, on_delay,
                                          u);
}

/* ---- the updaters ---- */

static void on_inspected(void *userdata, int error, const char *compatible, const char *version)
{
        fw_update *u = userdata;
        firmware_object_check_done(u->obj, error < 0 ? -ENOEXEC : 0, compatible, version);
}

static void installed(fw_update *u, int error)
{
        bool reboot = error == 0 && u->cfg.firmware->reboot > 0 && u->cfg.reboot;
        /* The outcome is saved before the reboot can start. */
        firmware_object_update_done(u->obj, error, reboot);
        if (reboot && u->cfg.reboot(u->cfg.userdata) < 0)
                log_error("firmware: installed, but the reboot cannot start; the new firmware "
                          "runs after the next one");
}

static void on_rauc_completed(void *userdata, int error)
{
        installed(userdata, error);
}

static void on_command_done(void *userdata, int error)
{
        fw_update *u = userdata;
        u->command = NULL;
        installed(u, error);
}

static int check(void *userdata, const char *image)
{
        fw_update *u = userdata;
        return rauc_inspect(u->rauc, image);
}

static int install(void *userdata, const char *image)
{
        fw_update *u = userdata;
        if (u->rauc)
                return rauc_install(u->rauc, image);
        fw_command_forget(u->command);
        u->command = fw_command_run(u->event, u->cfg.firmware->command, image, on_command_done, u);
        return u->command ? 0 : -errno;
}

static int install_uri(void *userdata, const char *uri)
{
        fw_update *u = userdata;
        return rauc_install(u->rauc, uri);
}

/* ---- the state file ---- */

static void save(void *userdata, const firmware_saved *saved)
{
        fw_update *u = userdata;
        if (u->cfg.device && saved->result == FIRMWARE_RESULT_UPDATE_FAILED)
                device_object_raise_error(u->cfg.device, DEVICE_ERROR_UPDATE_FAILED);
        else if (u->cfg.device && saved->result == FIRMWARE_RESULT_SUCCESS)
                device_object_clear_error(u->cfg.device, DEVICE_ERROR_UPDATE_FAILED);
        store_firmware f = {
                .state = (uint8_t)saved->state,
                .result = (uint8_t)saved->result,
                .spool_bytes = saved->spool_bytes,
                .update_pending = saved->update_pending,
                .update_installed = saved->update_installed,
        };
        snprintf(f.pkg_name, sizeof(f.pkg_name), "%s", saved->pkg_name);
        snprintf(f.pkg_version, sizeof(f.pkg_version), "%s", saved->pkg_version);
        snprintf(f.uri, sizeof(f.uri), "%s", saved->uri);
        _cleanup_(lwm2m_buf_free) lwm2m_buf buf = {0};
        int r = store_firmware_encode(&f, &buf);
        if (r >= 0)
                r = store_dir_ensure(u->cfg.state_dir);
        if (r >= 0)
                r = store_file_replace(u->cfg.state_dir, STORE_FIRMWARE_FILE_NAME, buf.data,
                                       buf.len);
        if (r < 0 && u->saved_ok)
                log_error("firmware: cannot write %s/%s: %s; the update's state will not "
                          "survive a restart",
                          u->cfg.state_dir, STORE_FIRMWARE_FILE_NAME, strerror(-r));
        u->saved_ok = r >= 0;
}

static int load(fw_update *u, firmware_saved *out)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", u->cfg.state_dir, STORE_FIRMWARE_FILE_NAME);
        _cleanup_free_ uint8_t *data = NULL;
        size_t len = 0;
        int r = store_file_read(path, STORE_FIRMWARE_MAX_BYTES, &data, &len);
        if (r == -ENOENT)
                return 0;
        store_firmware f;
        char why[256] = "";
        if (r >= 0)
                r = store_firmware_decode(data, len, &f, why, sizeof(why));
        if (r < 0) {
                log_error("firmware: %s is unusable (%s); starting from Idle", path,
                          why[0] ? why : strerror(-r));
                return 0;
        }
        *out = (firmware_saved){
                .state = (firmware_state)f.state,
                .result = (firmware_result)f.result,
                .spool_bytes = f.spool_bytes,
                .update_pending = f.update_pending,
                .update_installed = f.update_installed,
        };
        snprintf(out->pkg_name, sizeof(out->pkg_name), "%s", f.pkg_name);
        snprintf(out->pkg_version, sizeof(out->pkg_version), "%s", f.pkg_version);
        snprintf(out->uri, sizeof(out->uri), "%s", f.uri);
        return 1;
}

static void on_object_log(void *userdata, int priority, const char *message)
{
        log_msg(priority, "%s", message);
}

fw_update *fw_update_new(sd_event *event, lwm2m_tree *tree, const fw_update_config *cfg, int *error)
{
        const config_firmware *c = cfg->firmware;
        *error = 0;
        if (c->backend == CONFIG_FW_NONE)
                return NULL;
        fw_update *u = calloc(1, sizeof(*u));
        if (!u) {
                *error = -ENOMEM;
                return NULL;
        }
        u->event = sd_event_ref(event);
        u->cfg = *cfg;
        if (cfg->coap)
                u->coap = *cfg->coap;
        u->cfg.coap = NULL;
        u->saved_ok = true;
        if (c->backend == CONFIG_FW_RAUC) {
                rauc_ops ops = {
                        .inspected = on_inspected, .completed = on_rauc_completed, .userdata = u};
                u->rauc = rauc_client_new(event, c->rauc_bus, &ops);
                if (!u->rauc) {
                        fw_update_free(u);
                        *error = -ENOMEM;
                        return NULL;
                }
        }
        uint8_t protocols[4];
        size_t n = 0;
        if (c->pull && http_fetch_available()) {
                protocols[n++] = 2;
                protocols[n++] = 3;
        }
        if (c->pull && cfg->coap) {
                protocols[n++] = 0;
                protocols[n++] = 1;
        }
        firmware_saved saved;
        bool have_saved = load(u, &saved) > 0;
        firmware_config fc = {
                .spool_path = c->spool,
                .spool_reserve = c->spool_reserve,
                .protocols = protocols,
                .n_protocols = n,
                .push = c->push,
                .pull = c->pull,
                .stream_https = c->rauc_streaming,
                .saved = have_saved ? &saved : NULL,
        };
        firmware_actions actions = {
                .download_start = download_start,
                .download_cancel = download_cancel,
                .check = u->rauc ? check : NULL,
                .install = install,
                .install_uri = u->rauc && c->rauc_streaming ? install_uri : NULL,
                .save = save,
                .userdata = u,
                .log = {.fn = on_object_log, .max_priority = log_get_max_level()},
        };
        u->obj = firmware_object_new(tree, &fc, &actions);
        if (!u->obj) {
                *error = -errno;
                log_error("cannot create the Firmware Update object: %s", strerror(errno));
                fw_update_free(u);
                return NULL;
        }
        log_info("firmware: updates through %s, spool %s", u->rauc ? "RAUC" : c->command, c->spool);
        return u;
}

void fw_update_free(fw_update *u)
{
        if (!u)
                return;
        download_cancel(u);
        firmware_object_free(u->obj);
        fw_command_forget(u->command);
        rauc_client_free(u->rauc);
        sd_event_unref(u->event);
        free(u);
}

bool fw_update_confirmable(const lwm2m_path *path)
{
        if (path->len == 0 || path->id[0] != LWM2M_OBJ_FIRMWARE_UPDATE)
                return false;
        return path->len < 3 || path->id[2] == LWM2M_FW_STATE ||
               path->id[2] == LWM2M_FW_UPDATE_RESULT;
}

void fw_update_registered(fw_update *u)
{
        if (!u || !firmware_object_registered(u->obj))
                return;
        if (u->rauc)
                rauc_mark_good(u->rauc);
}
