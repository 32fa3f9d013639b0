/* connmon.c - the Connectivity Monitoring object (/4/0): the interface, addresses and
 * routers read from the kernel when read, radio figures fed in from ModemManager. */
#include "objects/connmon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/oma.h"
#include "util/macro.h"
#include "util/sysfile.h"

/* ModemManager's MMModemAccessTechnology flags. */
enum {
        MM_GSM = 1u << 1,
        MM_GSM_COMPACT = 1u << 2,
        MM_GPRS = 1u << 3,
        MM_EDGE = 1u << 4,
        MM_UMTS = 1u << 5,
        MM_HSDPA = 1u << 6,
        MM_HSUPA = 1u << 7,
        MM_HSPA = 1u << 8,
        MM_HSPA_PLUS = 1u << 9,
        MM_1XRTT = 1u << 10,
        MM_EVDO0 = 1u << 11,
        MM_EVDOA = 1u << 12,
        MM_EVDOB = 1u << 13,
        MM_LTE = 1u << 14,
        MM_5GNR = 1u << 15,
        MM_LTE_CAT_M = 1u << 16,
        MM_LTE_NB_IOT = 1u << 17,
};

#define CONNMON_LAST_RESOURCE 12 /* LAC */

struct connmon_object {
        lwm2m_tree *tree;
        lwm2m_owner owner;
        char *interface; /* configured, or NULL */
        struct sockaddr_storage peer;
        socklen_t peer_len; /* 0: none */
        connmon_radio radio;
};

int connmon_bearer_of_access_technologies(uint32_t flags)
{
        /* The object has no 5G value in this version and no FDD/TDD distinction
         * in ModemManager: LTE and 5G NR both read as LTE-FDD, the common case. */
        if (flags & (MM_LTE | MM_5GNR | MM_LTE_CAT_M))
                return CONNMON_BEARER_LTE_FDD;
        if (flags & MM_LTE_NB_IOT)
                return CONNMON_BEARER_NB_IOT;
        if (flags & (MM_UMTS | MM_HSDPA | MM_HSUPA | MM_HSPA | MM_HSPA_PLUS))
                return CONNMON_BEARER_WCDMA;
        if (flags & (MM_1XRTT | MM_EVDO0 | MM_EVDOA | MM_EVDOB))
                return CONNMON_BEARER_CDMA2000;
        if (flags & (MM_GSM | MM_GSM_COMPACT | MM_GPRS | MM_EDGE))
                return CONNMON_BEARER_GSM;
        return CONNMON_BEARER_UNKNOWN;
}

int connmon_bearer_of_link(int arphrd, bool wireless, bool wwan)
{
        if (wwan)
                return CONNMON_BEARER_UNKNOWN; /* the modem's access technology says */
        if (wireless || arphrd == ARPHRD_IEEE80211 || arphrd == ARPHRD_IEEE80211_PRISM ||
            arphrd == ARPHRD_IEEE80211_RADIOTAP)
                return CONNMON_BEARER_WLAN;
        /* Loopback carries no bearer at all; wireline is the least wrong of the
         * object's values, and it keeps the mandatory resource present. */
        if (arphrd == ARPHRD_ETHER || arphrd == ARPHRD_LOOPBACK)
                return CONNMON_BEARER_ETHERNET;
        if (arphrd == ARPHRD_PPP)
                return CONNMON_BEARER_DSL; /* PPP without a modem: PPPoE */
        return CONNMON_BEARER_UNKNOWN;
}

/* The route tables are read from /proc/net/route and /proc/net/ipv6_route
 * rather than over rtnetlink: two short text files that hold exactly the
 * default routes needed, per network namespace, without a new dependency. */

/* Calls `fn` for each default route of /proc/net/route text. */
static void each_default_v4(const char *text, void (*fn)(void *, const char *, uint32_t, long),
                            void *userdata)
{
        const char *line = text ? strchr(text, '\n') : NULL; /* the header */
        while (line && *++line) {
                char ifname[CONNMON_IFNAME_SIZE + 1];
                unsigned dest, gateway, flags, mask;
                long metric;
                if (sscanf(line, "%16s %x %x %x %*d %*d %ld %x", ifname, &dest, &gateway, &flags,
                           &metric, &mask) == 6 &&
                    dest == 0 && mask == 0 && (flags & 0x1 /* RTF_UP */))
                        fn(userdata, ifname, gateway, metric);
                line = strchr(line, '\n');
        }
}

typedef struct best_route {
        char *ifname;
        size_t size;
        long metric;
        bool found;
} best_route;

static void keep_best(void *userdata, const char *ifname, uint32_t gateway, long metric)
{
        best_route *b = userdata;
        if (b->found && metric >= b->metric)
                return;
        if (strlen(ifname) >= b->size)
                return;
        strcpy(b->ifname, ifname);
        b->metric = metric;
        b->found = true;
}

int connmon_default_interface(const char *route_text, char *ifname, size_t size)
{
        best_route b = {.ifname = ifname, .size = size};
        each_default_v4(route_text, keep_best, &b);
        return b.found ? 0 : -ENOENT;
}

static void add_router(connmon_network *net, int family, const void *addr)
{
        char text[CONNMON_ADDRESS_SIZE];
        if (net->n_routers >= CONNMON_MAX_ADDRESSES || !inet_ntop(family, addr, text, sizeof(text)))
                return;
        for (size_t i = 0; i < net->n_routers; i++)
                if (strcmp(net->routers[i], text) == 0)
                        return; /* one router, several metrics */
        strcpy(net->routers[net->n_routers++], text);
}

static void router_v4(void *userdata, const char *ifname, uint32_t gateway, long metric)
{
        connmon_network *net = userdata;
        /* The kernel prints the address as it lies in memory: same host, same order. */
        struct in_addr a = {.s_addr = gateway};
        if (strcmp(ifname, net->interface) == 0 && gateway != 0)
                add_router(net, AF_INET, &a);
}

static bool parse_hex16(const char *s, uint8_t out[16])
{
        for (size_t i = 0; i < 16; i++) {
                unsigned b;
                if (sscanf(s + 2 * i, "%2x", &b) != 1)
                        return false;
                out[i] = (uint8_t)b;
        }
        return true;
}

void connmon_parse_routers(const char *route_text, const char *ipv6_route_text,
                           connmon_network *net)
{
        each_default_v4(route_text, router_v4, net);
        for (const char *line = ipv6_route_text; line && *line;) {
                char dest[33], next[33], ifname[CONNMON_IFNAME_SIZE + 1];
                unsigned plen, flags;
                uint8_t hop[16], zero[16] = {0};
                if (sscanf(line, "%32[0-9a-f] %x %*32[0-9a-f] %*x %32[0-9a-f] %*x %*x %*x %x %16s",
                           dest, &plen, next, &flags, ifname) == 5 &&
                    (flags & 0x1 /* RTF_UP */) && !(flags & 0x200 /* RTF_REJECT */) &&
                    strspn(dest, "0") == 32 && plen == 0 && strlen(next) == 32 &&
                    strcmp(ifname, net->interface) == 0 && parse_hex16(next, hop) &&
                    memcmp(hop, zero, 16) != 0)
                        add_router(net, AF_INET6, hop);
                line = strchr(line, '\n');
                if (line)
                        line++;
        }
}

static int link_bearer(const char *ifname)
{
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "/sys/class/net/%s/type", ifname);
        _cleanup_free_ char *type = sysfile_read(path, 32, NULL);
        snprintf(path, sizeof(path), "/sys/class/net/%s/uevent", ifname);
        _cleanup_free_ char *uevent = sysfile_read(path, 4096, NULL);
        snprintf(path, sizeof(path), "/sys/class/net/%s/wireless", ifname);
        struct stat st;
        bool wireless = stat(path, &st) == 0 || (uevent && strstr(uevent, "DEVTYPE=wlan"));
        bool wwan = uevent && strstr(uevent, "DEVTYPE=wwan");
        return connmon_bearer_of_link(type ? atoi(type) : -1, wireless, wwan);
}

static bool is_link_local_v6(const struct in6_addr *a)
{
        return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

static void add_available(connmon_network *net, int bearer)
{
        if (bearer == CONNMON_BEARER_UNKNOWN)
                return;
        for (size_t i = 0; i < net->n_available; i++)
                if (net->available[i] == bearer)
                        return;
        if (net->n_available < ELEMENTSOF(net->available))
                net->available[net->n_available++] = bearer;
}

/* The addresses of net->interface (link-local IPv6 only when it has no other),
 * and the bearers of every other interface that is up. */
static int read_addresses(connmon_network *net)
{
        struct ifaddrs *list = NULL;
        if (getifaddrs(&list) < 0)
                return -errno;
        for (int pass = 0; pass < 2 && net->n_addresses == 0; pass++)
                for (struct ifaddrs *i = list; i; i = i->ifa_next) {
                        if (!i->ifa_addr || strcmp(i->ifa_name, net->interface) != 0 ||
                            net->n_addresses >= CONNMON_MAX_ADDRESSES)
                                continue;
                        const void *a;
                        if (i->ifa_addr->sa_family == AF_INET)
                                a = &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
                        else if (i->ifa_addr->sa_family == AF_INET6) {
                                a = &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;
                                if (pass == 0 && is_link_local_v6(a))
                                        continue;
                        } else
                                continue;
                        if (inet_ntop(i->ifa_addr->sa_family, a, net->addresses[net->n_addresses],
                                      CONNMON_ADDRESS_SIZE))
                                net->n_addresses++;
                }
        for (struct ifaddrs *i = list; i; i = i->ifa_next)
                if (i->ifa_addr && i->ifa_addr->sa_family == AF_PACKET && (i->ifa_flags & IFF_UP) &&
                    !(i->ifa_flags & IFF_LOOPBACK) && strcmp(i->ifa_name, net->interface) != 0)
                        add_available(net, link_bearer(i->ifa_name));
        freeifaddrs(list);
        return 0;
}

static bool is_loopback(const struct sockaddr *sa)
{
        if (sa->sa_family == AF_INET)
                return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >>
                        24) == 127;
        if (sa->sa_family == AF_INET6) {
                const struct in6_addr *a =
                        &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
                return IN6_IS_ADDR_LOOPBACK(a) ||
                       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
        }
        return false;
}

static bool same_address(const struct sockaddr *a, const struct sockaddr *b)
{
        if (a->sa_family != b->sa_family)
                return false;
        if (a->sa_family == AF_INET)
                return ((const struct sockaddr_in *)(const void *)a)->sin_addr.s_addr ==
                       ((const struct sockaddr_in *)(const void *)b)->sin_addr.s_addr;
        return a->sa_family == AF_INET6 &&
               memcmp(&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)(const void *)b)->sin6_addr,
                      sizeof(struct in6_addr)) == 0;
}

int connmon_interface_toward(const struct sockaddr *peer, socklen_t len, char *ifname, size_t size)
{
        _cleanup_close_ int fd = socket(peer->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        struct sockaddr_storage local;
        socklen_t local_len = sizeof(local);
        if (connect(fd, peer, len) < 0 ||
            getsockname(fd, (struct sockaddr *)&local, &local_len) < 0)
                return -errno;
        if (is_loopback((struct sockaddr *)&local))
                return -ENOENT;
        struct ifaddrs *list = NULL;
        if (getifaddrs(&list) < 0)
                return -errno;
        int r = -ENOENT;
        for (struct ifaddrs *i = list; i && r < 0; i = i->ifa_next)
                if (i->ifa_addr && same_address(i->ifa_addr, (struct sockaddr *)&local) &&
                    strlen(i->ifa_name) < size) {
                        strcpy(ifname, i->ifa_name);
                        r = 0;
                }
        freeifaddrs(list);
        return r;
}

/* The first interface that is up and not loopback, else "lo". */
static void first_interface(connmon_network *net)
{
        struct ifaddrs *list = NULL;
        snprintf(net->interface, sizeof(net->interface), "lo");
        if (getifaddrs(&list) < 0)
                return;
        for (struct ifaddrs *i = list; i; i = i->ifa_next)
                if ((i->ifa_flags & IFF_UP) && !(i->ifa_flags & IFF_LOOPBACK) &&
                    strlen(i->ifa_name) < sizeof(net->interface)) {
                        strcpy(net->interface, i->ifa_name);
                        break;
                }
        freeifaddrs(list);
}

int connmon_read_network(const char *interface, connmon_network *net)
{
        *net = (connmon_network){.bearer = CONNMON_BEARER_UNKNOWN};
        _cleanup_free_ char *route = sysfile_read("/proc/net/route", 64 * 1024, NULL);
        _cleanup_free_ char *route6 = sysfile_read("/proc/net/ipv6_route", 64 * 1024, NULL);
        if (interface) {
                if (strlen(interface) >= sizeof(net->interface))
                        return -EINVAL;
                strcpy(net->interface, interface);
        } else if (connmon_default_interface(route, net->interface, sizeof(net->interface)) < 0)
                first_interface(net);
        net->bearer = link_bearer(net->interface);
        connmon_parse_routers(route, route6, net);
        return read_addresses(net);
}

/* Signal level and link quality of a wireless interface from /proc/net/wireless:
 * "wlan0: 0000   70.  -40.  -256 ...". */
static bool read_wireless(const char *ifname, int *quality, int *level)
{
        _cleanup_free_ char *text = sysfile_read("/proc/net/wireless", 16 * 1024, NULL);
        for (const char *line = text; line && *line;) {
                char name[CONNMON_IFNAME_SIZE + 1];
                float q, l;
                if (sscanf(line, " %16[^:]: %*x %f %f", name, &q, &l) == 3 &&
                    strcmp(name, ifname) == 0) {
                        *quality = (int)q;
                        *level = (int)l;
                        return true;
                }
                line = strchr(line, '\n');
                if (line)
                        line++;
        }
        return false;
}

typedef struct record_set {
        lwm2m_record recs[64];
        size_t n;
} record_set;

static void add_integer(record_set *s, uint16_t rid, int64_t v)
{
        if (s->n < ELEMENTSOF(s->recs))
                s->recs[s->n++] = (lwm2m_record){
                        .path = lwm2m_path_resource(LWM2M_OBJ_CONNECTIVITY_MONITORING, 0, rid),
                        .value = lwm2m_value_integer(v)};
}

static void add_multi_integer(record_set *s, uint16_t rid, uint16_t riid, int64_t v)
{
        if (s->n < ELEMENTSOF(s->recs))
                s->recs[s->n++] =
                        (lwm2m_record){.path = lwm2m_path_resource_instance(
                                               LWM2M_OBJ_CONNECTIVITY_MONITORING, 0, rid, riid),
                                       .value = lwm2m_value_integer(v)};
}

static int add_strings(record_set *s, uint16_t rid, const char *strings, size_t stride, size_t n)
{
        for (size_t i = 0; i < n && s->n < ELEMENTSOF(s->recs); i++) {
                const char *str = strings + i * stride;
                lwm2m_record *rec = &s->recs[s->n];
                *rec = (lwm2m_record){
                        .path = lwm2m_path_resource_instance(LWM2M_OBJ_CONNECTIVITY_MONITORING, 0,
                                                             rid, (uint16_t)i)};
                int r = lwm2m_value_set_string(&rec->value, str, strlen(str));
                if (r == -EILSEQ)
                        continue; /* an APN of odd bytes: left out */
                if (r < 0)
                        return r;
                s->n++;
        }
        return 0;
}

static void clear_records(record_set *s)
{
        for (size_t i = 0; i < s->n; i++)
                lwm2m_value_clear(&s->recs[i].value);
}

/* The whole instance from a fresh look at the kernel and the cached radio: one
 * change, and none at all when nothing moved. */
static int apply(connmon_object *c)
{
        connmon_network net;
        char toward[CONNMON_IFNAME_SIZE];
        const char *interface = c->interface;
        if (!interface && c->peer_len > 0 &&
            connmon_interface_toward((struct sockaddr *)&c->peer, c->peer_len, toward,
                                     sizeof(toward)) == 0)
                interface = toward;
        /* Without the addresses (getifaddrs refused) the rest is still worth reporting. */
        (void)connmon_read_network(interface, &net);
        int r;
        const connmon_radio *radio = &c->radio;
        bool cellular = radio->present && radio->bearer != CONNMON_BEARER_UNKNOWN &&
                        (strcmp(radio->interface, net.interface) == 0 ||
                         net.bearer == CONNMON_BEARER_UNKNOWN);
        int bearer = cellular ? radio->bearer : net.bearer;
        if (bearer == CONNMON_BEARER_UNKNOWN)
                bearer = CONNMON_BEARER_ETHERNET; /* a tunnel or raw link: wireline, most likely */

        record_set s = {.n = 0};
        add_integer(&s, 0, bearer);
        add_available(&net, bearer);
        if (radio->present)
                add_available(&net, radio->bearer);
        for (size_t i = 0; i < net.n_available; i++)
                add_multi_integer(&s, 1, (uint16_t)i, net.available[i]);
        int quality = 0, level = 0;
        if (cellular) {
                if (radio->has_signal)
                        add_integer(&s, 2, radio->signal_dbm);
                if (radio->has_quality)
                        add_integer(&s, 3, radio->link_quality);
        } else if (bearer == CONNMON_BEARER_WLAN &&
                   read_wireless(net.interface, &quality, &level)) {
                add_integer(&s, 2, level);
                add_integer(&s, 3, quality);
        }
        r = add_strings(&s, 4, net.addresses[0], CONNMON_ADDRESS_SIZE, net.n_addresses);
        if (r >= 0)
                r = add_strings(&s, 5, net.routers[0], CONNMON_ADDRESS_SIZE, net.n_routers);
        if (r >= 0 && radio->present) {
                r = add_strings(&s, 7, radio->apns[0], CONNMON_APN_SIZE, radio->n_apns);
                if (radio->has_cell_id)
                        add_integer(&s, 8, radio->cell_id);
                if (radio->has_operator) {
                        add_integer(&s, 9, radio->smnc);
                        add_integer(&s, 10, radio->smcc);
                }
                if (radio->has_snr)
                        add_integer(&s, 11, radio->snr_db);
                if (radio->has_lac)
                        add_integer(&s, 12, radio->lac);
        }
        if (r >= 0) {
                if (!lwm2m_tree_has_instance(c->tree, LWM2M_OBJ_CONNECTIVITY_MONITORING, 0)) {
                        r = lwm2m_tree_add_instance(c->tree, LWM2M_OBJ_CONNECTIVITY_MONITORING, 0,
                                                    s.recs, s.n, &c->owner, c, NULL, 0, NULL);
                } else {
                        lwm2m_path base = lwm2m_path_instance(LWM2M_OBJ_CONNECTIVITY_MONITORING, 0);
                        r = lwm2m_tree_write(c->tree, &base, s.recs, s.n, LWM2M_WRITE_REPLACE, c,
                                             NULL, 0);
                }
        }
        /* A replace keeps the read-only resources it does not name: what is no
         * longer known (the modem went, the last router) goes explicitly. */
        for (uint16_t rid = 0; r >= 0 && rid <= CONNMON_LAST_RESOURCE; rid++) {
                bool named = false;
                for (size_t i = 0; i < s.n && !named; i++)
                        named = s.recs[i].path.id[2] == rid;
                lwm2m_path p = lwm2m_path_resource(LWM2M_OBJ_CONNECTIVITY_MONITORING, 0, rid);
                if (!named && lwm2m_tree_path_exists(c->tree, &p, false) == 0)
                        r = lwm2m_tree_remove(c->tree, &p, c);
        }
        clear_records(&s);
        return r;
}

/* Bearer, available bearers, signal, link quality, addresses and routers (0..5)
 * are looked up in the kernel when read; the radio figures (7..12) come pushed
 * from ModemManager (connmon_object_set_radio) and are in the tree already. */
#define CONNMON_LAST_MEASURED 5 /* IP routers */

static bool connmon_refreshes(void *userdata, const lwm2m_path *path)
{
        return path->len < LWM2M_PATH_RESOURCE || path->id[2] <= CONNMON_LAST_MEASURED;
}

static int connmon_refresh(void *userdata, const lwm2m_path *path, lwm2m_ask ask)
{
        /* A failed look keeps the last values: they are the best there is. */
        (void)apply(userdata);
        lwm2m_ask_reply(ask, 0);
        return 0;
}

static int connmon_write(void *userdata, const lwm2m_path *base, const lwm2m_record *recs, size_t n,
                         lwm2m_write_mode mode, lwm2m_ask ask)
{
        return -EPERM; /* measured, not set */
}

static int connmon_remove(void *userdata, const lwm2m_path *instance, lwm2m_ask ask)
{
        return -EPERM;
}

static const lwm2m_owner_ops connmon_ops = {
        .refresh = connmon_refresh,
        .refreshes = connmon_refreshes,
        .write = connmon_write,
        .remove = connmon_remove,
};

connmon_object *connmon_object_new(lwm2m_tree *tree, const char *interface)
{
        connmon_object *c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        c->tree = tree;
        c->owner = (lwm2m_owner){.ops = &connmon_ops, .userdata = c, .name = "connectivity"};
        c->radio.bearer = CONNMON_BEARER_UNKNOWN;
        int r = -ENOMEM;
        if (interface && !(c->interface = strdup(interface)))
                goto fail;
        /* Values stored by an earlier run are stale: they are measured afresh. */
        if (lwm2m_tree_has_instance(tree, LWM2M_OBJ_CONNECTIVITY_MONITORING, 0))
                lwm2m_tree_delete_instance(tree, LWM2M_OBJ_CONNECTIVITY_MONITORING, 0, c);
        r = apply(c);
        if (r < 0)
                goto fail;
        return c;
fail:
        free(c->interface);
        free(c);
        errno = -r;
        return NULL;
}

void connmon_object_free(connmon_object *c)
{
        if (!c)
                return;
        if (lwm2m_tree_get_owner(c->tree, LWM2M_OBJ_CONNECTIVITY_MONITORING, 0) == &c->owner)
                lwm2m_tree_set_owner(c->tree, LWM2M_OBJ_CONNECTIVITY_MONITORING, 0, NULL);
        free(c->interface);
        free(c);
}

void connmon_object_set_peer(connmon_object *c, const struct sockaddr *peer, socklen_t len)
{
        c->peer_len = 0;
        if (peer && len <= sizeof(c->peer)) {
                memcpy(&c->peer, peer, len);
                c->peer_len = len;
        }
}

int connmon_object_set_radio(connmon_object *c, const connmon_radio *radio)
{
        if (radio && radio->present)
                c->radio = *radio;
        else
                c->radio = (connmon_radio){.bearer = CONNMON_BEARER_UNKNOWN};
        return apply(c);
}
