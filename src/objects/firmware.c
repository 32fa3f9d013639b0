/* firmware.c - the Firmware Update object (/5/0): the state machine, the spool file a
 * pushed or pulled image goes to, and the hand-over to an updater the daemon provides. */
#include "objects/firmware.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "model/oma.h"
#include "util/macro.h"

/* A pull that loses its connection is resumed this many times before Result 4. */
#define FIRMWARE_RESUME_ATTEMPTS 3

struct firmware_object {
        lwm2m_tree *tree;
        lwm2m_owner owner;
        lwm2m_stream_ops stream_ops;
        lwm2m_owner_ops ops;
        firmware_actions actions;
        char *spool_path;
        uint64_t spool_reserve;
        uint8_t protocols[8];
        size_t n_protocols;
        bool push, pull, stream_https;
        firmware_saved s;   /* the state as it is now, and as it is saved */
        int spool_fd;       /* open while an image comes in */
        uint64_t received;  /* bytes in the spool without a gap */
        uint64_t announced; /* the size the sender announced, or UINT64_MAX */
        bool fetching;      /* actions.download_start is under way */
        bool checking;      /* actions.check is under way */
        bool pushing;       /* a stream is open */
        bool from_saved;    /* a pending outcome is to be reported after registration */
        unsigned resumes;
        bool restarted_stale;
};

static const lwm2m_log *fw_log(firmware_object *fw)
{
        return &fw->actions.log;
}

static int scheme_protocol(const char *uri)
{
        static const struct {
                const char *prefix;
                int protocol;
        } schemes[] = {
                {"coap://", 0},
                {"coaps://", 1},
                {"http://", 2},
                {"https://", 3},
        };
        for (size_t i = 0; i < ELEMENTSOF(schemes); i++)
                if (strncasecmp(uri, schemes[i].prefix, strlen(schemes[i].prefix)) == 0)
                        return schemes[i].protocol;
        return -1;
}

static bool protocol_supported(const firmware_object *fw, int protocol)
{
        for (size_t i = 0; i < fw->n_protocols; i++)
                if (fw->protocols[i] == protocol)
                        return true;
        return false;
}

/* A URI has a scheme, "://" and a host; no spaces or control characters. */
static bool uri_well_formed(const char *uri)
{
        const char *sep = strstr(uri, "://");
        if (!sep || sep == uri || sep[3] == 0 || sep[3] == '/')
                return false;
        for (const char *p = uri; p < sep; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'))
                        return false;
        for (const unsigned char *p = (const unsigned char *)uri; *p; p++)
                if (*p <= 0x20 || *p == 0x7f)
                        return false;
        return true;
}

static const char *state_name(firmware_state s)
{
        static const char *const names[] = {"Idle", "Downloading", "Downloaded", "Updating"};
        return (unsigned)s < ELEMENTSOF(names) ? names[s] : "?";
}

static int set_text(lwm2m_record *rec, uint16_t rid, const char *text)
{
        rec->path = lwm2m_path_resource(LWM2M_OBJ_FIRMWARE_UPDATE, 0, rid);
        return lwm2m_value_set_string(&rec->value, text, strlen(text));
}

/* State, result, package name and version and the time of the change as one change
 * (one notification), then saved. */
static void publish(firmware_object *fw, bool state_changed)
{
        lwm2m_record recs[5] = {0};
        size_t n = 0;
        recs[n++] = (lwm2m_record){
                .path = lwm2m_path_resource(LWM2M_OBJ_FIRMWARE_UPDATE, 0, LWM2M_FW_STATE),
                .value = lwm2m_value_integer(fw->s.state)};
        recs[n++] = (lwm2m_record){
                .path = lwm2m_path_resource(LWM2M_OBJ_FIRMWARE_UPDATE, 0, LWM2M_FW_UPDATE_RESULT),
                .value = lwm2m_value_integer(fw->s.result)};
        if (set_text(&recs[n], LWM2M_FW_PKG_NAME, fw->s.pkg_name) >= 0)
                n++;
        if (set_text(&recs[n], LWM2M_FW_PKG_VERSION, fw->s.pkg_version) >= 0)
                n++;
        if (state_changed)
                recs[n++] = (lwm2m_record){.path = lwm2m_path_resource(LWM2M_OBJ_FIRMWARE_UPDATE, 0,
                                                                       LWM2M_FW_LAST_STATE_CHANGE),
                                           .value = lwm2m_value_time(time(NULL))};
        lwm2m_path base = lwm2m_path_instance(LWM2M_OBJ_FIRMWARE_UPDATE, 0);
        char why[256] = "";
        int r = lwm2m_tree_write(fw->tree, &base, recs, n, LWM2M_WRITE_UPDATE, fw, why,
                                 sizeof(why));
        if (r < 0)
                lwm2m_logf(fw_log(fw), LOG_ERR, "Firmware Update: cannot set the state: %s",
                           why[0] ? why : strerror(-r));
        for (size_t i = 0; i < n; i++)
                lwm2m_value_clear(&recs[i].value);
        /* A Package written whole stays in the tree after the write's commit; it is in
         * the spool, and the tree need not hold megabytes nobody may read. */
        lwm2m_path package = lwm2m_path_resource(LWM2M_OBJ_FIRMWARE_UPDATE, 0, LWM2M_FW_PACKAGE);
        if (lwm2m_tree_get(fw->tree, &package))
                lwm2m_tree_remove(fw->tree, &package, fw);
        if (fw->actions.save)
                fw->actions.save(fw->actions.userdata, &fw->s);
}

static void set_state(firmware_object *fw, firmware_state state, firmware_result result)
{
        bool changed = fw->s.state != state;
        if (!changed && fw->s.result == result)
                return;
        if (changed)
                lwm2m_logf(fw_log(fw), LOG_INFO, "Firmware Update: %s -> %s, result %d",
                           state_name(fw->s.state), state_name(state), (int)result);
        fw->s.state = state;
        fw->s.result = result;
        publish(fw, changed);
}

static void close_spool(firmware_object *fw)
{
        if (fw->spool_fd >= 0)
                close(fw->spool_fd);
        fw->spool_fd = -1;
}

static void remove_spool(firmware_object *fw)
{
        close_spool(fw);
        if (unlink(fw->spool_path) < 0 && errno != ENOENT)
                lwm2m_logf(fw_log(fw), LOG_WARNING, "Firmware Update: cannot remove %s: %m",
                           fw->spool_path);
        fw->s.spool_bytes = 0;
        fw->received = 0;
}

/* Stops whatever brings or checks an image (the answers that may still come are
 * ignored: they find the state changed). */
static void stop_transfer(firmware_object *fw)
{
        if (fw->fetching && fw->actions.download_cancel)
                fw->actions.download_cancel(fw->actions.userdata);
        fw->fetching = false;
        fw->checking = false;
        fw->pushing = false;
}

/* Back to Idle with `result`, the image gone. */
static void reset(firmware_object *fw, firmware_result result)
{
        stop_transfer(fw);
        remove_spool(fw);
        fw->s.uri[0] = 0;
        fw->s.pkg_name[0] = 0;
        fw->s.pkg_version[0] = 0;
        fw->s.update_pending = false;
        fw->s.update_installed = false;
        set_state(fw, FIRMWARE_IDLE, result);
}

/* Whether the file system holding the spool has room for `bytes` more beyond the
 * reserve. */
static int check_space(firmware_object *fw, uint64_t bytes)
{
        struct statvfs st;
        if (fstatvfs(fw->spool_fd, &st) < 0)
                return -errno;
        uint64_t avail = (uint64_t)st.f_bavail * (uint64_t)st.f_frsize;
        if (fw->spool_reserve > avail || bytes > avail - fw->spool_reserve) {
                lwm2m_logf(fw_log(fw), LOG_WARNING,
                           "Firmware Update: %llu bytes do not fit in %s (%llu free, %llu "
                           "kept in reserve)",
                           (unsigned long long)bytes, fw->spool_path, (unsigned long long)avail,
                           (unsigned long long)fw->spool_reserve);
                return -ENOSPC;
        }
        return 0;
}

/* The spool opened afresh and empty, for a new image of `size` bytes (UINT64_MAX:
 * not known). */
static int open_spool(firmware_object *fw, uint64_t size)
{
        close_spool(fw);
        fw->spool_fd = open(fw->spool_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fw->spool_fd < 0) {
                int r = -errno;
                lwm2m_logf(fw_log(fw), LOG_ERR, "Firmware Update: cannot open %s: %s",
                           fw->spool_path, strerror(-r));
                return r;
        }
        fw->received = 0;
        fw->s.spool_bytes = 0;
        fw->announced = size;
        return check_space(fw, size == UINT64_MAX ? 0 : size);
}

/* The spool opened to go on after its `received` bytes. */
static int reopen_spool(firmware_object *fw)
{
        close_spool(fw);
        fw->spool_fd = open(fw->spool_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fw->spool_fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fw->spool_fd, &st) < 0)
                return -errno;
        fw->received = (uint64_t)st.st_size;
        return 0;
}

static firmware_result result_of_error(int error)
{
        switch (error) {
        case -ENOSPC:
        case -EDQUOT:
        case -EFBIG:
                return FIRMWARE_RESULT_NO_SPACE;
        case -ENOMEM:
                return FIRMWARE_RESULT_OUT_OF_MEMORY;
        case -EBADMSG:
                return FIRMWARE_RESULT_INTEGRITY;
        case -ENOEXEC:
                return FIRMWARE_RESULT_UNSUPPORTED_TYPE;
        case -EINVAL:
        case -ENOENT:
                return FIRMWARE_RESULT_INVALID_URI;
        case -EPROTONOSUPPORT:
                return FIRMWARE_RESULT_UNSUPPORTED_PROTOCOL;
        default:
                return FIRMWARE_RESULT_CONNECTION_LOST;
        }
}

/* A download or push failed: Idle with the result that says why. */
static void fail(firmware_object *fw, int error)
{
        firmware_result result = result_of_error(error);
        lwm2m_logf(fw_log(fw), LOG_WARNING, "Firmware Update: the download failed: %s (result %d)",
                   strerror(-error), (int)result);
        reset(fw, result);
}

static int write_at(firmware_object *fw, uint64_t offset, const uint8_t *bytes, size_t len)
{
        if (fw->spool_fd < 0)
                return -EBADF;
        if (offset > fw->received)
                return -EPROTO; /* a gap */
        if (fw->announced == UINT64_MAX && offset + len > fw->received) {
                int r = check_space(fw, offset + len - fw->received);
                if (r < 0)
                        return r;
        }
        while (len > 0) {
                ssize_t n = pwrite(fw->spool_fd, bytes, len, (off_t)offset);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        int r = -errno;
                        lwm2m_logf(fw_log(fw), LOG_ERR, "Firmware Update: cannot write %s: %s",
                                   fw->spool_path, strerror(-r));
                        return r;
                }
                bytes += n;
                len -= (size_t)n;
                offset += (uint64_t)n;
        }
        if (offset > fw->received)
                fw->received = offset;
        return 0;
}

/* Every byte is in: made durable, then checked (or Downloaded when there is no check). */
static void image_complete(firmware_object *fw)
{
        if (fw->spool_fd >= 0 && fsync(fw->spool_fd) < 0) {
                fail(fw, -errno);
                return;
        }
        close_spool(fw);
        fw->s.spool_bytes = fw->received;
        lwm2m_logf(fw_log(fw), LOG_NOTICE, "Firmware Update: %llu bytes of image in %s",
                   (unsigned long long)fw->received, fw->spool_path);
        if (!fw->actions.check) {
                set_state(fw, FIRMWARE_DOWNLOADED, FIRMWARE_RESULT_INITIAL);
                return;
        }
        fw->checking = true;
        int r = fw->actions.check(fw->actions.userdata, fw->spool_path);
        if (r < 0 && fw->checking) {
                fw->checking = false;
                lwm2m_logf(fw_log(fw), LOG_WARNING, "Firmware Update: cannot check the image: %s",
                           strerror(-r));
                reset(fw, r == -ENOEXEC || r == -EBADMSG ? result_of_error(r)
                                                         : FIRMWARE_RESULT_UNSUPPORTED_TYPE);
        }
}

/* ---- pull ---- */

static int start_fetch(firmware_object *fw, uint64_t offset)
{
        if (!fw->actions.download_start)
                return -EPROTONOSUPPORT;
        fw->fetching = true;
        int r = fw->actions.download_start(fw->actions.userdata, fw->s.uri, offset);
        if (r < 0)
                fw->fetching = false;
        return r;
}

/* A new Package URI (not empty): Downloading, or a result that says why not. */
static void start_pull(firmware_object *fw, const char *uri)
{
        stop_transfer(fw);
        remove_spool(fw);
        snprintf(fw->s.uri, sizeof(fw->s.uri), "%s", uri);
        fw->s.pkg_name[0] = fw->s.pkg_version[0] = 0;
        fw->resumes = 0;
        fw->restarted_stale = false;
        if (!uri_well_formed(uri)) {
                lwm2m_logf(fw_log(fw), LOG_NOTICE, "Firmware Update: Package URI '%s' is malformed",
                           uri);
                reset(fw, FIRMWARE_RESULT_INVALID_URI);
                return;
        }
        int protocol = scheme_protocol(uri);
        if (protocol < 0 || !protocol_supported(fw, protocol)) {
                lwm2m_logf(fw_log(fw), LOG_NOTICE,
                           "Firmware Update: Package URI '%s': this client cannot fetch that "
                           "scheme",
                           uri);
                reset(fw, FIRMWARE_RESULT_UNSUPPORTED_PROTOCOL);
                return;
        }
        set_state(fw, FIRMWARE_DOWNLOADING, FIRMWARE_RESULT_INITIAL);
        if (protocol == 3 && fw->stream_https && fw->actions.install_uri) {
                /* Streamed by the updater at Update: nothing to download now. */
                if (!fw->actions.check) {
                        set_state(fw, FIRMWARE_DOWNLOADED, FIRMWARE_RESULT_INITIAL);
                        return;
                }
                fw->checking = true;
                int r = fw->actions.check(fw->actions.userdata, fw->s.uri);
                if (r < 0 && fw->checking) {
                        fw->checking = false;
                        reset(fw, FIRMWARE_RESULT_UNSUPPORTED_TYPE);
                }
                return;
        }
        int r = open_spool(fw, UINT64_MAX);
        if (r >= 0)
                r = start_fetch(fw, 0);
        if (r < 0)
                fail(fw, r);
}

int firmware_object_download_data(firmware_object *fw, uint64_t offset, const uint8_t *bytes,
                                  size_t len, uint64_t total)
{
        if (!fw->fetching || fw->s.state != FIRMWARE_DOWNLOADING)
                return -ECANCELED;
        if (total != UINT64_MAX && fw->announced == UINT64_MAX && offset == 0) {
                int r = check_space(fw, total);
                if (r < 0)
                        return r;
                fw->announced = total;
        }
        if (offset == 0 && fw->received > 0) {
                /* Started over (the server would not resume): the old bytes go. */
                if (ftruncate(fw->spool_fd, 0) < 0)
                        return -errno;
                fw->received = 0;
        }
        return write_at(fw, offset, bytes, len);
}

void firmware_object_download_done(firmware_object *fw, int error)
{
        if (!fw->fetching || fw->s.state != FIRMWARE_DOWNLOADING)
                return;
        fw->fetching = false;
        if (error == 0) {
                image_complete(fw);
                return;
        }
        int r = error;
        if ((error == -ETIMEDOUT || error == -ECONNRESET) &&
            fw->resumes < FIRMWARE_RESUME_ATTEMPTS) {
                fw->resumes++;
                lwm2m_logf(fw_log(fw), LOG_NOTICE,
                           "Firmware Update: download interrupted (%s) after %llu bytes; "
                           "resuming (attempt %u of %u)",
                           strerror(-error), (unsigned long long)fw->received, fw->resumes,
                           FIRMWARE_RESUME_ATTEMPTS);
                r = start_fetch(fw, fw->received);
        } else if (error == -ESTALE && !fw->restarted_stale) {
                fw->restarted_stale = true;
                lwm2m_logf(fw_log(fw), LOG_NOTICE,
                           "Firmware Update: the image changed during the download; starting "
                           "over");
                r = ftruncate(fw->spool_fd, 0) < 0 ? -errno : 0;
                fw->received = 0;
                if (r >= 0)
                        r = start_fetch(fw, 0);
        }
        if (r < 0)
                fail(fw, r);
}

/* ---- check and update ---- */

void firmware_object_check_done(firmware_object *fw, int error, const char *name,
                                const char *version)
{
        if (!fw->checking || fw->s.state != FIRMWARE_DOWNLOADING)
                return;
        fw->checking = false;
        if (error < 0) {
                firmware_result result = error == -EBADMSG ? FIRMWARE_RESULT_INTEGRITY
                                                           : FIRMWARE_RESULT_UNSUPPORTED_TYPE;
                lwm2m_logf(fw_log(fw), LOG_WARNING,
                           "Firmware Update: the image was refused: %s (result %d)",
                           strerror(-error), (int)result);
                reset(fw, result);
                return;
        }
        snprintf(fw->s.pkg_name, sizeof(fw->s.pkg_name), "%s", name ? name : "");
        snprintf(fw->s.pkg_version, sizeof(fw->s.pkg_version), "%s", version ? version : "");
        set_state(fw, FIRMWARE_DOWNLOADED, FIRMWARE_RESULT_INITIAL);
}

void firmware_object_update_done(firmware_object *fw, int error, bool reboot_follows)
{
        if (fw->s.state != FIRMWARE_UPDATING || fw->from_saved)
                return;
        if (error < 0) {
                lwm2m_logf(fw_log(fw), LOG_WARNING, "Firmware Update: the update failed: %s",
                           strerror(-error));
                reset(fw, FIRMWARE_RESULT_UPDATE_FAILED);
                return;
        }
        if (reboot_follows) {
                /* Reported after the restart, once registered again. */
                fw->s.update_installed = true;
                lwm2m_logf(fw_log(fw), LOG_NOTICE,
                           "Firmware Update: installed; the outcome is reported after the "
                           "restart");
                publish(fw, false);
                return;
        }
        lwm2m_logf(fw_log(fw), LOG_NOTICE, "Firmware Update: installed");
        reset(fw, FIRMWARE_RESULT_SUCCESS);
}

bool firmware_object_registered(firmware_object *fw)
{
        if (!fw || !fw->from_saved)
                return false;
        fw->from_saved = false;
        bool installed = fw->s.update_installed;
        lwm2m_logf(fw_log(fw), installed ? LOG_NOTICE : LOG_WARNING,
                   "Firmware Update: the update before the restart %s",
                   installed ? "succeeded" : "failed");
        reset(fw, installed ? FIRMWARE_RESULT_SUCCESS : FIRMWARE_RESULT_UPDATE_FAILED);
        return true;
}

static int start_update(firmware_object *fw)
{
        if (fw->s.state != FIRMWARE_DOWNLOADED)
                return -EPERM;
        bool streamed = fw->s.uri[0] && fw->s.spool_bytes == 0 && fw->stream_https &&
                        scheme_protocol(fw->s.uri) == 3;
        if (streamed ? !fw->actions.install_uri : !fw->actions.install)
                return -EPERM;
        fw->s.update_pending = true;
        fw->s.update_installed = false;
        set_state(fw, FIRMWARE_UPDATING, FIRMWARE_RESULT_INITIAL);
        int r = streamed ? fw->actions.install_uri(fw->actions.userdata, fw->s.uri)
                         : fw->actions.install(fw->actions.userdata, fw->spool_path);
        if (r < 0 && fw->s.state == FIRMWARE_UPDATING) {
                lwm2m_logf(fw_log(fw), LOG_WARNING, "Firmware Update: cannot start the update: %s",
                           strerror(-r));
                reset(fw, FIRMWARE_RESULT_UPDATE_FAILED);
        }
        return 0;
}

/* ---- the owner ---- */

/* A whole image in one write (a single-block push). The object's definition resets
 * the state machine on an empty Package or a single NUL byte: servers send either. */
static int write_package(firmware_object *fw, const uint8_t *bytes, size_t len)
{
        if (len == 0 || (len == 1 && bytes[0] == 0)) {
                reset(fw, FIRMWARE_RESULT_INITIAL);
                return 0;
        }
        if (!fw->push)
                return -EPERM;
        stop_transfer(fw);
        fw->s.uri[0] = fw->s.pkg_name[0] = fw->s.pkg_version[0] = 0;
        set_state(fw, FIRMWARE_DOWNLOADING, FIRMWARE_RESULT_INITIAL);
        int r = open_spool(fw, len);
        if (r >= 0)
                r = write_at(fw, 0, bytes, len);
        if (r < 0) {
                fail(fw, r);
                return r == -ENOSPC ? r : 0;
        }
        image_complete(fw);
        return 0;
}

static int firmware_write(void *userdata, const lwm2m_path *base, const lwm2m_record *recs,
                          size_t n, lwm2m_write_mode mode, lwm2m_ask ask)
{
        firmware_object *fw = userdata;
        /* Checked whole first: nothing starts for a write that is refused. */
        for (size_t i = 0; i < n; i++) {
                if (recs[i].path.len < 3)
                        return -EINVAL;
                switch (recs[i].path.id[2]) {
                case LWM2M_FW_PACKAGE:
                case LWM2M_FW_PACKAGE_URI: {
                        bool empty = recs[i].value.buf.len == 0;
                        if (fw->s.state == FIRMWARE_UPDATING)
                                return -EPERM;
                        if (!empty && recs[i].path.id[2] == LWM2M_FW_PACKAGE_URI && !fw->pull)
                                return -EPERM;
                        break;
                }
                case LWM2M_FW_SEVERITY:
                case LWM2M_FW_MAX_DEFER_PERIOD:
                        break;
                default:
                        return -EPERM;
                }
        }
        int r = 0;
        for (size_t i = 0; i < n && r >= 0; i++) {
                const lwm2m_value *v = &recs[i].value;
                if (recs[i].path.id[2] == LWM2M_FW_PACKAGE) {
                        r = write_package(fw, v->buf.data, v->buf.len);
                } else if (recs[i].path.id[2] == LWM2M_FW_PACKAGE_URI) {
                        if (v->buf.len == 0)
                                reset(fw, FIRMWARE_RESULT_INITIAL);
                        else if (v->buf.len >= sizeof(fw->s.uri))
                                reset(fw, FIRMWARE_RESULT_INVALID_URI);
                        else
                                start_pull(fw, (const char *)v->buf.data);
                }
        }
        if (r < 0)
                return r;
        lwm2m_ask_reply(ask, 0);
        return 0;
}

static int firmware_execute(void *userdata, const lwm2m_path *resource, const uint8_t *args,
                            size_t args_len, lwm2m_ask ask)
{
        firmware_object *fw = userdata;
        int r;
        switch (resource->id[2]) {
        case LWM2M_FW_UPDATE:
                r = start_update(fw);
                break;
        case LWM2M_FW_CANCEL:
                if (fw->s.state != FIRMWARE_DOWNLOADING && fw->s.state != FIRMWARE_DOWNLOADED)
                        return -EPERM;
                lwm2m_logf(fw_log(fw), LOG_NOTICE, "Firmware Update: cancelled by the server");
                reset(fw, FIRMWARE_RESULT_CANCELLED);
                r = 0;
                break;
        default:
                return -EPERM;
        }
        if (r < 0)
                return r;
        lwm2m_ask_reply(ask, 0);
        return 0;
}

static int firmware_remove(void *userdata, const lwm2m_path *instance, lwm2m_ask ask)
{
        return -EPERM;
}

/* ---- streamed push ---- */

static int stream_open(void *userdata, const lwm2m_path *resource, uint16_t origin_short_id,
                       uint64_t size, void **stream)
{
        firmware_object *fw = userdata;
        if (resource->len < 3 || resource->id[2] != LWM2M_FW_PACKAGE)
                return -EINVAL;
        if (fw->s.state == FIRMWARE_UPDATING || !fw->push)
                return -EPERM;
        stop_transfer(fw);
        fw->s.uri[0] = fw->s.pkg_name[0] = fw->s.pkg_version[0] = 0;
        int r = open_spool(fw, size);
        if (r < 0) {
                fail(fw, r);
                return r == -ENOSPC ? r : -EIO;
        }
        fw->pushing = true;
        set_state(fw, FIRMWARE_DOWNLOADING, FIRMWARE_RESULT_INITIAL);
        *stream = fw;
        return 0;
}

static int stream_write(void *userdata, void *stream, uint64_t offset, const uint8_t *bytes,
                        size_t len)
{
        firmware_object *fw = userdata;
        if (!fw->pushing || fw->s.state != FIRMWARE_DOWNLOADING)
                return -ECANCELED;
        int r = write_at(fw, offset, bytes, len);
        if (r < 0) {
                fail(fw, r);
                return r == -ENOSPC ? r : -EIO;
        }
        return 0;
}

static int stream_finish(void *userdata, void *stream, uint64_t size)
{
        firmware_object *fw = userdata;
        if (!fw->pushing || fw->s.state != FIRMWARE_DOWNLOADING)
                return -ECANCELED;
        fw->pushing = false;
        uint8_t first = 1;
        if (size == 1 && fw->spool_fd >= 0 && pread(fw->spool_fd, &first, 1, 0) != 1)
                first = 1;
        if (size == 0 || (size == 1 && first == 0)) {
                lwm2m_logf(fw_log(fw), LOG_NOTICE,
                           "Firmware Update: an empty Package was written (a cancel): Idle");
                reset(fw, FIRMWARE_RESULT_INITIAL);
                return 0;
        }
        if (size != fw->received || (fw->announced != UINT64_MAX && size != fw->announced)) {
                lwm2m_logf(fw_log(fw), LOG_WARNING,
                           "Firmware Update: the pushed image ends at %llu bytes, %llu came",
                           (unsigned long long)size, (unsigned long long)fw->received);
                reset(fw, FIRMWARE_RESULT_INTEGRITY);
                return -EINVAL;
        }
        if (fw->spool_fd >= 0 && ftruncate(fw->spool_fd, (off_t)size) < 0) {
                fail(fw, -errno);
                return -EIO;
        }
        image_complete(fw);
        return 0;
}

static void stream_abort(void *userdata, void *stream)
{
        firmware_object *fw = userdata;
        if (!fw->pushing || fw->s.state != FIRMWARE_DOWNLOADING)
                return;
        fw->pushing = false;
        lwm2m_logf(fw_log(fw), LOG_NOTICE, "Firmware Update: the push was given up");
        reset(fw, FIRMWARE_RESULT_CONNECTION_LOST);
}

/* ---- life ---- */

static int add_instance(firmware_object *fw)
{
        lwm2m_record recs[24] = {0};
        size_t n = 0;
#define ADD(rid, v)                                                                                \
        recs[n++] = (lwm2m_record){.path = lwm2m_path_resource(LWM2M_OBJ_FIRMWARE_UPDATE, 0, rid), \
                                   .value = (v)}
        ADD(LWM2M_FW_STATE, lwm2m_value_integer(fw->s.state));
        ADD(LWM2M_FW_UPDATE_RESULT, lwm2m_value_integer(fw->s.result));
        ADD(LWM2M_FW_DELIVERY_METHOD, lwm2m_value_integer(fw->push && fw->pull ? 2
                                                          : fw->push           ? 1
                                                                               : 0));
        ADD(LWM2M_FW_SEVERITY, lwm2m_value_integer(1));
        ADD(LWM2M_FW_LAST_STATE_CHANGE, lwm2m_value_time(time(NULL)));
        ADD(LWM2M_FW_MAX_DEFER_PERIOD, lwm2m_value_unsigned(0));
#undef ADD
        int r = 0;
        const char *texts[] = {fw->s.uri, fw->s.pkg_name, fw->s.pkg_version};
        static const uint16_t text_rids[] = {LWM2M_FW_PACKAGE_URI, LWM2M_FW_PKG_NAME,
                                             LWM2M_FW_PKG_VERSION};
        for (size_t i = 0; i < ELEMENTSOF(text_rids) && r >= 0; i++) {
                recs[n].path = lwm2m_path_resource(LWM2M_OBJ_FIRMWARE_UPDATE, 0, text_rids[i]);
                r = lwm2m_value_set_string(&recs[n].value, texts[i], strlen(texts[i]));
                if (r >= 0)
                        n++;
        }
        for (size_t i = 0; i < fw->n_protocols && n < ELEMENTSOF(recs) && r >= 0; i++)
                recs[n++] = (lwm2m_record){.path = lwm2m_path_resource_instance(
                                                   LWM2M_OBJ_FIRMWARE_UPDATE, 0,
                                                   LWM2M_FW_PROTOCOL_SUPPORT, (uint16_t)i),
                                           .value = lwm2m_value_integer(fw->protocols[i])};
        char why[256] = "";
        if (r >= 0)
                r = lwm2m_tree_add_instance(fw->tree, LWM2M_OBJ_FIRMWARE_UPDATE, 0, recs, n,
                                            &fw->owner, fw, why, sizeof(why), NULL);
        if (r < 0)
                lwm2m_logf(fw_log(fw), LOG_ERR, "Firmware Update: cannot create /5/0: %s",
                           why[0] ? why : strerror(-r));
        for (size_t i = 0; i < n; i++)
                lwm2m_value_clear(&recs[i].value);
        return r;
}

/* What an earlier run left: an image kept, a pull resumed, an outcome to report. */
static void restore(firmware_object *fw, const firmware_saved *saved)
{
        fw->s = *saved;
        fw->s.uri[sizeof(fw->s.uri) - 1] = 0;
        fw->s.pkg_name[sizeof(fw->s.pkg_name) - 1] = 0;
        fw->s.pkg_version[sizeof(fw->s.pkg_version) - 1] = 0;
        if ((unsigned)fw->s.result > FIRMWARE_RESULT_CANCELLED)
                fw->s.result = FIRMWARE_RESULT_INITIAL;
        struct stat st;
        bool spool_ok =
                stat(fw->spool_path, &st) == 0 && (uint64_t)st.st_size == saved->spool_bytes;
        switch (saved->state) {
        case FIRMWARE_IDLE:
                break;
        case FIRMWARE_DOWNLOADING:
                /* A push does not outlive its connection; a pull goes on. */
                if (!saved->uri[0] || !fw->pull)
                        fw->s.state = FIRMWARE_IDLE, fw->s.result = FIRMWARE_RESULT_CONNECTION_LOST;
                break;
        case FIRMWARE_DOWNLOADED:
                if (!spool_ok && !(saved->uri[0] && saved->spool_bytes == 0))
                        fw->s.state = FIRMWARE_IDLE, fw->s.result = FIRMWARE_RESULT_CONNECTION_LOST;
                break;
        case FIRMWARE_UPDATING:
                if (saved->update_pending)
                        fw->from_saved = true;
                else
                        fw->s.state = FIRMWARE_IDLE, fw->s.result = FIRMWARE_RESULT_UPDATE_FAILED;
                break;
        default:
                fw->s.state = FIRMWARE_IDLE;
        }
        if (fw->s.state == FIRMWARE_IDLE) {
                if (unlink(fw->spool_path) < 0 && errno != ENOENT)
                        lwm2m_logf(fw_log(fw), LOG_WARNING, "Firmware Update: cannot remove %s: %m",
                                   fw->spool_path);
                fw->s.uri[0] = 0;
                fw->s.spool_bytes = 0;
                fw->s.update_pending = fw->s.update_installed = false;
        }
}

firmware_object *firmware_object_new(lwm2m_tree *tree, const firmware_config *cfg,
                                     const firmware_actions *actions)
{
        firmware_object *fw = calloc(1, sizeof(*fw));
        if (!fw)
                return NULL;
        fw->tree = tree;
        fw->spool_fd = -1;
        fw->announced = UINT64_MAX;
        if (actions)
                fw->actions = *actions;
        fw->spool_path = strdup(cfg->spool_path);
        if (!fw->spool_path) {
                free(fw);
                errno = ENOMEM;
                return NULL;
        }
        fw->spool_reserve = cfg->spool_reserve;
        for (size_t i = 0; i < cfg->n_protocols && fw->n_protocols < ELEMENTSOF(fw->protocols); i++)
                if (cfg->protocols[i] <= 5)
                        fw->protocols[fw->n_protocols++] = cfg->protocols[i];
        fw->push = cfg->push;
        fw->pull = cfg->pull;
        fw->stream_https = cfg->stream_https;
        fw->stream_ops = (lwm2m_stream_ops){
                .open = stream_open,
                .write = stream_write,
                .finish = stream_finish,
                .abort = stream_abort,
        };
        fw->ops = (lwm2m_owner_ops){
                .write = firmware_write,
                .execute = firmware_execute,
                .remove = firmware_remove,
                .stream = fw->push ? &fw->stream_ops : NULL,
        };
        fw->owner = (lwm2m_owner){.ops = &fw->ops, .userdata = fw, .name = "firmware"};
        if (cfg->saved)
                restore(fw, cfg->saved);
        if (lwm2m_tree_has_instance(tree, LWM2M_OBJ_FIRMWARE_UPDATE, 0))
                lwm2m_tree_delete_instance(tree, LWM2M_OBJ_FIRMWARE_UPDATE, 0, fw);
        int r = add_instance(fw);
        if (r < 0) {
                free(fw->spool_path);
                free(fw);
                errno = -r;
                return NULL;
        }
        if (cfg->saved && fw->actions.save &&
            (fw->s.state != cfg->saved->state || fw->s.result != cfg->saved->result))
                fw->actions.save(fw->actions.userdata, &fw->s);
        if (fw->s.state == FIRMWARE_DOWNLOADING) {
                r = reopen_spool(fw);
                if (r >= 0) {
                        lwm2m_logf(fw_log(fw), LOG_NOTICE,
                                   "Firmware Update: resuming the download of %s at byte %llu",
                                   fw->s.uri, (unsigned long long)fw->received);
                        r = start_fetch(fw, fw->received);
                }
                if (r < 0)
                        fail(fw, r);
        }
        return fw;
}

void firmware_object_free(firmware_object *fw)
{
        if (!fw)
                return;
        stop_transfer(fw);
        close_spool(fw);
        if (lwm2m_tree_get_owner(fw->tree, LWM2M_OBJ_FIRMWARE_UPDATE, 0) == &fw->owner)
                lwm2m_tree_set_owner(fw->tree, LWM2M_OBJ_FIRMWARE_UPDATE, 0, NULL);
        free(fw->spool_path);
        free(fw);
}
