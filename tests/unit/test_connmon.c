/* test_connmon.c - the parsing behind Connectivity Monitoring: /proc/net route
 * tables, link types and ModemManager's access technologies. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "objects/connmon.h"

static const char route[] =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
        "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
        "eth0\t000200C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
        "eth1\t00000000\t020200C0\t0002\t0\t0\t1\t00000000\t0\t0\t0\n" /* not up */
        "short line\n";

static const char route6[] =
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "20010db8000000000000000000000001 00000400 00000001 00000000 00000003     eth0\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth0\n"
        /* the reject route of loopback: no next hop */
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
        "20010db8000000000000000000000000 40 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
        "zz garbage\n";

static void test_default_interface(void **state)
{
        char ifname[16];
        assert_int_equal(connmon_default_interface(route, ifname, sizeof(ifname)), 0);
        assert_string_equal(ifname, "eth0"); /* the lowest metric wins */
        assert_int_equal(connmon_default_interface("Iface\n", ifname, sizeof(ifname)), -ENOENT);
        assert_int_equal(connmon_default_interface(NULL, ifname, sizeof(ifname)), -ENOENT);
        assert_int_equal(connmon_default_interface("", ifname, sizeof(ifname)), -ENOENT);
}

static void test_routers(void **state)
{
        connmon_network net = {.interface = "eth0"};
        connmon_parse_routers(route, route6, &net);
        assert_int_equal(net.n_routers, 3);
        assert_string_equal(net.routers[0], "192.0.2.1");
        assert_string_equal(net.routers[1], "2001:db8::1");
        assert_string_equal(net.routers[2], "fe80::1");

        connmon_network wlan = {.interface = "wlan0"};
        connmon_parse_routers(route, NULL, &wlan);
        assert_int_equal(wlan.n_routers, 1);
        assert_string_equal(wlan.routers[0], "192.168.1.1");

        connmon_network lo = {.interface = "lo"};
        connmon_parse_routers(route, route6, &lo);
        assert_int_equal(lo.n_routers, 0);

        /* The same router twice (two metrics) is one address. */
        connmon_network twice = {.interface = "eth0"};
        connmon_parse_routers(route, NULL, &twice);
        connmon_parse_routers(route, NULL, &twice);
        assert_int_equal(twice.n_routers, 1);
}

static void test_link_bearer(void **state)
{
        assert_int_equal(connmon_bearer_of_link(ARPHRD_ETHER, false, false),
                         CONNMON_BEARER_ETHERNET);
        assert_int_equal(connmon_bearer_of_link(ARPHRD_ETHER, true, false), CONNMON_BEARER_WLAN);
        assert_int_equal(connmon_bearer_of_link(ARPHRD_LOOPBACK, false, false),
                         CONNMON_BEARER_ETHERNET);
        assert_int_equal(connmon_bearer_of_link(ARPHRD_NONE, false, true), CONNMON_BEARER_UNKNOWN);
        assert_int_equal(connmon_bearer_of_link(ARPHRD_PPP, false, false), CONNMON_BEARER_DSL);
        assert_int_equal(connmon_bearer_of_link(-1, false, false), CONNMON_BEARER_UNKNOWN);
}

static void test_access_technologies(void **state)
{
        assert_int_equal(connmon_bearer_of_access_technologies(0), CONNMON_BEARER_UNKNOWN);
        assert_int_equal(connmon_bearer_of_access_technologies(1u << 14), CONNMON_BEARER_LTE_FDD);
        assert_int_equal(connmon_bearer_of_access_technologies(1u << 17), CONNMON_BEARER_NB_IOT);
        assert_int_equal(connmon_bearer_of_access_technologies((1u << 5) | (1u << 9)),
                         CONNMON_BEARER_WCDMA);
        assert_int_equal(connmon_bearer_of_access_technologies(1u << 4), CONNMON_BEARER_GSM);
        assert_int_equal(connmon_bearer_of_access_technologies(1u << 12), CONNMON_BEARER_CDMA2000);
        /* Several at once: the most capable. */
        assert_int_equal(connmon_bearer_of_access_technologies((1u << 4) | (1u << 14)),
                         CONNMON_BEARER_LTE_FDD);
}

static void test_read_loopback(void **state)
{
        connmon_network net;
        assert_int_equal(connmon_read_network("lo", &net), 0);
        assert_string_equal(net.interface, "lo");
        assert_true(net.n_addresses >= 1);
        assert_string_equal(net.addresses[0], "127.0.0.1");
        assert_int_equal(connmon_read_network("a-name-far-too-long-for-linux", &net), -EINVAL);
}

static struct sockaddr_in v4(const char *address)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(5683)};
        assert_int_equal(inet_pton(AF_INET, address, &sa.sin_addr), 1);
        return sa;
}

/* Last: it moves the test into a network namespace of its own. */
static void test_interface_toward(void **state)
{
        char ifname[16] = "";
        struct sockaddr_in lo = v4("127.0.0.1");
        /* A server on the gateway itself says nothing about the uplink. */
        assert_int_equal(connmon_interface_toward((struct sockaddr *)&lo, sizeof(lo), ifname,
                                                  sizeof(ifname)),
                         -ENOENT);
        if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0 ||
            system("ip link set lo up && ip link add veth-up type veth peer name veth-far && "
                   "ip addr add 198.51.100.10/24 dev veth-up && ip link set veth-up up && "
                   "ip link set veth-far up") != 0) {
                printf("SKIP: the route toward a server needs root and a network namespace\n");
                skip();
        }
        struct sockaddr_in far = v4("198.51.100.7");
        assert_int_equal(connmon_interface_toward((struct sockaddr *)&far, sizeof(far), ifname,
                                                  sizeof(ifname)),
                         0);
        assert_string_equal(ifname, "veth-up");
        /* No route at all: the kernel says so. */
        struct sockaddr_in nowhere = v4("203.0.113.1");
        assert_true(connmon_interface_toward((struct sockaddr *)&nowhere, sizeof(nowhere), ifname,
                                             sizeof(ifname)) < 0);
        /* Without a default route, the first interface that is up. */
        connmon_network net;
        assert_int_equal(connmon_read_network(NULL, &net), 0);
        assert_true(strcmp(net.interface, "veth-up") == 0 ||
                    strcmp(net.interface, "veth-far") == 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_default_interface),
                cmocka_unit_test(test_routers),
                cmocka_unit_test(test_link_bearer),
                cmocka_unit_test(test_access_technologies),
                cmocka_unit_test(test_read_loopback),
                cmocka_unit_test(test_interface_toward),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
