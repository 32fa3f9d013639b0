/* connmon.h - the Connectivity Monitoring object (/4/0): the interface, addresses and
 * routers read from the kernel when read, radio figures fed in from ModemManager. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "model/tree.h"

#define CONNMON_MAX_ADDRESSES 8
#define CONNMON_ADDRESS_SIZE  46 /* INET6_ADDRSTRLEN */
#define CONNMON_MAX_APNS      4
#define CONNMON_APN_SIZE      101 /* 3GPP TS 23.003: an APN is at most 100 octets */
#define CONNMON_IFNAME_SIZE   16  /* IF_NAMESIZE */

/* Network Bearer values (/4/0/0, /4/0/1) of the object's definition. */
enum {
        CONNMON_BEARER_UNKNOWN = -1,
        CONNMON_BEARER_GSM = 0,
        CONNMON_BEARER_WCDMA = 2,
        CONNMON_BEARER_CDMA2000 = 3,
        CONNMON_BEARER_LTE_FDD = 6,
        CONNMON_BEARER_NB_IOT = 7,
        CONNMON_BEARER_WLAN = 21,
        CONNMON_BEARER_ETHERNET = 41,
        CONNMON_BEARER_DSL = 42,
};

/* What the kernel says of one interface. */
typedef struct connmon_network {
        char interface[CONNMON_IFNAME_SIZE];
        int bearer; /* CONNMON_BEARER_UNKNOWN, or a bearer of the interface's link type */
        char addresses[CONNMON_MAX_ADDRESSES][CONNMON_ADDRESS_SIZE];
        size_t n_addresses;
        char routers[CONNMON_MAX_ADDRESSES][CONNMON_ADDRESS_SIZE];
        size_t n_routers;
        int available[4]; /* bearers of the other interfaces that are up */
        size_t n_available;
} connmon_network;

/* What ModemManager says of the first modem; has_* false: not known. */
typedef struct connmon_radio {
        bool present;
        int bearer;                          /* from the access technologies */
        char interface[CONNMON_IFNAME_SIZE]; /* the connected bearer's, "" if none */
        bool has_signal, has_quality, has_snr, has_cell_id, has_operator, has_lac;
        int signal_dbm, link_quality, snr_db;
        int64_t cell_id;
        int smcc, smnc, lac;
        char apns[CONNMON_MAX_APNS][CONNMON_APN_SIZE];
        size_t n_apns;
} connmon_radio;

/* The bearer of ModemManager's access technology flags (MMModemAccessTechnology):
 * the most capable one present, CONNMON_BEARER_UNKNOWN for none. */
int connmon_bearer_of_access_technologies(uint32_t flags);

/* The interface of the default route with the lowest metric in /proc/net/route
 * text: 0, or -ENOENT when there is none. */
int connmon_default_interface(const char *route_text, char *ifname, size_t size);

/* Appends to net->routers the gateways of the default routes through
 * net->interface: from /proc/net/route text (IPv4) and /proc/net/ipv6_route
 * text (IPv6); either may be NULL. Malformed lines are skipped. */
void connmon_parse_routers(const char *route_text, const char *ipv6_route_text,
                           connmon_network *net);

/* The bearer of a link: ARPHRD type (/sys/class/net/IF/type), whether it is
 * wireless (a "wireless" directory, or DEVTYPE=wlan in uevent) or a modem's
 * (DEVTYPE=wwan). */
int connmon_bearer_of_link(int arphrd, bool wireless, bool wwan);

/* The interface the kernel would send to `peer` through: the local address of
 * a connected UDP socket (connecting sends nothing) and the interface holding
 * it. -ENOENT when that is loopback (a server on the gateway itself says
 * nothing of the uplink) or no interface holds the address. */
int connmon_interface_toward(const struct sockaddr *peer, socklen_t len, char *ifname, size_t size);

/* Reads the kernel's view of `interface` (NULL: the default route's, else the
 * first interface that is up and not loopback, else "lo") in the current
 * network namespace. */
int connmon_read_network(const char *interface, connmon_network *net);

typedef struct connmon_object connmon_object;

/* Creates /4/0 and stands behind it; `interface` NULL chooses it at each read
 * as connmon_read_network does. NULL with errno set. */
connmon_object *connmon_object_new(lwm2m_tree *tree, const char *interface);
void connmon_object_free(connmon_object *c);

/* Without a configured interface, /4/0 describes the one toward `peer` (the
 * first management server) when it is not loopback; NULL forgets it. */
void connmon_object_set_peer(connmon_object *c, const struct sockaddr *peer, socklen_t len);

/* The radio figures, cached for the next reads (NULL or !present: no modem).
 * Applied to /4/0 at once as one change. */
int connmon_object_set_radio(connmon_object *c, const connmon_radio *radio);
