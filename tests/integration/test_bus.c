/* test_bus.c - integration: the daemon's D-Bus layer on a private dbus-daemon,
 * with a provider (sd-bus, in this process) and the test LwM2M server on the other side. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <expat.h>

#include "daemon_fixture.h"
#include "formats/format.h"

#define TEST_BUS_CONFIG   SOURCE_ROOT "/tests/integration/dbus-test.conf"
#define POLICY_BUS_CONFIG SOURCE_ROOT "/tests/integration/dbus-policy-test.conf"
#define TEMP_PATH         "/org/lwm2md1/object/3303/0"
#define LIGHT_PATH        "/org/lwm2md1/object/3311/0"

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static sd_bus *connect_to(const char *address)
{
        sd_bus *bus = NULL;
        if (sd_bus_new(&bus) < 0)
                return NULL;
        if (sd_bus_set_address(bus, address) < 0 || sd_bus_set_bus_client(bus, true) < 0 ||
            sd_bus_start(bus) < 0) {
                sd_bus_unref(bus);
                return NULL;
        }
        return bus;
}

/* ---- the provider: a local service with its own connection and thread ---- */

typedef struct provider {
        sd_bus *bus;
        pthread_t thread;
        pthread_mutex_t lock; /* every use of `bus` and of the fields below */
        atomic_bool stop;
        bool running;
        /* What the Owner calls brought. */
        unsigned writes, executes, deletes, reads;
        uint16_t last_write_rid;
        int64_t last_write_x;
        char last_write_sig[16];
        uint16_t last_exec_rid;
        char last_exec_args[64];
        unsigned creates;
        uint16_t last_create_iid;
        char last_create_names[64];
        /* How to answer. */
        const char *write_error;
        const char *create_error;
        bool hold_writes;
        sd_bus_message *held[8];
        size_t n_held;
        double on_demand_value;
        size_t on_demand_units_len; /* Sensor Units (5701) answered by Owner.Read, if > 0 */
        /* PropertiesChanged seen from the daemon. */
        unsigned changes;
        char changed_names[1024];
} provider;

static int owner_write(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        provider *p = userdata;
        int r = sd_bus_message_enter_container(m, 'a', "{qv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "qv")) > 0) {
                const char *contents = NULL;
                r = sd_bus_message_read_basic(m, 'q', &p->last_write_rid);
                if (r >= 0)
                        r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        break;
                snprintf(p->last_write_sig, sizeof(p->last_write_sig), "%s", contents);
                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r >= 0 && strcmp(contents, "x") == 0)
                        r = sd_bus_message_read_basic(m, 'x', &p->last_write_x);
                else if (r >= 0)
                        r = sd_bus_message_skip(m, contents);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r < 0)
                return r;
        p->writes++;
        if (p->write_error)
                return sd_bus_error_set(error, p->write_error, "refused by the test provider");
        if (p->hold_writes && p->n_held < 8) {
                p->held[p->n_held++] = sd_bus_message_ref(m);
                return 1;
        }
        return sd_bus_reply_method_return(m, NULL);
}

static int owner_create(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        provider *p = userdata;
        int r = sd_bus_message_read_basic(m, 'q', &p->last_create_iid);
        p->last_create_names[0] = '\0';
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "{qv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "qv")) > 0) {
                uint16_t rid;
                r = sd_bus_message_read_basic(m, 'q', &rid);
                if (r >= 0)
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                size_t len = strlen(p->last_create_names);
                snprintf(p->last_create_names + len, sizeof(p->last_create_names) - len, "%u ",
                         rid);
        }
        if (r < 0)
                return r;
        p->creates++;
        if (p->create_error)
                return sd_bus_error_set(error, p->create_error, "refused by the test provider");
        return sd_bus_reply_method_return(m, NULL);
}

static int owner_execute(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        provider *p = userdata;
        const char *args;
        int r = sd_bus_message_read(m, "qs", &p->last_exec_rid, &args);
        if (r < 0)
                return r;
        snprintf(p->last_exec_args, sizeof(p->last_exec_args), "%s", args);
        p->executes++;
        return sd_bus_reply_method_return(m, NULL);
}

static int owner_delete(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        provider *p = userdata;
        p->deletes++;
        return sd_bus_reply_method_return(m, NULL);
}

static int owner_read(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        provider *p = userdata;
        const void *rids;
        size_t size;
        int r = sd_bus_message_read_array(m, 'q', &rids, &size);
        if (r < 0)
                return r;
        p->reads++;
        sd_bus_message *reply = NULL;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{qv}");
        for (size_t i = 0; r >= 0 && i < size / sizeof(uint16_t); i++) {
                uint16_t rid = ((const uint16_t *)rids)[i];
                if (rid == 5700)
                        r = sd_bus_message_append(reply, "{qv}", rid, "d", p->on_demand_value);
                if (rid == 5701 && p->on_demand_units_len > 0) {
                        char *units = malloc(p->on_demand_units_len + 1);
                        r = units ? 0 : -ENOMEM;
                        if (units) {
                                memset(units, 'u', p->on_demand_units_len);
                                units[p->on_demand_units_len] = '\0';
                                r = sd_bus_message_append(reply, "{qv}", rid, "s", units);
                        }
                        free(units);
                }
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static const sd_bus_vtable owner_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Write", "a{qv}", "", owner_write, 0),
        SD_BUS_METHOD("Execute", "qs", "", owner_execute, 0),
        SD_BUS_METHOD("Delete", "", "", owner_delete, 0),
        SD_BUS_METHOD("Read", "aq", "a{qv}", owner_read, 0),
        SD_BUS_METHOD("Create", "qa{qv}", "", owner_create, 0),
        SD_BUS_VTABLE_END,
};

static int owner_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                      void **found, sd_bus_error *error)
{
        *found = userdata;
        return 1;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        provider *p = userdata;
        const char *iface;
        if (sd_bus_message_read_basic(m, 's', &iface) < 0)
                return 0;
        /* Names pile up from provider_mark_changes on: a signal about something else
         * that follows must not hide the one a test waits for. */
        if (strlen(p->changed_names) > sizeof(p->changed_names) / 2)
                p->changed_names[0] = '\0';
        if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                return 0;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                const char *name;
                if (sd_bus_message_read_basic(m, 's', &name) < 0 ||
                    sd_bus_message_skip(m, "v") < 0 || sd_bus_message_exit_container(m) < 0)
                        return 0;
                size_t len = strlen(p->changed_names);
                snprintf(p->changed_names + len, sizeof(p->changed_names) - len, "%s:%s ", iface,
                         name);
        }
        p->changes++;
        return 0;
}

static void *provider_run(void *arg)
{
        provider *p = arg;
        while (!atomic_load(&p->stop)) {
                pthread_mutex_lock(&p->lock);
                while (sd_bus_process(p->bus, NULL) > 0)
                        ;
                struct pollfd pfd = {.fd = sd_bus_get_fd(p->bus), .events = POLLIN};
                pthread_mutex_unlock(&p->lock);
                poll(&pfd, 1, 20);
        }
        return NULL;
}

/* A provider on its own connection; `owner_iface`: whether it exports org.lwm2md1.Owner. */
static int provider_start(provider *p, const char *address, bool owner_iface)
{
        *p = (provider){0};
        pthread_mutex_init(&p->lock, NULL);
        p->bus = connect_to(address);
        if (!p->bus)
                return -EIO;
        int r = owner_iface ? sd_bus_add_fallback_vtable(p->bus, NULL, "/org/lwm2md1/object",
                                                         "org.lwm2md1.Owner", owner_vtable,
                                                         owner_find, p)
                            : 0;
        if (r >= 0)
                r = sd_bus_match_signal(p->bus, NULL, "org.lwm2md1", NULL,
                                        "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                        on_properties_changed, p);
        if (r < 0)
                return r;
        r = -pthread_create(&p->thread, NULL, provider_run, p);
        p->running = r == 0;
        return r;
}

/* Stops serving; the connection closes with it (the provider "exits"). */
static void provider_stop(provider *p)
{
        if (p->running) {
                atomic_store(&p->stop, true);
                pthread_join(p->thread, NULL);
                p->running = false;
        }
        for (size_t i = 0; i < p->n_held; i++)
                sd_bus_message_unref(p->held[i]);
        p->n_held = 0;
        p->bus = sd_bus_flush_close_unref(p->bus);
        pthread_mutex_destroy(&p->lock);
}

/* A method call on the daemon from the provider's connection. */
static int provider_call(provider *p, const char *path, const char *iface, const char *member,
                         sd_bus_error *error, sd_bus_message **reply, const char *types, ...)
{
        va_list ap;
        va_start(ap, types);
        pthread_mutex_lock(&p->lock);
        int r = sd_bus_call_methodv(p->bus, "org.lwm2md1", path, iface, member, error, reply, types,
                                    ap);
        pthread_mutex_unlock(&p->lock);
        va_end(ap);
        return r;
}

static int provider_set(provider *p, const char *path, const char *iface, const char *property,
                        sd_bus_error *error, const char *type, ...)
{
        va_list ap;
        va_start(ap, type);
        pthread_mutex_lock(&p->lock);
        int r = sd_bus_set_propertyv(p->bus, "org.lwm2md1", path, iface, property, error, type, ap);
        pthread_mutex_unlock(&p->lock);
        va_end(ap);
        return r;
}

/* Waits until the provider has seen a PropertiesChanged after `seen` naming `name`. */
/* What the provider saw so far, copied under its lock (checks never hold it). */
static provider provider_snapshot(provider *p)
{
        pthread_mutex_lock(&p->lock);
        provider copy = *p;
        pthread_mutex_unlock(&p->lock);
        return copy;
}

/* A counter of the provider's, read under its lock. */
static unsigned provider_count(provider *p, const unsigned *counter)
{
        pthread_mutex_lock(&p->lock);
        unsigned v = *counter;
        pthread_mutex_unlock(&p->lock);
        return v;
}

/* The change count to wait beyond, forgetting the property names seen so far. */
static unsigned provider_mark_changes(provider *p)
{
        pthread_mutex_lock(&p->lock);
        unsigned v = p->changes;
        p->changed_names[0] = '\0';
        pthread_mutex_unlock(&p->lock);
        return v;
}

static bool provider_wait_change(provider *p, unsigned seen, const char *name, int timeout_ms)
{
        int64_t end = now_ms() + timeout_ms;
        for (;;) {
                pthread_mutex_lock(&p->lock);
                bool done = p->changes > seen && strstr(p->changed_names, name);
                pthread_mutex_unlock(&p->lock);
                if (done)
                        return true;
                if (now_ms() >= end)
                        return false;
                usleep(10000);
        }
}

/* ---- the whole setting: bus, server, daemon, provider, an operator ---- */

typedef struct env {
        daemon_fixture f;
        fixture_bus bus;
        provider prov;
        sd_bus *op; /* another local client: not an owner */
        /* The shipped policy for a provider group that exists here, and the
         * unprivileged callers' script (setup_group_policy). */
        char policy_dir[64];
        gid_t provider_gid;
        uid_t users[3];
        const char *skip_reason; /* set by a setup that cannot run on this build */
} env;

/* A definition whose resource names exercise every naming rule. */
static const char names_ddf[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<LWM2M><Object ObjectType=\"MODefinition\"><Name>Name Test</Name>"
        "<ObjectID>32770</ObjectID><ObjectURN>urn:oma:lwm2m:x:32770</ObjectURN>"
        "<MultipleInstances>Multiple</MultipleInstances><Mandatory>Optional</Mandatory>"
        "<Resources>"
#define ITEM(id, name, ops, multiple, type)                                                        \
        "<Item ID=\"" id "\"><Name>" name "</Name><Operations>" ops "</Operations>"                \
        "<MultipleInstances>" multiple "</MultipleInstances><Mandatory>Optional</Mandatory>"       \
        "<Type>" type "</Type><RangeEnumeration></RangeEnumeration><Units></Units>"                \
        "<Description>test</Description></Item>"
        ITEM("0", "level", "R", "Single", "Integer") ITEM("1", "Level", "RW", "Single", "Float")
                ITEM("2", "3 phase", "R", "Single", "String")
                        ITEM("3", "x", "R", "Single", "Boolean")
                                ITEM("4", "do it!", "E", "Single", "")
                                        ITEM("5", "Counts", "R", "Multiple", "Integer")
                                                ITEM("6", "Data", "R", "Single", "Opaque")
                                                        ITEM("7", "Link", "R", "Single", "Objlnk")
#undef ITEM
                                                                "</Resources></Object></LWM2M>\n";

/* `keys`: more [lwm2md] lines for the daemon's configuration, or NULL. */
static void start_all_with_keys(env *e, const char *bus_config, bool names_object, const char *keys)
{
        assert_int_equal(fixture_init(&e->f), 0);
        ts_config cfg = {.security = TS_SECURITY_NOSEC, .trace_timeouts = true};
        e->f.server = ts_new(&cfg);
        assert_non_null(e->f.server);
        char log[400];
        snprintf(log, sizeof(log), "%s/dbus-daemon.log", e->f.dir);
        assert_int_equal(fixture_bus_start(&e->bus, bus_config, log), 0);

        char extra[1024];
        int n = snprintf(extra, sizeof(extra),
                         "[server 1]\nuri = %s\nlifetime = 60\nretry-timer = 1\n",
                         ts_uri(e->f.server));
        if (names_object) {
                char path[512];
                assert_int_equal(
                        fixture_write_file(&e->f, "32770.xml", names_ddf, path, sizeof(path)), 0);
                /* A second objects directory: the scratch directory itself. */
                n += snprintf(extra + n, sizeof(extra) - (size_t)n, "[lwm2md]\nobjects-dir = %s\n",
                              e->f.dir);
        }
        if (keys)
                snprintf(extra + n, sizeof(extra) - (size_t)n, "[lwm2md]\n%s", keys);
        assert_int_equal(fixture_write_config(&e->f, extra), 0);
        const char *args[] = {"--bus", e->bus.address, NULL};
        assert_int_equal(fixture_start_daemon(&e->f, args), 0);
        if (keys) {
                /* Keys this build does not know yet make the daemon exit at once. */
                for (int64_t end = now_ms() + 5000; now_ms() < end;) {
                        if (fixture_log_contains(&e->f, "unknown key")) {
                                e->skip_reason = "the daemon does not know these [lwm2md] keys yet";
                                return;
                        }
                        if (fixture_log_contains(&e->f, "on D-Bus as org.lwm2md1"))
                                break;
                        usleep(20000);
                }
        }
        assert_non_null(ts_wait_register(e->f.server, 0, 10000));
        assert_true(fixture_wait_log(&e->f, "on D-Bus as org.lwm2md1", 5000));

        assert_int_equal(provider_start(&e->prov, e->bus.address, true), 0);
        e->op = connect_to(e->bus.address);
        assert_non_null(e->op);
}

static void start_all_with(env *e, const char *bus_config, bool names_object)
{
        start_all_with_keys(e, bus_config, names_object, NULL);
}

static void start_all(env *e, const char *bus_config)
{
        start_all_with(e, bus_config, false);
}

static int setup(void **state)
{
        env *e = calloc(1, sizeof(*e));
        assert_non_null(e);
        *state = e;
        start_all(e, TEST_BUS_CONFIG);
        return 0;
}

static int setup_names(void **state)
{
        env *e = calloc(1, sizeof(*e));
        assert_non_null(e);
        *state = e;
        start_all_with(e, TEST_BUS_CONFIG, true);
        return 0;
}

static int setup_policy(void **state)
{
        env *e = calloc(1, sizeof(*e));
        assert_non_null(e);
        *state = e;
        start_all(e, POLICY_BUS_CONFIG);
        return 0;
}

/* `text` with the first `from` replaced by `to` (malloc'd). */
static char *replace_once(const char *text, const char *from, const char *to)
{
        const char *at = strstr(text, from);
        assert_non_null(at);
        char *out = NULL;
        assert_true(asprintf(&out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)) > 0);
        return out;
}

static char *read_whole_file(const char *path)
{
        FILE *fp = fopen(path, "re");
        if (!fp)
                fail_msg("cannot read %s: %s", path, strerror(errno));
        char *text = fixture_read_stream(fp);
        fclose(fp);
        assert_non_null(text);
        return text;
}

static void write_whole_file(const char *dir, const char *name, const char *text, mode_t mode)
{
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *fp = fopen(path, "we");
        assert_non_null(fp);
        fputs(text, fp);
        assert_int_equal(fclose(fp), 0);
        assert_int_equal(chmod(path, mode), 0);
}

/* The shipped policy for real, with two unprivileged users in its provider group.
 * The group is "lwm2md" where the system has it; elsewhere the same file with
 * group="users" instead (the change the policy's comment describes for another
 * group), since dbus-daemon ignores a policy for a group it cannot resolve. */
static int setup_group_policy_with(void **state, const char *keys)
{
        env *e = calloc(1, sizeof(*e));
        assert_non_null(e);
        *state = e;
        if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0) {
                e->skip_reason = "needs root and setpriv to act as unprivileged users";
                return 0;
        }
        static const char *const candidates[] = {"daemon", "bin", "sys", "games", "man", "lp"};
        size_t n_users = 0;
        for (size_t i = 0; i < sizeof(candidates) / sizeof(*candidates) && n_users < 3; i++) {
                struct passwd *pw = getpwnam(candidates[i]);
                if (pw && pw->pw_uid != 0)
                        e->users[n_users++] = pw->pw_uid;
        }
        if (n_users < 3) {
                e->skip_reason = "needs three unprivileged system users (daemon, bin, sys...)";
                return 0;
        }
        snprintf(e->policy_dir, sizeof(e->policy_dir), "/tmp/lwm2md-policy.XXXXXX");
        assert_non_null(mkdtemp(e->policy_dir));
        assert_int_equal(chmod(e->policy_dir, 0755), 0);
        char *policy = read_whole_file(SOURCE_ROOT "/dbus/org.lwm2md1.conf");
        struct group *grp = getgrnam("lwm2md");
        if (grp) {
                e->provider_gid = grp->gr_gid;
        } else {
                grp = getgrnam("users");
                if (!grp) {
                        free(policy);
                        e->skip_reason = "no group lwm2md nor users to be the provider group";
                        return 0;
                }
                e->provider_gid = grp->gr_gid;
                char *changed = replace_once(policy, "<policy group=\"lwm2md\">",
                                             "<policy group=\"users\">");
                free(policy);
                policy = changed;
        }
        write_whole_file(e->policy_dir, "org.lwm2md1.conf", policy, 0644);
        free(policy);
        char *bus_conf = read_whole_file(POLICY_BUS_CONFIG);
        char include[128];
        snprintf(include, sizeof(include), "<include>%s/org.lwm2md1.conf</include>", e->policy_dir);
        char *changed =
                replace_once(bus_conf, "<include>../../dbus/org.lwm2md1.conf</include>", include);
        write_whole_file(e->policy_dir, "bus.conf", changed, 0644);
        free(changed);
        free(bus_conf);
        char *script = read_whole_file(SOURCE_ROOT "/tests/integration/bus_caller.py");
        write_whole_file(e->policy_dir, "bus_caller.py", script, 0644);
        free(script);

        char path[128];
        snprintf(path, sizeof(path), "%s/bus.conf", e->policy_dir);
        start_all_with_keys(e, path, true, keys);
        return 0;
}

static int setup_group_policy(void **state)
{
        return setup_group_policy_with(state, NULL);
}

/* The admin group: a group that exists here (by name, as an operator would write
 * it), not the provider group; its gid is what the admin caller gets from setpriv. */
static const char *const admin_group_names[] = {"adm", "staff", "operator"};

static const struct group *admin_group(void)
{
        for (size_t i = 0; i < sizeof(admin_group_names) / sizeof(*admin_group_names); i++) {
                const struct group *grp = getgrnam(admin_group_names[i]);
                if (grp)
                        return grp;
        }
        return NULL;
}

static int setup_group_policy_admin(void **state)
{
        const struct group *grp = admin_group();
        if (!grp) {
                env *e = calloc(1, sizeof(*e));
                assert_non_null(e);
                *state = e;
                e->skip_reason = "no group adm, staff or operator to be the admin group";
                return 0;
        }
        char keys[128];
        snprintf(keys, sizeof(keys), "admin-group = %s\n", grp->gr_name);
        return setup_group_policy_with(state, keys);
}

static int teardown(void **state)
{
        env *e = *state;
        if (e->policy_dir[0]) {
                char path[128];
                const char *names[] = {"org.lwm2md1.conf", "bus.conf", "bus_caller.py"};
                for (size_t i = 0; i < 3; i++) {
                        snprintf(path, sizeof(path), "%s/%s", e->policy_dir, names[i]);
                        unlink(path);
                }
                rmdir(e->policy_dir);
        }
        if (e->prov.bus)
                provider_stop(&e->prov);
        e->op = sd_bus_flush_close_unref(e->op);
        fixture_cleanup(&e->f);
        fixture_bus_stop(&e->bus);
        free(e);
        return 0;
}

/* Stops the daemon the normal way and checks it left no sanitizer report. */
static void finish(env *e)
{
        assert_int_equal(fixture_stop_daemon(&e->f, 10000), 0);
        fixture_assert_clean_log(&e->f);
}

/* ---- helpers for the checks ---- */

static int resolve_resource(void *userdata, const lwm2m_path *p, lwm2m_type *type, bool *multiple)
{
        *multiple = false;
        switch (p->id[2]) {
        case 5700:
        case 5601:
        case 5602:
                *type = LWM2M_TYPE_FLOAT;
                return 0;
        case 5701:
                *type = LWM2M_TYPE_STRING;
                return 0;
        case 5851:
                *type = LWM2M_TYPE_INTEGER;
                return 0;
        case 5850:
                *type = LWM2M_TYPE_BOOLEAN;
                return 0;
        default:
                return -ENOENT;
        }
}

/* A server Read of one resource in `format`, decoded back to a double, with the time
 * the payload gives it in *time (-1: none). */
static double server_read_timed(env *e, const char *path, int format, double *time)
{
        ts_response resp;
        assert_int_equal(ts_request(e->f.server, COAP_REQUEST_CODE_GET, path, -1, format, -1, NULL,
                                    0, 5000, &resp),
                         0);
        char code[8];
        if (resp.code != COAP_RESPONSE_CODE_CONTENT)
                fail_msg("Read %s in format %d: %s", path, format, ts_code_str(resp.code, code));
        assert_int_equal(resp.content_format, format);
        lwm2m_path base;
        assert_int_equal(lwm2m_path_parse(path, &base), 0);
        lwm2m_resolver resolver = {.resource = resolve_resource};
        lwm2m_record_list l = {0};
        assert_int_equal(
                lwm2m_format_decode((uint16_t)format, &base, resp.payload, resp.len, &resolver, &l),
                0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].value.type, LWM2M_TYPE_FLOAT);
        double v = l.items[0].value.f;
        *time = l.items[0].has_time ? l.items[0].time : -1;
        lwm2m_record_list_free(&l);
        ts_response_free(&resp);
        return v;
}

static double server_read_float(env *e, const char *path, int format)
{
        double time;
        return server_read_timed(e, path, format, &time);
}

static uint8_t server_request(env *e, coap_pdu_code_t method, const char *path, int format,
                              const char *payload)
{
        ts_response resp;
        int r = ts_request(e->f.server, method, path, format, -1, -1, payload,
                           payload ? strlen(payload) : 0, 8000, &resp);
        if (r < 0) {
                fixture_print_log(&e->f, 6000);
                fail_msg("server request %d %s: %s", (int)method, path, strerror(-r));
        }
        uint8_t code = resp.code;
        ts_response_free(&resp);
        return code;
}

/* Waits for a Registration Update (after `seen` of them) whose links hold `link`, or
 * lack it when `present` is false: an Update sent for an earlier change may come first. */
static ts_registration *wait_update_listing(env *e, unsigned seen, const char *link, bool present)
{
        for (int64_t end = now_ms() + 8000; now_ms() < end;) {
                ts_registration *reg = ts_wait_update(e->f.server, seen, 1000);
                if (reg && (strstr(reg->links, link) != NULL) == present)
                        return reg;
                seen = ts_update_count(e->f.server);
        }
        return NULL;
}

static void add_temperature(env *e)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r = provider_call(&e->prov, "/org/lwm2md1", "org.lwm2md1.Manager", "AddInstance",
                              &error, &reply, "qqa{qv}", 3303, 0, 2, 5700, "d", 21.5, 5701, "s",
                              "Cel");
        if (r < 0)
                fail_msg("AddInstance: %s", error.message);
        const char *path;
        assert_true(sd_bus_message_read(reply, "o", &path) >= 0);
        assert_string_equal(path, TEMP_PATH);
        sd_bus_message_unref(reply);
        sd_bus_error_free(&error);
}

static void add_light(env *e)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = provider_call(&e->prov, "/org/lwm2md1", "org.lwm2md1.Manager", "AddInstance",
                              &error, NULL, "qqa{qv}", 3311, 65535, 2, 5850, "b", 0, 5851, "x",
                              (int64_t)10);
        if (r < 0)
                fail_msg("AddInstance: %s", error.message);
        sd_bus_error_free(&error);
}

static double get_double(sd_bus *bus, const char *path, const char *iface, const char *name)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        double d = -1;
        int r = sd_bus_get_property_trivial(bus, "org.lwm2md1", path, iface, name, &error, 'd', &d);
        if (r < 0)
                fail_msg("Get %s: %s", name, error.message);
        sd_bus_error_free(&error);
        return d;
}

static int64_t get_int64(sd_bus *bus, const char *path, const char *iface, const char *name)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int64_t x = -1;
        int r = sd_bus_get_property_trivial(bus, "org.lwm2md1", path, iface, name, &error, 'x', &x);
        if (r < 0)
                fail_msg("Get %s: %s", name, error.message);
        sd_bus_error_free(&error);
        return x;
}

/* Runs a shell command and returns its output (stdout and stderr). */
static char *run_output(const char *command, int *status)
{
        FILE *fp = popen(command, "r");
        assert_non_null(fp);
        char *buf = fixture_read_stream(fp);
        int st = pclose(fp);
        if (status)
                *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
        return buf;
}

/* ---- the tests ---- */

static void test_provider_values_reach_server(void **state)
{
        env *e = *state;
        unsigned updates = ts_update_count(e->f.server);
        add_temperature(e);
        ts_registration *reg = wait_update_listing(e, updates, "</3303/0>", true);
        assert_non_null(reg);
        assert_true(server_read_float(e, "/3303/0/5700", LWM2M_FORMAT_TEXT) == 21.5);

        /* A property Set, then several values as one change. */
        sd_bus_error error = SD_BUS_ERROR_NULL;
        assert_true(provider_set(&e->prov, TEMP_PATH, "org.lwm2md1.Object3303", "SensorValue",
                                 &error, "d", 22.5) >= 0);
        assert_true(server_read_float(e, "/3303/0/5700", LWM2M_FORMAT_SENML_JSON) == 22.5);
        assert_true(provider_call(&e->prov, TEMP_PATH, "org.lwm2md1.Instance", "SetValues", &error,
                                  NULL, "a{qv}", 3, 5700, "d", 23.25, 5601, "d", -4.0, 5602, "d",
                                  30.0) >= 0);
        assert_true(server_read_float(e, "/3303/0/5700", LWM2M_FORMAT_TEXT) == 23.25);
        assert_true(server_read_float(e, "/3303/0/5700", LWM2M_FORMAT_SENML_JSON) == 23.25);
        assert_true(server_read_float(e, "/3303/0/5700", LWM2M_FORMAT_SENML_CBOR) == 23.25);
        assert_true(server_read_float(e, "/3303/0/5700", LWM2M_FORMAT_TLV) == 23.25);
        assert_true(server_read_float(e, "/3303/0/5601", LWM2M_FORMAT_TLV) == -4.0);

        /* Anyone reads the typed properties; the integer width does not matter on input. */
        assert_true(get_double(e->op, TEMP_PATH, "org.lwm2md1.Object3303", "SensorValue") == 23.25);
        assert_true(provider_call(&e->prov, TEMP_PATH, "org.lwm2md1.Instance", "SetValues", &error,
                                  NULL, "a{qv}", 1, 5700, "i", -7) >= 0);
        assert_true(get_double(e->op, TEMP_PATH, "org.lwm2md1.Object3303", "SensorValue") == -7.0);
        sd_bus_error_free(&error);

        sd_bus_message *reply = NULL;
        const char *owner = NULL;
        assert_true(sd_bus_get_property(e->op, "org.lwm2md1", TEMP_PATH, "org.lwm2md1.Instance",
                                        "Owner", &error, &reply, "s") >= 0);
        assert_true(sd_bus_message_read(reply, "s", &owner) >= 0);
        const char *unique = NULL;
        sd_bus_get_unique_name(e->prov.bus, &unique);
        assert_string_equal(owner, unique);
        sd_bus_message_unref(reply);
        finish(e);
}

/* SetValuesAt: the time of the measurement travels with the value to the servers. */
static void test_values_with_their_time(void **state)
{
        env *e = *state;
        add_temperature(e);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        double t = 0;
        assert_true(provider_call(&e->prov, TEMP_PATH, "org.lwm2md1.Instance", "SetValuesAt",
                                  &error, NULL, "da{qv}", 1767225600.5, 2, 5700, "d", 24.5, 5601,
                                  "d", 3.0) >= 0);
        assert_true(server_read_timed(e, "/3303/0/5700", LWM2M_FORMAT_SENML_JSON, &t) == 24.5);
        assert_true(t == 1767225600.5);
        assert_true(server_read_timed(e, "/3303/0/5601", LWM2M_FORMAT_SENML_CBOR, &t) == 3.0);
        assert_true(t == 1767225600.5);
        assert_true(get_double(e->op, TEMP_PATH, "org.lwm2md1.Object3303", "SensorValue") == 24.5);

        /* Times that are not seconds since the epoch, and values that do not fit: refused,
         * nothing stored. */
        static const double bad_times[] = {0, -1, NAN, INFINITY};
        for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
                assert_true(provider_call(&e->prov, TEMP_PATH, "org.lwm2md1.Instance",
                                          "SetValuesAt", &error, NULL, "da{qv}", bad_times[i], 1,
                                          5700, "d", 99.0) < 0);
                assert_string_equal(error.name, "org.lwm2md1.Error.InvalidValue");
                assert_non_null(strstr(error.message, "seconds since the Unix epoch"));
                sd_bus_error_free(&error);
        }
        assert_true(provider_call(&e->prov, TEMP_PATH, "org.lwm2md1.Instance", "SetValuesAt",
                                  &error, NULL, "da{qv}", 1767225700.0, 1, 5700, "s", "hot") < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.InvalidValue");
        assert_non_null(strstr(error.message, "Sensor Value (5700)"));
        sd_bus_error_free(&error);
        assert_true(server_read_timed(e, "/3303/0/5700", LWM2M_FORMAT_SENML_JSON, &t) == 24.5);
        assert_true(t == 1767225600.5);

        /* A value pushed without a time has none. */
        assert_true(provider_call(&e->prov, TEMP_PATH, "org.lwm2md1.Instance", "SetValues", &error,
                                  NULL, "a{qv}", 1, 5700, "d", 25.0) >= 0);
        assert_true(server_read_timed(e, "/3303/0/5700", LWM2M_FORMAT_SENML_JSON, &t) == 25.0);
        assert_true(t == -1);
        assert_true(server_read_timed(e, "/3303/0/5601", LWM2M_FORMAT_SENML_JSON, &t) == 3.0);
        assert_true(t == 1767225600.5);
        finish(e);
}

static void test_bad_values_are_refused(void **state)
{
        env *e = *state;
        add_temperature(e);
        add_light(e);
        sd_bus_error error = SD_BUS_ERROR_NULL;

        /* Wrong type: named resource, nothing stored. */
        assert_true(provider_call(&e->prov, TEMP_PATH, "org.lwm2md1.Instance", "SetValues", &error,
                                  NULL, "a{qv}", 2, 5601, "d", 1.0, 5700, "s", "hot") < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.InvalidValue");
        assert_non_null(strstr(error.message, "Temperature (3303) resource Sensor Value (5700)"));
        sd_bus_error_free(&error);
        assert_true(get_double(e->op, TEMP_PATH, "org.lwm2md1.Object3303", "SensorValue") == 21.5);

        /* NaN and infinities: no LwM2M format carries them, so none is stored (a faulty
         * sensor must not hide its object from a server's Read). */
        assert_true(provider_call(&e->prov, TEMP_PATH, "org.lwm2md1.Instance", "SetValues", &error,
                                  NULL, "a{qv}", 1, 5700, "d", NAN) < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.InvalidValue");
        assert_non_null(strstr(error.message, "Sensor Value (5700)"));
        sd_bus_error_free(&error);
        assert_true(provider_set(&e->prov, TEMP_PATH, "org.lwm2md1.Object3303", "SensorValue",
                                 &error, "d", -INFINITY) < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.InvalidValue");
        sd_bus_error_free(&error);
        assert_true(get_double(e->op, TEMP_PATH, "org.lwm2md1.Object3303", "SensorValue") == 21.5);

        /* Out of the range the definition gives. */
        assert_true(provider_set(&e->prov, LIGHT_PATH, "org.lwm2md1.Object3311", "Dimmer", &error,
                                 "x", (int64_t)150) < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.InvalidValue");
        assert_non_null(strstr(error.message, "Dimmer (5851)"));
        assert_non_null(strstr(error.message, "0..100"));
        sd_bus_error_free(&error);
        assert_int_equal(get_int64(e->op, LIGHT_PATH, "org.lwm2md1.Object3311", "Dimmer"), 10);

        /* A float that is no integer, for an integer resource. */
        assert_true(provider_call(&e->prov, LIGHT_PATH, "org.lwm2md1.Instance", "Write", &error,
                                  NULL, "qv", 5851, "d", 2.5) < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.InvalidValue");
        assert_non_null(strstr(error.message, "Dimmer (5851)"));
        sd_bus_error_free(&error);

        /* Unknown resource; an executable one. */
        assert_true(provider_call(&e->prov, TEMP_PATH, "org.lwm2md1.Instance", "SetValues", &error,
                                  NULL, "a{qv}", 1, 9999, "d", 1.0) < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.NotFound");
        sd_bus_error_free(&error);
        assert_true(provider_call(&e->prov, TEMP_PATH, "org.lwm2md1.Instance", "Write", &error,
                                  NULL, "qv", 5605, "s", "") < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.NotAllowed");
        sd_bus_error_free(&error);

        /* Someone else may set W resources only. */
        assert_true(sd_bus_set_property(e->op, "org.lwm2md1", TEMP_PATH, "org.lwm2md1.Object3303",
                                        "SensorValue", &error, "d", 0.0) < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.NotAllowed");
        sd_bus_error_free(&error);
        unsigned seen = provider_mark_changes(&e->prov);
        assert_true(sd_bus_set_property(e->op, "org.lwm2md1", LIGHT_PATH, "org.lwm2md1.Object3311",
                                        "Dimmer", &error, "x", (int64_t)20) >= 0);
        assert_int_equal(get_int64(e->op, LIGHT_PATH, "org.lwm2md1.Object3311", "Dimmer"), 20);
        assert_true(provider_wait_change(&e->prov, seen, "Dimmer", 2000));
        provider seen_by = provider_snapshot(&e->prov);
        assert_non_null(strstr(seen_by.changed_names, "org.lwm2md1.Object3311:Dimmer "));

        /* Security secrets are neither properties nor readable. */
        assert_true(sd_bus_call_method(e->op, "org.lwm2md1", "/org/lwm2md1/object/0/0",
                                       "org.lwm2md1.Instance", "Read", &error, NULL, "q", 5) < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.AccessDenied");
        sd_bus_error_free(&error);
        assert_true(sd_bus_get_property(e->op, "org.lwm2md1", "/org/lwm2md1/object/0/0",
                                        "org.lwm2md1.Object0", "SecretKey", &error, NULL,
                                        "ay") < 0);
        /* sd-bus names an unknown property InvalidArgs or UnknownProperty. */
        assert_true(sd_bus_error_has_name(&error, "org.freedesktop.DBus.Error.InvalidArgs") ||
                    sd_bus_error_has_name(&error, "org.freedesktop.DBus.Error.UnknownProperty"));
        sd_bus_error_free(&error);
        sd_bus_message *reply = NULL;
        assert_true(sd_bus_call_method(e->op, "org.lwm2md1", "/org/lwm2md1/object/0/0",
                                       "org.lwm2md1.Instance", "Read", &error, &reply, "q",
                                       0) >= 0);
        const char *uri = NULL;
        assert_true(sd_bus_message_read(reply, "v", "s", &uri) >= 0);
        assert_string_equal(uri, ts_uri(e->f.server));
        sd_bus_message_unref(reply);
        finish(e);
}

static void test_server_write_reaches_owner(void **state)
{
        env *e = *state;
        add_light(e);
        unsigned seen = provider_mark_changes(&e->prov);
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_PUT, "/3311/0/5851", 0, "42"),
                         COAP_RESPONSE_CODE_CHANGED);
        provider seen_by = provider_snapshot(&e->prov);
        assert_int_equal(seen_by.writes, 1);
        assert_int_equal(seen_by.last_write_rid, 5851);
        assert_string_equal(seen_by.last_write_sig, "x");
        assert_int_equal(seen_by.last_write_x, 42);
        assert_true(provider_wait_change(&e->prov, seen, "Dimmer", 2000));
        assert_int_equal(get_int64(e->op, LIGHT_PATH, "org.lwm2md1.Object3311", "Dimmer"), 42);

        /* The provider's refusal becomes the server's error; nothing is stored. */
        pthread_mutex_lock(&e->prov.lock);
        e->prov.write_error = "org.lwm2md1.Error.InvalidValue";
        pthread_mutex_unlock(&e->prov.lock);
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_PUT, "/3311/0/5851", 0, "43"),
                         COAP_RESPONSE_CODE_BAD_REQUEST);
        pthread_mutex_lock(&e->prov.lock);
        e->prov.write_error = "org.lwm2md1.Error.NotAllowed";
        pthread_mutex_unlock(&e->prov.lock);
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_PUT, "/3311/0/5851", 0, "44"),
                         COAP_RESPONSE_CODE_NOT_ALLOWED);
        pthread_mutex_lock(&e->prov.lock);
        e->prov.write_error = "org.lwm2md1.Error.NotFound";
        pthread_mutex_unlock(&e->prov.lock);
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_PUT, "/3311/0/5851", 0, "45"),
                         COAP_RESPONSE_CODE_NOT_FOUND);
        assert_int_equal(get_int64(e->op, LIGHT_PATH, "org.lwm2md1.Object3311", "Dimmer"), 42);
        assert_int_equal(provider_count(&e->prov, &e->prov.writes), 4);

        /* A server Delete asks the owner too. */
        pthread_mutex_lock(&e->prov.lock);
        e->prov.write_error = NULL;
        pthread_mutex_unlock(&e->prov.lock);
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_DELETE, "/3311/0", -1, NULL),
                         COAP_RESPONSE_CODE_DELETED);
        assert_int_equal(provider_count(&e->prov, &e->prov.deletes), 1);
        finish(e);
}

static char *get_string(sd_bus *bus, const char *path, const char *iface, const char *name)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *v = NULL;
        int r = sd_bus_get_property_string(bus, "org.lwm2md1", path, iface, name, &error, &v);
        if (r < 0)
                fail_msg("Get %s: %s", name, error.message);
        sd_bus_error_free(&error);
        return v;
}

/* A write larger than one datagram: reassembled first, then one Owner.Write, whose
 * answer (after the block-wise exchange has been answered "later") decides. */
static void test_blockwise_write_reaches_owner(void **state)
{
        env *e = *state;
        add_light(e);
        char text[3001];
        for (size_t i = 0; i < sizeof(text) - 1; i++)
                text[i] = (char)('a' + (i * 7 + i / 26) % 26);
        text[sizeof(text) - 1] = 0;
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_PUT, "/3311/0/5750", 0, text),
                         COAP_RESPONSE_CODE_CHANGED);
        provider seen_by = provider_snapshot(&e->prov);
        assert_int_equal(seen_by.writes, 1);
        assert_int_equal(seen_by.last_write_rid, 5750);
        char *stored = get_string(e->op, LIGHT_PATH, "org.lwm2md1.Object3311", "ApplicationType");
        assert_string_equal(stored, text);
        free(stored);
        /* Refused by the owner: nothing stored. */
        pthread_mutex_lock(&e->prov.lock);
        e->prov.write_error = "org.lwm2md1.Error.InvalidValue";
        pthread_mutex_unlock(&e->prov.lock);
        text[0] = 'Z';
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_PUT, "/3311/0/5750", 0, text),
                         COAP_RESPONSE_CODE_BAD_REQUEST);
        stored = get_string(e->op, LIGHT_PATH, "org.lwm2md1.Object3311", "ApplicationType");
        assert_int_equal(stored[0], 'a');
        free(stored);
        finish(e);
}

/* A provider without org.lwm2md1.Owner: writes and deletes go through, executes do not. */
static void test_owner_without_owner_interface(void **state)
{
        env *e = *state;
        provider plain;
        assert_int_equal(provider_start(&plain, e->bus.address, false), 0);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = provider_call(&plain, "/org/lwm2md1", "org.lwm2md1.Manager", "AddInstance", &error,
                              NULL, "qqa{qv}", 3311, 0, 1, 5851, "x", (int64_t)10);
        if (r >= 0)
                r = provider_call(&plain, "/org/lwm2md1", "org.lwm2md1.Manager", "AddInstance",
                                  &error, NULL, "qqa{qv}", 3303, 0, 1, 5700, "d", 1.0);
        if (r < 0) {
                provider_stop(&plain);
                fail_msg("AddInstance: %s", error.message);
        }
        uint8_t write = server_request(e, COAP_REQUEST_CODE_PUT, "/3311/0/5851", 0, "33");
        int64_t dimmer = get_int64(e->op, LIGHT_PATH, "org.lwm2md1.Object3311", "Dimmer");
        uint8_t exec = server_request(e, COAP_REQUEST_CODE_POST, "/3303/0/5605", -1, NULL);
        uint8_t del = server_request(e, COAP_REQUEST_CODE_DELETE, "/3311/0", -1, NULL);
        provider_stop(&plain);
        assert_int_equal(write, COAP_RESPONSE_CODE_CHANGED);
        assert_int_equal(dimmer, 33);
        assert_int_equal(exec, COAP_RESPONSE_CODE_NOT_ALLOWED);
        assert_int_equal(del, COAP_RESPONSE_CODE_DELETED);
        finish(e);
}

static void test_execute_reaches_owner(void **state)
{
        env *e = *state;
        add_temperature(e);
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_POST, "/3303/0/5605", -1, NULL),
                         COAP_RESPONSE_CODE_CHANGED);
        provider seen_by = provider_snapshot(&e->prov);
        assert_int_equal(seen_by.executes, 1);
        assert_int_equal(seen_by.last_exec_rid, 5605);
        assert_string_equal(seen_by.last_exec_args, "");

        /* From D-Bus: the typed method, with arguments, goes the same way. */
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(e->op, "org.lwm2md1", TEMP_PATH, "org.lwm2md1.Object3303",
                                   "ResetMinAndMaxMeasuredValues", &error, NULL, "s", "0='x'");
        if (r < 0)
                fail_msg("ResetMinAndMaxMeasuredValues: %s", error.message);
        seen_by = provider_snapshot(&e->prov);
        assert_int_equal(seen_by.executes, 2);
        assert_string_equal(seen_by.last_exec_args, "0='x'");
        /* Not executable. */
        assert_true(sd_bus_call_method(e->op, "org.lwm2md1", TEMP_PATH, "org.lwm2md1.Instance",
                                       "Execute", &error, NULL, "qs", 5700, "") < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.NotAllowed");
        sd_bus_error_free(&error);
        finish(e);
}

static void test_silent_owner_gives_5_00_without_blocking(void **state)
{
        env *e = *state;
        add_light(e);
        pthread_mutex_lock(&e->prov.lock);
        e->prov.hold_writes = true;
        pthread_mutex_unlock(&e->prov.lock);

        /* The first Write waits for the provider (the daemon answers later)... */
        ts_response resp;
        assert_int_equal(ts_request(e->f.server, COAP_REQUEST_CODE_PUT, "/3311/0/5851", 0, -1, -1,
                                    "55", 2, 400, &resp),
                         -ETIMEDOUT);
        /* ...while a Read at the same time is answered at once. */
        int64_t t0 = now_ms();
        assert_int_equal(ts_request(e->f.server, COAP_REQUEST_CODE_GET, "/3311/0/5851", -1, 0, -1,
                                    NULL, 0, 3000, &resp),
                         0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE_CONTENT);
        assert_string_equal((const char *)resp.payload, "10");
        ts_response_free(&resp);
        assert_true(now_ms() - t0 < 1000);

        /* A provider that never answers: 5.00 after its 4 s. */
        t0 = now_ms();
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_PUT, "/3311/0/5851", 0, "56"),
                         COAP_RESPONSE_CODE_INTERNAL_ERROR);
        int64_t took = now_ms() - t0;
        assert_true(took >= 3500 && took < 6000);
        assert_int_equal(get_int64(e->op, LIGHT_PATH, "org.lwm2md1.Object3311", "Dimmer"), 10);
        finish(e);
}

static void test_on_demand_read(void **state)
{
        env *e = *state;
        add_temperature(e);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        pthread_mutex_lock(&e->prov.lock);
        e->prov.on_demand_value = 30.5;
        pthread_mutex_unlock(&e->prov.lock);
        /* Only the owner chooses. */
        assert_true(sd_bus_call_method(e->op, "org.lwm2md1", TEMP_PATH, "org.lwm2md1.Instance",
                                       "SetOnDemand", &error, NULL, "aq", 1, 5700) < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.AccessDenied");
        sd_bus_error_free(&error);
        assert_true(provider_call(&e->prov, TEMP_PATH, "org.lwm2md1.Instance", "SetOnDemand",
                                  &error, NULL, "aq", 1, 5700) >= 0);

        assert_true(server_read_float(e, "/3303/0/5700", LWM2M_FORMAT_TEXT) == 30.5);
        assert_int_equal(provider_count(&e->prov, &e->prov.reads), 1);
        /* Other resources come from the stored values, without asking. */
        ts_response resp;
        assert_int_equal(ts_request(e->f.server, COAP_REQUEST_CODE_GET, "/3303/0/5701", -1, 0, -1,
                                    NULL, 0, 3000, &resp),
                         0);
        assert_string_equal((const char *)resp.payload, "Cel");
        ts_response_free(&resp);
        assert_int_equal(provider_count(&e->prov, &e->prov.reads), 1);

        /* A D-Bus Read by someone else asks the owner too. */
        pthread_mutex_lock(&e->prov.lock);
        e->prov.on_demand_value = 31.0;
        pthread_mutex_unlock(&e->prov.lock);
        sd_bus_message *reply = NULL;
        double d = 0;
        assert_true(sd_bus_call_method(e->op, "org.lwm2md1", TEMP_PATH, "org.lwm2md1.Instance",
                                       "Read", &error, &reply, "q", 5700) >= 0);
        assert_true(sd_bus_message_read(reply, "v", "d", &d) >= 0);
        assert_true(d == 31.0);
        sd_bus_message_unref(reply);
        assert_int_equal(provider_count(&e->prov, &e->prov.reads), 2);

        /* A Read-Composite asks the owner about its on-demand path (once), answers
         * when the owner has, and reads the rest from the stored values. */
        pthread_mutex_lock(&e->prov.lock);
        e->prov.on_demand_value = 32.5;
        pthread_mutex_unlock(&e->prov.lock);
        const char *both = "[{\"n\":\"/3303/0/5700\"},{\"n\":\"/3303/0/5701\"},"
                           "{\"n\":\"/3/0/0\"}]";
        assert_int_equal(ts_request(e->f.server, COAP_REQUEST_CODE_FETCH, "/",
                                    LWM2M_FORMAT_SENML_JSON, -1, -1, both, strlen(both), 3000,
                                    &resp),
                         0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE(205));
        char text[512];
        snprintf(text, sizeof(text), "%.*s", (int)resp.len, (const char *)resp.payload);
        ts_response_free(&resp);
        assert_non_null(strstr(text, "32.5"));
        assert_non_null(strstr(text, "\"Cel\""));
        assert_int_equal(provider_count(&e->prov, &e->prov.reads), 3);
        /* Without an on-demand path it asks nobody. */
        const char *stored = "[{\"n\":\"/3303/0/5701\"}]";
        assert_int_equal(ts_request(e->f.server, COAP_REQUEST_CODE_FETCH, "/",
                                    LWM2M_FORMAT_SENML_JSON, -1, -1, stored, strlen(stored), 3000,
                                    &resp),
                         0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE(205));
        ts_response_free(&resp);
        assert_int_equal(provider_count(&e->prov, &e->prov.reads), 3);
        finish(e);
}

static void test_owner_leaving_removes_instances(void **state)
{
        env *e = *state;
        unsigned updates = ts_update_count(e->f.server);
        add_temperature(e);
        assert_non_null(wait_update_listing(e, updates, "</3303/0>", true));
        updates = ts_update_count(e->f.server);

        provider_stop(&e->prov);
        ts_registration *reg = wait_update_listing(e, updates, "</3303/0>", false);
        assert_non_null(reg);
        assert_non_null(strstr(reg->links, "</3/0>"));
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_GET, "/3303/0/5700", -1, NULL),
                         COAP_RESPONSE_CODE_NOT_FOUND);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        assert_true(sd_bus_call_method(e->op, "org.lwm2md1", TEMP_PATH, "org.lwm2md1.Instance",
                                       "Read", &error, NULL, "q", 5700) < 0);
        sd_bus_error_free(&error);
        assert_true(fixture_log_contains(&e->f, "left the bus: removed 1 instance(s)"));
        finish(e);
}

/* Writes by someone other than the owner are put to the owner first, as a server's are. */
static void test_operator_writes_ask_the_owner(void **state)
{
        env *e = *state;
        add_light(e);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        assert_true(sd_bus_call_method(e->op, "org.lwm2md1", LIGHT_PATH, "org.lwm2md1.Instance",
                                       "Write", &error, NULL, "qv", 5851, "x", (int64_t)55) >= 0);
        provider seen_by = provider_snapshot(&e->prov);
        assert_int_equal(seen_by.writes, 1);
        assert_int_equal(seen_by.last_write_rid, 5851);
        assert_int_equal(seen_by.last_write_x, 55);
        assert_int_equal(get_int64(e->op, LIGHT_PATH, "org.lwm2md1.Object3311", "Dimmer"), 55);

        /* busctl set-property does the same. */
        assert_true(sd_bus_set_property(e->op, "org.lwm2md1", LIGHT_PATH, "org.lwm2md1.Object3311",
                                        "Dimmer", &error, "x", (int64_t)56) >= 0);
        assert_int_equal(provider_count(&e->prov, &e->prov.writes), 2);
        assert_int_equal(get_int64(e->op, LIGHT_PATH, "org.lwm2md1.Object3311", "Dimmer"), 56);
        /* A value of the wrong D-Bus type never reaches the owner. */
        assert_true(sd_bus_set_property(e->op, "org.lwm2md1", LIGHT_PATH, "org.lwm2md1.Object3311",
                                        "Dimmer", &error, "s", "bright") < 0);
        sd_bus_error_free(&error);
        assert_int_equal(provider_count(&e->prov, &e->prov.writes), 2);

        /* The owner's refusal reaches the caller, whichever way it wrote; nothing is stored. */
        pthread_mutex_lock(&e->prov.lock);
        e->prov.write_error = "org.lwm2md1.Error.InvalidValue";
        pthread_mutex_unlock(&e->prov.lock);
        assert_true(sd_bus_call_method(e->op, "org.lwm2md1", LIGHT_PATH, "org.lwm2md1.Instance",
                                       "Write", &error, NULL, "qv", 5851, "x", (int64_t)57) < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.InvalidValue");
        sd_bus_error_free(&error);
        assert_true(sd_bus_call_method(e->op, "org.lwm2md1", LIGHT_PATH, "org.lwm2md1.Instance",
                                       "SetValues", &error, NULL, "a{qv}", 1, 5851, "x",
                                       (int64_t)58) < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.InvalidValue");
        sd_bus_error_free(&error);
        assert_true(sd_bus_set_property(e->op, "org.lwm2md1", LIGHT_PATH, "org.lwm2md1.Object3311",
                                        "Dimmer", &error, "x", (int64_t)59) < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.InvalidValue");
        sd_bus_error_free(&error);
        assert_int_equal(provider_count(&e->prov, &e->prov.writes), 5);
        assert_int_equal(get_int64(e->op, LIGHT_PATH, "org.lwm2md1.Object3311", "Dimmer"), 56);

        /* The owner itself pushes without being asked. */
        assert_true(provider_set(&e->prov, LIGHT_PATH, "org.lwm2md1.Object3311", "Dimmer", &error,
                                 "x", (int64_t)60) >= 0);
        assert_int_equal(provider_count(&e->prov, &e->prov.writes), 5);
        assert_int_equal(get_int64(e->op, LIGHT_PATH, "org.lwm2md1.Object3311", "Dimmer"), 60);

        /* The daemon's own Device object sets its clock through timedated, which the
         * fixture leaves unreachable (test_time has a stand-in), as it does for servers. */
        assert_true(sd_bus_call_method(e->op, "org.lwm2md1", "/org/lwm2md1/object/3/0",
                                       "org.lwm2md1.Instance", "Write", &error, NULL, "qv", 13, "x",
                                       (int64_t)0) < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.Failed");
        sd_bus_error_free(&error);
        assert_true(sd_bus_set_property(e->op, "org.lwm2md1", "/org/lwm2md1/object/3/0",
                                        "org.lwm2md1.Object3", "Timezone", &error, "s",
                                        "../Paris") < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.InvalidValue");
        sd_bus_error_free(&error);
        finish(e);
}

typedef struct executed {
        unsigned count;
        char path[64];
        uint16_t resource;
        char arguments[64];
} executed;

static int on_executed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        executed *ex = userdata;
        const char *args = NULL;
        if (sd_bus_message_read(m, "qs", &ex->resource, &args) < 0)
                return 0;
        snprintf(ex->path, sizeof(ex->path), "%s", sd_bus_message_get_path(m));
        snprintf(ex->arguments, sizeof(ex->arguments), "%s", args);
        ex->count++;
        return 0;
}

/* CreateInstance from the operator's connection, with one value (type `sig`). */
static void create_held(env *e, uint16_t oid, uint16_t rid, const char *sig, ...)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL;
        va_list ap;
        va_start(ap, sig);
        int r = sd_bus_message_new_method_call(e->op, &m, "org.lwm2md1", "/org/lwm2md1",
                                               "org.lwm2md1.Manager", "CreateInstance");
        if (r >= 0)
                r = sd_bus_message_append(m, "qq", oid, 65535);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{qv}");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'e', "qv");
        if (r >= 0)
                r = sd_bus_message_append_basic(m, 'q', &rid);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', sig);
        if (r >= 0)
                r = sd_bus_message_appendv(m, sig, ap);
        for (int i = 0; r >= 0 && i < 3; i++)
                r = sd_bus_message_close_container(m);
        va_end(ap);
        if (r >= 0)
                r = sd_bus_call(e->op, m, 0, &error, NULL);
        sd_bus_message_unref(m);
        if (r < 0)
                fail_msg("CreateInstance: %s", error.message ? error.message : strerror(-r));
        sd_bus_error_free(&error);
}

static char *busctl(env *e, const char *args, int *status)
{
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "busctl --address='%s' %s 2>&1", e->bus.address, args);
        return run_output(cmd, status);
}

/* CreateInstance: an instance the daemon holds, for callers that cannot stay on
 * the bus, such as busctl in a shell script. */
static void test_held_instance_outlives_its_creator(void **state)
{
        env *e = *state;
        unsigned updates = ts_update_count(e->f.server);
        int status = -1;
        char *out = busctl(e,
                           "call org.lwm2md1 /org/lwm2md1 org.lwm2md1.Manager CreateInstance "
                           "'qqa{qv}' 3342 65535 2 5500 b true 5750 s Door",
                           &status);
        assert_int_equal(status, 0);
        assert_string_equal(out, "o \"/org/lwm2md1/object/3342/0\"\n");
        free(out);
        /* busctl has left the bus; the instance stays and the server hears of it. */
        ts_registration *reg = wait_update_listing(e, updates, "</3342/0>", true);
        assert_non_null(reg);
        ts_response resp;
        assert_int_equal(ts_request(e->f.server, COAP_REQUEST_CODE_GET, "/3342/0/5500", -1,
                                    LWM2M_FORMAT_TEXT, -1, NULL, 0, 8000, &resp),
                         0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE_CONTENT);
        assert_memory_equal(resp.payload, "1", 1);
        ts_response_free(&resp);

        /* Another busctl pushes into the read-only state; the Owner is the daemon (""). */
        out = busctl(e,
                     "set-property org.lwm2md1 /org/lwm2md1/object/3342/0 "
                     "org.lwm2md1.Object3342 DigitalInputState b false",
                     &status);
        assert_int_equal(status, 0);
        free(out);
        out = busctl(e,
                     "get-property org.lwm2md1 /org/lwm2md1/object/3342/0 "
                     "org.lwm2md1.Instance Owner",
                     &status);
        assert_string_equal(out, "s \"\"\n");
        free(out);
        assert_int_equal(ts_request(e->f.server, COAP_REQUEST_CODE_GET, "/3342/0/5500", -1,
                                    LWM2M_FORMAT_TEXT, -1, NULL, 0, 8000, &resp),
                         0);
        assert_memory_equal(resp.payload, "0", 1);
        ts_response_free(&resp);

        /* A server writes it (nobody to ask) and cannot execute on it. */
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_PUT, "/3342/0/5750", 0, "Gate"),
                         COAP_RESPONSE_CODE_CHANGED);
        out = busctl(e,
                     "get-property org.lwm2md1 /org/lwm2md1/object/3342/0 "
                     "org.lwm2md1.Object3342 ApplicationType",
                     &status);
        assert_string_equal(out, "s \"Gate\"\n");
        free(out);

        /* An Execute on a held instance is announced by a signal for whoever listens. */
        executed ex = {0};
        assert_true(sd_bus_match_signal(e->op, NULL, "org.lwm2md1", NULL, "org.lwm2md1.Instance",
                                        "Executed", on_executed, &ex) >= 0);
        create_held(e, 3303, 5700, "d", 4.5);
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_POST, "/3303/0/5605", 0, "0='now'"),
                         COAP_RESPONSE_CODE_CHANGED);
        for (int64_t end = now_ms() + 5000; !ex.count && now_ms() < end;) {
                if (sd_bus_process(e->op, NULL) == 0)
                        sd_bus_wait(e->op, 100000);
        }
        assert_int_equal(ex.count, 1);
        assert_string_equal(ex.path, TEMP_PATH);
        assert_int_equal(ex.resource, 5605);
        assert_string_equal(ex.arguments, "0='now'");
        /* With -v, each server request is one line of the log. */
        assert_true(fixture_log_contains(&e->f, "server 1: POST /3303/0/5605 (message "));
        if (getenv("DUMPLOG"))
                fixture_print_log(&e->f, 20000);

        /* Until someone removes it. */
        updates = ts_update_count(e->f.server);
        out = busctl(e,
                     "call org.lwm2md1 /org/lwm2md1 org.lwm2md1.Manager RemoveInstance o "
                     "/org/lwm2md1/object/3342/0",
                     &status);
        assert_int_equal(status, 0);
        free(out);
        reg = wait_update_listing(e, updates, "</3342/0>", false);
        assert_non_null(reg);
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_GET, "/3342/0/5500", -1, NULL),
                         COAP_RESPONSE_CODE_NOT_FOUND);
        finish(e);
}

/* ManageObject: a server's Create of the object reaches the provider, which then owns
 * what it let be created. */
static void test_server_create_reaches_manager(void **state)
{
        env *e = *state;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        assert_true(provider_call(&e->prov, "/org/lwm2md1", "org.lwm2md1.Manager", "ManageObject",
                                  &error, NULL, "q", 3303) >= 0);
        const char *unique = NULL;
        sd_bus_get_unique_name(e->prov.bus, &unique);
        char *provider_name =
                get_string(e->op, "/org/lwm2md1/object/3303", "org.lwm2md1.Object", "Provider");
        assert_string_equal(provider_name, unique);
        free(provider_name);
        /* One provider per object. */
        assert_true(sd_bus_call_method(e->op, "org.lwm2md1", "/org/lwm2md1", "org.lwm2md1.Manager",
                                       "ManageObject", &error, NULL, "q", 3303) < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.Failed");
        sd_bus_error_free(&error);

        const char *senml = "[{\"bn\":\"/3303/4/\",\"n\":\"5750\",\"vs\":\"attic\"}]";
        ts_response resp;
        assert_int_equal(ts_request(e->f.server, COAP_REQUEST_CODE_POST, "/3303",
                                    LWM2M_FORMAT_SENML_JSON, -1, -1, senml, strlen(senml), 8000,
                                    &resp),
                         0);
        assert_int_equal(resp.code, COAP_RESPONSE_CODE_CREATED);
        assert_string_equal(resp.location, "3303/4");
        ts_response_free(&resp);
        provider seen_by = provider_snapshot(&e->prov);
        assert_int_equal(seen_by.creates, 1);
        assert_int_equal(seen_by.last_create_iid, 4);
        assert_string_equal(seen_by.last_create_names, "5750 ");
        char *owner =
                get_string(e->op, "/org/lwm2md1/object/3303/4", "org.lwm2md1.Instance", "Owner");
        assert_string_equal(owner, unique);
        free(owner);
        /* It is the provider's: a server Write of it asks the provider. */
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_PUT, "/3303/4/5750", 0, "loft"),
                         COAP_RESPONSE_CODE_CHANGED);
        assert_int_equal(provider_count(&e->prov, &e->prov.writes), 1);

        /* The provider's refusal is the server's error, and nothing is created. */
        pthread_mutex_lock(&e->prov.lock);
        e->prov.create_error = "org.lwm2md1.Error.NotAllowed";
        pthread_mutex_unlock(&e->prov.lock);
        senml = "[{\"bn\":\"/3303/5/\",\"n\":\"5750\",\"vs\":\"cellar\"}]";
        assert_int_equal(
                server_request(e, COAP_REQUEST_CODE_POST, "/3303", LWM2M_FORMAT_SENML_JSON, senml),
                COAP_RESPONSE_CODE_NOT_ALLOWED);
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_GET, "/3303/5", -1, NULL),
                         COAP_RESPONSE_CODE_NOT_FOUND);

        /* Released: Creates make plain instances again. */
        assert_true(provider_call(&e->prov, "/org/lwm2md1", "org.lwm2md1.Manager", "ReleaseObject",
                                  &error, NULL, "q", 3303) >= 0);
        provider_name =
                get_string(e->op, "/org/lwm2md1/object/3303", "org.lwm2md1.Object", "Provider");
        assert_string_equal(provider_name, "");
        free(provider_name);
        assert_int_equal(
                server_request(e, COAP_REQUEST_CODE_POST, "/3303", LWM2M_FORMAT_SENML_JSON, senml),
                COAP_RESPONSE_CODE_CREATED);
        assert_int_equal(provider_count(&e->prov, &e->prov.creates), 2);
        owner = get_string(e->op, "/org/lwm2md1/object/3303/5", "org.lwm2md1.Instance", "Owner");
        assert_string_equal(owner, "");
        free(owner);

        /* Managed again, then the provider leaves: its instance goes, the other stays. */
        assert_true(provider_call(&e->prov, "/org/lwm2md1", "org.lwm2md1.Manager", "ManageObject",
                                  &error, NULL, "q", 3303) >= 0);
        provider_stop(&e->prov);
        for (int64_t end = now_ms() + 5000; now_ms() < end;) {
                if (server_request(e, COAP_REQUEST_CODE_GET, "/3303/4", -1, NULL) ==
                    COAP_RESPONSE_CODE_NOT_FOUND)
                        break;
                usleep(50000);
        }
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_GET, "/3303/4", -1, NULL),
                         COAP_RESPONSE_CODE_NOT_FOUND);
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_GET, "/3303/5/5750", 0, NULL),
                         COAP_RESPONSE_CODE_CONTENT);
        provider_name =
                get_string(e->op, "/org/lwm2md1/object/3303", "org.lwm2md1.Object", "Provider");
        assert_string_equal(provider_name, "");
        free(provider_name);
        finish(e);
}

/* The bus restarts: the daemon takes its name again, providers' instances are gone
 * (the servers are told), held instances stay, and new providers are served. */
static void test_bus_restart_reconnects(void **state)
{
        env *e = *state;
        unsigned updates = ts_update_count(e->f.server);
        add_temperature(e);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        create_held(e, 3342, 5500, "b", 1);
        assert_non_null(wait_update_listing(e, updates, "</3342/0>", true));

        provider_stop(&e->prov);
        e->op = sd_bus_flush_close_unref(e->op);
        updates = ts_update_count(e->f.server);
        fixture_bus_kill(&e->bus);
        char log[400];
        snprintf(log, sizeof(log), "%s/dbus-daemon.log", e->f.dir);
        assert_int_equal(fixture_bus_start(&e->bus, TEST_BUS_CONFIG, log), 0);

        /* Whether the provider's loss or the bus's was seen first, its instance goes. */
        ts_registration *reg = wait_update_listing(e, updates, "</3303/0>", false);
        assert_non_null(reg);
        assert_non_null(strstr(reg->links, "</3342/0>"));
        assert_true(fixture_wait_log(&e->f, "lost the D-Bus connection; reconnecting", 5000));
        for (int64_t end = now_ms() + 10000;
             fixture_log_count(&e->f, "on D-Bus as org.lwm2md1") < 2 && now_ms() < end;)
                usleep(50000);
        if (fixture_log_count(&e->f, "on D-Bus as org.lwm2md1") != 2) {
                char *text = fixture_read_log(&e->f);
                fprintf(stderr, "%s", text);
                free(text);
                fail_msg("the daemon did not come back on the bus (its log is above)");
        }

        /* The new bus sees the held instance and takes a new provider. */
        assert_int_equal(provider_start(&e->prov, e->bus.address, true), 0);
        e->op = connect_to(e->bus.address);
        assert_non_null(e->op);
        int b = -1;
        assert_true(sd_bus_get_property_trivial(e->op, "org.lwm2md1", "/org/lwm2md1/object/3342/0",
                                                "org.lwm2md1.Object3342", "DigitalInputState",
                                                &error, 'b', &b) >= 0);
        assert_int_equal(b, 1);
        updates = ts_update_count(e->f.server);
        add_temperature(e);
        reg = wait_update_listing(e, updates, "</3303/0>", true);
        assert_non_null(reg);
        assert_true(server_read_float(e, "/3303/0/5700", LWM2M_FORMAT_TEXT) == 21.5);
        sd_bus_error_free(&error);
        finish(e);
}

/* ---- the documented interfaces (dbus/) against what the daemon serves ---- */

/* The members of one interface in introspection XML, one line each:
 * "method Name in:qq out:o", "property Name s read", "signal Name qs". */
typedef struct members {
        const char *iface;
        bool inside;
        char current[256];
        char text[4096];
} members;

static void members_flush(members *ms)
{
        if (!ms->current[0])
                return;
        size_t len = strlen(ms->text);
        snprintf(ms->text + len, sizeof(ms->text) - len, "%s\n", ms->current);
        ms->current[0] = '\0';
}

static const char *xml_attr(const char **attrs, const char *name)
{
        for (size_t i = 0; attrs[i]; i += 2)
                if (strcmp(attrs[i], name) == 0)
                        return attrs[i + 1];
        return "";
}

static void XMLCALL members_start(void *userdata, const char *el, const char **attrs)
{
        members *ms = userdata;
        size_t len = strlen(ms->current);
        if (strcmp(el, "interface") == 0)
                ms->inside = strcmp(xml_attr(attrs, "name"), ms->iface) == 0;
        else if (!ms->inside)
                return;
        else if (strcmp(el, "method") == 0 || strcmp(el, "signal") == 0)
                snprintf(ms->current, sizeof(ms->current), "%s %s", el, xml_attr(attrs, "name"));
        else if (strcmp(el, "property") == 0)
                snprintf(ms->current, sizeof(ms->current), "property %s %s %s",
                         xml_attr(attrs, "name"), xml_attr(attrs, "type"),
                         xml_attr(attrs, "access"));
        else if (strcmp(el, "arg") == 0)
                snprintf(ms->current + len, sizeof(ms->current) - len, " %s:%s",
                         xml_attr(attrs, "direction")[0] ? xml_attr(attrs, "direction") : "out",
                         xml_attr(attrs, "type"));
}

static void XMLCALL members_end(void *userdata, const char *el)
{
        members *ms = userdata;
        if (strcmp(el, "interface") == 0)
                ms->inside = false;
        else if (strcmp(el, "method") == 0 || strcmp(el, "signal") == 0 ||
                 strcmp(el, "property") == 0)
                members_flush(ms);
}

static int compare_lines(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The members of `iface` in `xml`, sorted, one per line (malloc'd). */
static char *interface_members(const char *xml, const char *iface)
{
        members ms = {.iface = iface};
        XML_Parser p = XML_ParserCreate(NULL);
        assert_non_null(p);
        XML_SetUserData(p, &ms);
        XML_SetElementHandler(p, members_start, members_end);
        if (XML_Parse(p, xml, (int)strlen(xml), 1) != XML_STATUS_OK)
                fail_msg("introspection XML of %s: %s", iface,
                         XML_ErrorString(XML_GetErrorCode(p)));
        XML_ParserFree(p);
        char *lines[128];
        size_t n = 0;
        for (char *save = NULL, *l = strtok_r(ms.text, "\n", &save); l && n < 128;
             l = strtok_r(NULL, "\n", &save))
                lines[n++] = l;
        qsort(lines, n, sizeof(*lines), compare_lines);
        char *out = calloc(1, sizeof(ms.text) + 1);
        assert_non_null(out);
        for (size_t i = 0; i < n; i++) {
                strcat(out, lines[i]);
                strcat(out, "\n");
        }
        return out;
}

static void test_documented_interfaces_match(void **state)
{
        env *e = *state;
        add_temperature(e);
        static const struct {
                const char *iface, *path;
        } served[] = {
                {"org.lwm2md1.Manager", "/org/lwm2md1"},
                {"org.lwm2md1.Server", "/org/lwm2md1/server/1"},
                {"org.lwm2md1.Object", "/org/lwm2md1/object/3303"},
                {"org.lwm2md1.Instance", TEMP_PATH},
        };
        for (size_t i = 0; i < sizeof(served) / sizeof(served[0]); i++) {
                char file[512];
                snprintf(file, sizeof(file), SOURCE_ROOT "/dbus/%s.xml", served[i].iface);
                char *doc = fixture_read_file(file);

                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;
                const char *live = NULL;
                assert_true(sd_bus_call_method(e->op, "org.lwm2md1", served[i].path,
                                               "org.freedesktop.DBus.Introspectable", "Introspect",
                                               &error, &reply, "") >= 0);
                assert_true(sd_bus_message_read(reply, "s", &live) >= 0);
                char *want = interface_members(doc, served[i].iface);
                char *got = interface_members(live, served[i].iface);
                assert_true(want[0] != '\0');
                if (strcmp(want, got) != 0)
                        fail_msg("%s: dbus/%s.xml documents\n%sbut the daemon serves\n%s",
                                 served[i].path, served[i].iface, want, got);
                free(want);
                free(got);
                free(doc);
                sd_bus_message_unref(reply);
        }
        finish(e);
}

/* Finds `path` in GetManagedObjects and whether it has `iface` with `property`. */
static bool managed_objects_have(sd_bus_message *m, const char *path, const char *iface,
                                 const char *property)
{
        bool found = false;
        assert_true(sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}") >= 0);
        while (sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}") > 0) {
                const char *p;
                assert_true(sd_bus_message_read_basic(m, 'o', &p) >= 0);
                bool here = strcmp(p, path) == 0;
                assert_true(sd_bus_message_enter_container(m, 'a', "{sa{sv}}") >= 0);
                while (sd_bus_message_enter_container(m, 'e', "sa{sv}") > 0) {
                        const char *i;
                        assert_true(sd_bus_message_read_basic(m, 's', &i) >= 0);
                        bool wanted = here && strcmp(i, iface) == 0;
                        assert_true(sd_bus_message_enter_container(m, 'a', "{sv}") >= 0);
                        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                                const char *name;
                                assert_true(sd_bus_message_read_basic(m, 's', &name) >= 0);
                                if (wanted && strcmp(name, property) == 0)
                                        found = true;
                                assert_true(sd_bus_message_skip(m, "v") >= 0);
                                assert_true(sd_bus_message_exit_container(m) >= 0);
                        }
                        assert_true(sd_bus_message_exit_container(m) >= 0);
                        assert_true(sd_bus_message_exit_container(m) >= 0);
                }
                assert_true(sd_bus_message_exit_container(m) >= 0);
                assert_true(sd_bus_message_exit_container(m) >= 0);
        }
        return found;
}

static void test_introspection_and_object_manager(void **state)
{
        env *e = *state;
        add_temperature(e);

        char cmd[1024];
        snprintf(cmd, sizeof(cmd),
                 "busctl --address='%s' introspect org.lwm2md1 " TEMP_PATH " 2>&1", e->bus.address);
        int status = -1;
        char *out = run_output(cmd, &status);
        assert_int_equal(status, 0);
        bool typed = false, method = false;
        for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
                char name[64], kind[16], sig[16];
                if (sscanf(line, "%63s %15s %15s", name, kind, sig) != 3)
                        continue;
                if (strcmp(name, ".SensorValue") == 0 && strcmp(kind, "property") == 0 &&
                    strcmp(sig, "d") == 0 && strstr(line, "21.5"))
                        typed = true;
                if (strcmp(name, ".ResetMinAndMaxMeasuredValues") == 0 &&
                    strcmp(kind, "method") == 0 && strcmp(sig, "s") == 0)
                        method = true;
        }
        free(out);
        assert_true(typed);
        assert_true(method);

        /* busctl tree walks down from the root to the instance. */
        snprintf(cmd, sizeof(cmd), "busctl --address='%s' tree org.lwm2md1 2>&1", e->bus.address);
        out = run_output(cmd, &status);
        assert_int_equal(status, 0);
        assert_non_null(strstr(out, TEMP_PATH));
        assert_non_null(strstr(out, "/org/lwm2md1/server/1"));
        free(out);

        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        assert_true(sd_bus_call_method(e->op, "org.lwm2md1", "/org/lwm2md1",
                                       "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                       &error, &reply, "") >= 0);
        assert_true(
                managed_objects_have(reply, TEMP_PATH, "org.lwm2md1.Object3303", "SensorUnits"));
        sd_bus_message_unref(reply);

        /* The definition, and the Manager's view. */
        reply = NULL;
        assert_true(sd_bus_get_property(e->op, "org.lwm2md1", "/org/lwm2md1/object/3303",
                                        "org.lwm2md1.Object", "Name", &error, &reply, "s") >= 0);
        const char *name = NULL;
        assert_true(sd_bus_message_read(reply, "s", &name) >= 0);
        assert_string_equal(name, "Temperature");
        sd_bus_message_unref(reply);
        reply = NULL;
        assert_true(sd_bus_get_property(e->op, "org.lwm2md1", "/org/lwm2md1", "org.lwm2md1.Manager",
                                        "State", &error, &reply, "s") >= 0);
        assert_true(sd_bus_message_read(reply, "s", &name) >= 0);
        assert_string_equal(name, "registered");
        sd_bus_message_unref(reply);
        sd_bus_error_free(&error);
        finish(e);
}

/* Property names and D-Bus types as lwm2md.dbus(5) describes them. */
static void test_typed_names_and_types(void **state)
{
        env *e = *state;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = provider_call(&e->prov, "/org/lwm2md1", "org.lwm2md1.Manager", "AddInstance",
                              &error, NULL, "qqa{qv}", 32770, 0, 3, 0, "i", 7, 5, "a{qx}", 2,
                              (uint16_t)1, (int64_t)10, (uint16_t)4, (int64_t)40, 7, "(qq)",
                              (uint16_t)3303, (uint16_t)0);
        if (r < 0)
                fail_msg("AddInstance: %s", error.message);

        char cmd[1024];
        snprintf(cmd, sizeof(cmd),
                 "busctl --address='%s' introspect org.lwm2md1 /org/lwm2md1/object/32770/0 2>&1",
                 e->bus.address);
        int status = -1;
        char *out = run_output(cmd, &status);
        assert_int_equal(status, 0);
        static const char *const expected[][3] = {
                {".Level_0", "property", "x"}, {".Level_1", "property", "d"},
                {".R3Phase", "property", "s"}, {".X", "property", "b"},
                {".DoIt", "method", "s"},      {".Counts", "property", "a{qx}"},
                {".Data", "property", "ay"},   {".Link", "property", "(qq)"},
        };
        for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
                bool found = false;
                char *copy = strdup(out);
                for (char *line = strtok(copy, "\n"); line && !found; line = strtok(NULL, "\n")) {
                        char name[64], kind[16], sig[16];
                        found = sscanf(line, "%63s %15s %15s", name, kind, sig) == 3 &&
                                strcmp(name, expected[i][0]) == 0 &&
                                strcmp(kind, expected[i][1]) == 0 &&
                                strcmp(sig, expected[i][2]) == 0;
                }
                free(copy);
                if (!found)
                        fail_msg("no %s %s %s in:\n%s", expected[i][0], expected[i][1],
                                 expected[i][2], out);
        }
        free(out);

        /* Values come back in those types: a dictionary for the multiple resource. */
        assert_int_equal(get_int64(e->op, "/org/lwm2md1/object/32770/0", "org.lwm2md1.Object32770",
                                   "Level_0"),
                         7);
        sd_bus_message *reply = NULL;
        assert_true(sd_bus_get_property(e->op, "org.lwm2md1", "/org/lwm2md1/object/32770/0",
                                        "org.lwm2md1.Object32770", "Counts", &error, &reply,
                                        "a{qx}") >= 0);
        uint16_t k1, k2;
        int64_t v1, v2;
        assert_true(sd_bus_message_read(reply, "a{qx}", 2, &k1, &v1, &k2, &v2) >= 0);
        assert_int_equal(k1, 1);
        assert_int_equal(v1, 10);
        assert_int_equal(k2, 4);
        assert_int_equal(v2, 40);
        sd_bus_message_unref(reply);
        /* No value yet: the zero value for Get, NoValue for Read. */
        assert_true(get_double(e->op, "/org/lwm2md1/object/32770/0", "org.lwm2md1.Object32770",
                               "Level_1") == 0.0);
        assert_true(sd_bus_call_method(e->op, "org.lwm2md1", "/org/lwm2md1/object/32770/0",
                                       "org.lwm2md1.Instance", "Read", &error, NULL, "q", 1) < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.NoValue");
        sd_bus_error_free(&error);
        finish(e);
}

/* Under the shipped policy: an unprivileged caller reads but cannot change. */
static void test_policy_refuses_unprivileged_callers(void **state)
{
        env *e = *state;
        if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0) {
                fprintf(stderr, "skipped: needs root and setpriv to act as an unprivileged user\n");
                skip();
        }
        add_temperature(e);
        char cmd[2048];
        int status = -1;
        snprintf(cmd, sizeof(cmd),
                 "setpriv --reuid=65534 --regid=65534 --clear-groups busctl --address='%s' "
                 "get-property org.lwm2md1 " TEMP_PATH " org.lwm2md1.Object3303 SensorValue 2>&1",
                 e->bus.address);
        char *out = run_output(cmd, &status);
        if (status != 0)
                fail_msg("Get as nobody: %s", out);
        assert_non_null(strstr(out, "d 21.5"));
        free(out);

        snprintf(cmd, sizeof(cmd),
                 "setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '"
                 "import dbus, sys\n"
                 "b = dbus.bus.BusConnection(sys.argv[1])\n"
                 "o = b.get_object(\"org.lwm2md1\", \"" TEMP_PATH "\")\n"
                 "try:\n"
                 "    o.SetValues({dbus.UInt16(5700): dbus.Double(99.0)}, "
                 "dbus_interface=\"org.lwm2md1.Instance\")\n"
                 "    print(\"accepted\")\n"
                 "except dbus.DBusException as e:\n"
                 "    print(e.get_dbus_name())\n"
                 "' '%s' 2>&1",
                 e->bus.address);
        out = run_output(cmd, &status);
        if (!strstr(out, "org.freedesktop.DBus.Error.AccessDenied"))
                fail_msg("SetValues as nobody: %s", out);
        free(out);
        assert_true(get_double(e->op, TEMP_PATH, "org.lwm2md1.Object3303", "SensorValue") == 21.5);
        finish(e);
}

/* ---- local callers as other users, under the shipped policy ---- */

/* Two providers (in the provider group), and an administrator (admin group too):
 * e->users[], system users that exist here (dbus-daemon drops a connection from
 * a uid that has no passwd entry), their groups set by setpriv. */
#define PROVIDER_1 (e->users[0])
#define PROVIDER_2 (e->users[1])
#define ADMIN_USER (e->users[2])
#define HELD_PATH  "/org/lwm2md1/object/3342/0"
#define DENIED     "error org.lwm2md1.Error.AccessDenied "
/* The documented defaults of max-instances-per-caller and max-value-size (lwm2md.conf(5)). */
#define DEFAULT_MAX_INSTANCES  1024u
#define DEFAULT_MAX_VALUE_SIZE ((size_t)65536)

/* bus_caller.py on a connection of its own, as another user (setpriv). */
typedef struct caller {
        pid_t pid;
        int to;   /* its stdin: commands */
        int from; /* its stdout: one answer line per command */
} caller;

static void caller_start(env *e, caller *c, uid_t uid, bool admin)
{
        char reuid[32], regid[32], groups[64], script[128];
        snprintf(reuid, sizeof(reuid), "--reuid=%u", (unsigned)uid);
        snprintf(regid, sizeof(regid), "--regid=%u", (unsigned)uid);
        if (admin)
                snprintf(groups, sizeof(groups), "--groups=%u,%u", (unsigned)e->provider_gid,
                         (unsigned)admin_group()->gr_gid);
        else
                snprintf(groups, sizeof(groups), "--groups=%u", (unsigned)e->provider_gid);
        snprintf(script, sizeof(script), "%s/bus_caller.py", e->policy_dir);
        int in[2], out[2];
        assert_int_equal(pipe2(in, O_CLOEXEC), 0);
        assert_int_equal(pipe2(out, O_CLOEXEC), 0);
        c->pid = fork();
        assert_true(c->pid >= 0);
        if (c->pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGTERM);
                dup2(in[0], STDIN_FILENO);
                dup2(out[1], STDOUT_FILENO);
                dup2(out[1], STDERR_FILENO);
                execl("/usr/bin/setpriv", "setpriv", reuid, regid, groups, "/usr/bin/python3",
                      script, e->bus.address, (char *)NULL);
                _exit(127);
        }
        close(in[0]);
        close(out[1]);
        c->to = in[1];
        c->from = out[0];
}

/* Sends one command and returns its answer line (malloc'd, without the newline). */
__attribute__((format(printf, 2, 3))) static char *caller_do(caller *c, const char *fmt, ...)
{
        char *cmd = NULL;
        va_list ap;
        va_start(ap, fmt);
        assert_true(vasprintf(&cmd, fmt, ap) > 0);
        va_end(ap);
        size_t len = strlen(cmd);
        assert_true(write(c->to, cmd, len) == (ssize_t)len);
        assert_true(write(c->to, "\n", 1) == 1);
        size_t cap = 256, n = 0;
        char *line = malloc(cap);
        assert_non_null(line);
        for (;;) {
                struct pollfd pfd = {.fd = c->from, .events = POLLIN};
                if (poll(&pfd, 1, 60000) <= 0)
                        fail_msg("no answer to '%s'", cmd);
                if (n + 1 == cap) {
                        cap *= 2;
                        line = realloc(line, cap);
                        assert_non_null(line);
                }
                ssize_t got = read(c->from, line + n, 1);
                if (got <= 0) {
                        line[n] = '\0';
                        fail_msg("the caller ended during '%s': %s", cmd, line);
                }
                if (line[n] == '\n')
                        break;
                n++;
        }
        line[n] = '\0';
        free(cmd);
        return line;
}

/* Runs a command and checks that the answer starts with `want` and holds `part`. */
#define caller_expect(c, want, part, ...)                                                          \
        do {                                                                                       \
                char *answer_ = caller_do(c, __VA_ARGS__);                                         \
                const char *part_ = (part);                                                        \
                if (strncmp(answer_, want, strlen(want)) != 0 ||                                   \
                    (part_ && !strstr(answer_, part_)))                                            \
                        fail_msg("line %d: got '%s', want '%s...%s'", __LINE__, answer_, want,     \
                                 part_ ? part_ : "");                                              \
                free(answer_);                                                                     \
        } while (0)

/* Closes its connection (the caller leaves the bus). */
static void caller_stop(caller *c)
{
        if (c->pid <= 0)
                return;
        close(c->to);
        close(c->from);
        waitpid(c->pid, NULL, 0);
        c->pid = 0;
}

static bool skipped(env *e)
{
        if (!e->skip_reason)
                return false;
        fprintf(stderr, "skipped: %s\n", e->skip_reason);
        return true;
}

/* A provider changes and removes only what it added; a held instance, only its creator's uid. */
static void test_providers_change_only_their_own(void **state)
{
        env *e = *state;
        if (skipped(e))
                skip();
        caller p1, p1_again, p2;
        caller_start(e, &p1, PROVIDER_1, false);
        caller_start(e, &p1_again, PROVIDER_1, false);
        caller_start(e, &p2, PROVIDER_2, false);
        caller_expect(&p1, "ok " TEMP_PATH, NULL, "add 3303 0 5700:d:1.5 5701:s:Cel");

        /* Another provider, whichever way it tries. */
        caller_expect(&p2, DENIED, "/3303/0 is owned by :1.", "setvalues %s 5700:d:99", TEMP_PATH);
        caller_expect(&p2, DENIED, "only its owner and root", "write %s 5750:s:Hijacked",
                      TEMP_PATH);
        caller_expect(&p2, DENIED, "is owned by", "set %s org.lwm2md1.Object3303 SensorValue d:99",
                      TEMP_PATH);
        caller_expect(&p2, DENIED, "may execute on it", "exec %s 5605", TEMP_PATH);
        caller_expect(&p2, DENIED, "may remove it", "remove %s", TEMP_PATH);
        caller_expect(&p2, DENIED, "is owned by", "setvaluesat %s 1767225600 5700:d:99", TEMP_PATH);
        /* Send is for whoever may change what it sends: reading is not enough. */
        caller_expect(&p2, DENIED, "/3303/0 is owned by :1.", "send /3303/0/5700");
        caller_expect(&p2, DENIED, "may send it", "send /3303");
        caller_expect(&p2, DENIED, "/3/0 belongs to the daemon", "send /3/0/0");
        /* The owner passes the checks (test_observe.c follows Sends to the server). */
        caller_expect(&p1, "ok", NULL, "send /3303/0/5700 /3303/0");
        /* Ownership is the connection's: the same user on another one is someone else. */
        caller_expect(&p1_again, DENIED, "is owned by", "write %s 5750:s:Hijacked", TEMP_PATH);
        assert_true(get_double(e->op, TEMP_PATH, "org.lwm2md1.Object3303", "SensorValue") == 1.5);
        char *text = get_string(e->op, TEMP_PATH, "org.lwm2md1.Object3303", "ApplicationType");
        assert_string_equal(text, "");
        free(text);

        /* The owner itself may (root's writes go to the owner's Write, as
         * test_operator_writes_ask_the_owner shows: this caller answers no calls). */
        caller_expect(&p1, "ok", NULL, "set %s org.lwm2md1.Object3303 SensorValue d:2.5",
                      TEMP_PATH);
        caller_expect(&p1, "ok", NULL, "write %s 5750:s:Kitchen", TEMP_PATH);
        assert_true(get_double(e->op, TEMP_PATH, "org.lwm2md1.Object3303", "SensorValue") == 2.5);
        text = get_string(e->op, TEMP_PATH, "org.lwm2md1.Object3303", "ApplicationType");
        assert_string_equal(text, "Kitchen");
        free(text);
        sd_bus_error error = SD_BUS_ERROR_NULL;

        /* A held instance: its creator's uid, on any connection, and root. */
        caller_expect(&p1, "ok " HELD_PATH, NULL, "create 3342 65535 5500:b:1");
        caller_expect(&p2, DENIED, "was created by another user", "setvalues %s 5500:b:0",
                      HELD_PATH);
        caller_expect(&p2, DENIED, "only its creator and root", "remove %s", HELD_PATH);
        caller_expect(&p2, DENIED, "created by another user", "write %s 5750:s:Hijacked",
                      HELD_PATH);
        caller_stop(&p1);
        caller_expect(&p1_again, "ok", NULL, "setvalues %s 5500:b:0 5750:s:Door", HELD_PATH);
        text = get_string(e->op, HELD_PATH, "org.lwm2md1.Object3342", "ApplicationType");
        assert_string_equal(text, "Door");
        free(text);
        caller_expect(&p1_again, "ok", NULL, "remove %s", HELD_PATH);
        caller_expect(&p2, "ok " HELD_PATH, NULL, "create 3342 65535 5500:b:1");
        assert_true(sd_bus_call_method(e->op, "org.lwm2md1", "/org/lwm2md1", "org.lwm2md1.Manager",
                                       "RemoveInstance", &error, NULL, "o", HELD_PATH) >= 0);
        caller_stop(&p1_again);
        caller_stop(&p2);
        finish(e);
}

static bool file_appears(env *e, const char *name, int timeout_ms)
{
        char path[400];
        snprintf(path, sizeof(path), "%s/%s", e->f.dir, name);
        for (int64_t end = now_ms() + timeout_ms;; usleep(20000)) {
                if (access(path, F_OK) == 0)
                        return true;
                if (now_ms() >= end)
                        return false;
        }
}

/* Reboot, Factory Reset and the objects that decide whom the device talks to are
 * for root (and the admin group, below); secrets for nobody. */
static void test_device_and_servers_for_root(void **state)
{
        env *e = *state;
        if (skipped(e))
                skip();
        caller p1;
        caller_start(e, &p1, PROVIDER_1, false);
        caller_expect(&p1, DENIED, "/3/0/4: executing Device resources is reserved to root",
                      "exec /org/lwm2md1/object/3/0 4");
        caller_expect(&p1, DENIED, "/3/0/12: executing Device", "exec /org/lwm2md1/object/3/0 12");
        caller_expect(&p1, DENIED, "/3/0 belongs to the daemon",
                      "set /org/lwm2md1/object/3/0 org.lwm2md1.Object3 Timezone s:Europe/Paris");
        caller_expect(&p1, DENIED, "/1/0: changing Security, Server and Access Control",
                      "write /org/lwm2md1/object/1/0 1:x:120");
        caller_expect(&p1, DENIED, "/1/0: changing", "exec /org/lwm2md1/object/1/0 8");
        caller_expect(&p1, DENIED, "/0/0: changing",
                      "setvalues /org/lwm2md1/object/0/0 "
                      "0:s:coap://127.0.0.1:1");
        caller_expect(&p1, DENIED, "holds a credential", "read /org/lwm2md1/object/0/0 5");
        assert_false(file_appears(e, "rebooted", 300));

        /* Root may; a secret stays unreadable even for root. */
        sd_bus_error error = SD_BUS_ERROR_NULL;
        if (sd_bus_call_method(e->op, "org.lwm2md1", "/org/lwm2md1/object/3/0",
                               "org.lwm2md1.Instance", "Execute", &error, NULL, "qs", 4, "") < 0)
                fail_msg("root's Reboot: %s", error.message);
        assert_true(file_appears(e, "rebooted", 5000));
        if (sd_bus_call_method(e->op, "org.lwm2md1", "/org/lwm2md1/object/1/0",
                               "org.lwm2md1.Instance", "Write", &error, NULL, "qv", 1, "x",
                               (int64_t)120) < 0)
                fail_msg("root's Lifetime: %s", error.message);
        assert_int_equal(
                get_int64(e->op, "/org/lwm2md1/object/1/0", "org.lwm2md1.Object1", "Lifetime"),
                120);
        assert_true(sd_bus_call_method(e->op, "org.lwm2md1", "/org/lwm2md1/object/0/0",
                                       "org.lwm2md1.Instance", "Read", &error, NULL, "q", 5) < 0);
        assert_string_equal(error.name, "org.lwm2md1.Error.AccessDenied");
        sd_bus_error_free(&error);
        caller_stop(&p1);
        finish(e);
}

/* admin-group: its members may what root may. */
static void test_admin_group_administers(void **state)
{
        env *e = *state;
        if (skipped(e))
                skip();
        caller admin, p1;
        caller_start(e, &admin, ADMIN_USER, true);
        caller_start(e, &p1, PROVIDER_1, false);
        char rule[128];
        snprintf(rule, sizeof(rule), "reserved to root and the admin group '%s' (admin-group)",
                 admin_group()->gr_name);
        caller_expect(&p1, DENIED, rule, "exec /org/lwm2md1/object/3/0 4");
        assert_false(file_appears(e, "rebooted", 300));
        caller_expect(&admin, "ok", NULL, "exec /org/lwm2md1/object/3/0 4");
        assert_true(file_appears(e, "rebooted", 5000));
        caller_expect(&admin, "ok", NULL, "write /org/lwm2md1/object/1/0 1:x:90");
        assert_int_equal(
                get_int64(e->op, "/org/lwm2md1/object/1/0", "org.lwm2md1.Object1", "Lifetime"), 90);
        /* And another caller's instances. */
        caller_expect(&p1, "ok " HELD_PATH, NULL, "create 3342 65535 5500:b:1");
        caller_expect(&admin, "ok", NULL, "remove %s", HELD_PATH);
        caller_stop(&admin);
        caller_stop(&p1);
        finish(e);
}

/* max-instances-per-caller: per connection for AddInstance, per uid for CreateInstance. */
static void test_instances_per_caller_are_limited(void **state)
{
        env *e = *state;
        if (skipped(e))
                skip();
        caller p1, p1_again, p2, p2_again;
        caller_start(e, &p1, PROVIDER_1, false);
        caller_start(e, &p1_again, PROVIDER_1, false);
        caller_start(e, &p2, PROVIDER_2, false);
        caller_start(e, &p2_again, PROVIDER_2, false);
        unsigned max = DEFAULT_MAX_INSTANCES;
        char limit[128];
        caller_expect(&p1, "ok", NULL, "addmany %u 3342 5500:b:1", max);
        snprintf(limit, sizeof(limit), "already owns %u instances (max-instances-per-caller)", max);
        caller_expect(&p1, "error org.lwm2md1.Error.LimitExceeded after 0: caller :1.", limit,
                      "addmany 1 3342 5500:b:1");
        /* Another connection of the same user has its own count. */
        caller_expect(&p1_again, "ok", NULL, "addmany 1 3342 5500:b:1");

        caller_expect(&p2, "ok", NULL, "createmany %u 3342 5500:b:1", max);
        snprintf(limit, sizeof(limit), "uid %u already holds %u instances", (unsigned)PROVIDER_2,
                 max);
        caller_expect(&p2_again, "error org.lwm2md1.Error.LimitExceeded", limit,
                      "create 3342 65535 5500:b:1");
        caller_expect(&p1, "ok", NULL, "create 3342 65535 5500:b:1");
        /* Removing one makes room again: 3342/0-1023 are p1's, 1024 p1_again's, then p2's. */
        caller_expect(&p2_again, "ok", NULL, "remove /org/lwm2md1/object/3342/%u", 2 * max);
        caller_expect(&p2_again, "ok", NULL, "create 3342 65535 5500:b:1");
        caller_expect(&p2_again, "error org.lwm2md1.Error.LimitExceeded", limit,
                      "create 3342 65535 5500:b:1");
        /* The provider that leaves frees its count with its instances. */
        caller_stop(&p1);
        caller_expect(&p1_again, "ok", NULL, "addmany 1 3342 5500:b:1");
        caller_stop(&p1_again);
        caller_stop(&p2_again);
        finish(e);
}

/* max-value-size: every String and Opaque a local caller pushes, whichever way. */
static void test_values_over_max_size_are_refused(void **state)
{
        env *e = *state;
        if (skipped(e))
                skip();
        caller p1;
        caller_start(e, &p1, PROVIDER_1, false);
        size_t max = DEFAULT_MAX_VALUE_SIZE;
        char limit[128];
        snprintf(limit, sizeof(limit),
                 "Sensor Units (5701): %zu bytes, more than max-value-size (%zu)", max + 1, max);
        caller_expect(&p1, "error org.lwm2md1.Error.InvalidValue", limit,
                      "add 3303 0 5700:d:1 5701:S:%zu", max + 1);
        caller_expect(&p1, "ok " TEMP_PATH, NULL, "add 3303 0 5700:d:1 5701:S:%zu", max);
        caller_expect(&p1, "error org.lwm2md1.Error.InvalidValue", limit, "setvalues %s 5701:S:%zu",
                      TEMP_PATH, max + 1);
        caller_expect(&p1, "error org.lwm2md1.Error.InvalidValue", "max-value-size",
                      "write %s 5750:S:%zu", TEMP_PATH, max + 1);
        caller_expect(&p1, "error org.lwm2md1.Error.InvalidValue", "max-value-size",
                      "set %s org.lwm2md1.Object3303 ApplicationType S:%zu", TEMP_PATH, max + 1);
        caller_expect(&p1, "error org.lwm2md1.Error.InvalidValue", "max-value-size",
                      "create 3303 65535 5750:S:%zu", max + 1);
        /* Opaque alike (Data, resource 6 of the test object 32770). */
        snprintf(limit, sizeof(limit), "Data (6): %zu bytes, more than max-value-size", max + 1);
        caller_expect(&p1, "error org.lwm2md1.Error.InvalidValue", limit, "add 32770 0 6:Y:%zu",
                      max + 1);
        caller_expect(&p1, "ok", NULL, "add 32770 0 6:Y:%zu", max);
        /* Nothing of the refused values was kept. */
        char *units = get_string(e->op, TEMP_PATH, "org.lwm2md1.Object3303", "SensorUnits");
        assert_int_equal(strlen(units), max);
        free(units);
        caller_stop(&p1);
        finish(e);
}

/* An Owner.Read answer is a push too. */
static void test_owner_read_answer_over_max_size(void **state)
{
        env *e = *state;
        add_temperature(e);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        assert_true(provider_call(&e->prov, TEMP_PATH, "org.lwm2md1.Instance", "SetOnDemand",
                                  &error, NULL, "aq", 1, 5701) >= 0);
        pthread_mutex_lock(&e->prov.lock);
        e->prov.on_demand_units_len = DEFAULT_MAX_VALUE_SIZE + 1;
        pthread_mutex_unlock(&e->prov.lock);
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_GET, "/3303/0/5701", -1, NULL),
                         COAP_RESPONSE_CODE_INTERNAL_ERROR);
        assert_true(fixture_wait_log(&e->f, "more than max-value-size", 3000));
        char *units = get_string(e->op, TEMP_PATH, "org.lwm2md1.Object3303", "SensorUnits");
        assert_string_equal(units, "Cel");
        free(units);
        /* At the limit it is taken. */
        pthread_mutex_lock(&e->prov.lock);
        e->prov.on_demand_units_len = 16;
        pthread_mutex_unlock(&e->prov.lock);
        assert_int_equal(server_request(e, COAP_REQUEST_CODE_GET, "/3303/0/5701", -1, NULL),
                         COAP_RESPONSE_CODE_CONTENT);
        units = get_string(e->op, TEMP_PATH, "org.lwm2md1.Object3303", "SensorUnits");
        assert_string_equal(units, "uuuuuuuuuuuuuuuu");
        free(units);
        finish(e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_provider_values_reach_server, setup, teardown),
                cmocka_unit_test_setup_teardown(test_values_with_their_time, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_values_are_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_server_write_reaches_owner, setup, teardown),
                cmocka_unit_test_setup_teardown(test_blockwise_write_reaches_owner, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_owner_without_owner_interface, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_execute_reaches_owner, setup, teardown),
                cmocka_unit_test_setup_teardown(test_silent_owner_gives_5_00_without_blocking,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_on_demand_read, setup, teardown),
                cmocka_unit_test_setup_teardown(test_operator_writes_ask_the_owner, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_held_instance_outlives_its_creator, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_bus_restart_reconnects, setup, teardown),
                cmocka_unit_test_setup_teardown(test_server_create_reaches_manager, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_owner_leaving_removes_instances, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_introspection_and_object_manager, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_typed_names_and_types, setup_names, teardown),
                cmocka_unit_test_setup_teardown(test_documented_interfaces_match, setup, teardown),
                cmocka_unit_test_setup_teardown(test_policy_refuses_unprivileged_callers,
                                                setup_policy, teardown),
                cmocka_unit_test_setup_teardown(test_providers_change_only_their_own,
                                                setup_group_policy, teardown),
                cmocka_unit_test_setup_teardown(test_device_and_servers_for_root,
                                                setup_group_policy, teardown),
                cmocka_unit_test_setup_teardown(test_admin_group_administers,
                                                setup_group_policy_admin, teardown),
                cmocka_unit_test_setup_teardown(test_instances_per_caller_are_limited,
                                                setup_group_policy, teardown),
                cmocka_unit_test_setup_teardown(test_values_over_max_size_are_refused,
                                                setup_group_policy, teardown),
                cmocka_unit_test_setup_teardown(test_owner_read_answer_over_max_size, setup,
                                                teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
