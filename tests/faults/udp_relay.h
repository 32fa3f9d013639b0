/* udp_relay.h - a user-space UDP relay on 127.0.0.1 between the daemon and the test
 * server (the kernel here has no netem): loss, outages, rebinding, garbage, injection. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum relay_outage {
        RELAY_PASS,   /* forward both ways */
        RELAY_SILENT, /* drop every datagram both ways (a server that went quiet) */
        RELAY_CLOSED, /* the daemon-side port closed: its datagrams get ICMP port unreachable */
} relay_outage;

typedef struct relay_stats {
        unsigned to_server, to_daemon; /* datagrams forwarded */
        unsigned dropped_to_server, dropped_to_daemon;
        unsigned registers, updates; /* distinct Register / Update exchanges seen */
        unsigned reg_datagrams;      /* Register and Update datagrams incl. retransmissions */
        unsigned garbled;            /* answers replaced by garbage */
} relay_stats;

typedef struct udp_relay udp_relay;

/* Listens on a free port of 127.0.0.1 and forwards to 127.0.0.1:server_port from a
 * socket of its own; runs on a thread until relay_free. Losses come from a PRNG
 * seeded with `seed`. */
udp_relay *relay_new(uint16_t server_port, uint32_t seed);
void relay_free(udp_relay *r);
/* The port the daemon is to use as its server's. */
uint16_t relay_port(const udp_relay *r);
/* Drop probabilities (0..1) toward the server and toward the daemon. */
void relay_set_loss(udp_relay *r, double to_server, double to_daemon);
/* RELAY_CLOSED closes the daemon-side socket; RELAY_PASS or RELAY_SILENT after it
 * binds the same port again. Returns 0 or a negative errno. */
int relay_set_outage(udp_relay *r, relay_outage mode);
/* A new socket (new source port) toward the server, as a NAT rebinding gives;
 * what the server sends to the old port gets ICMP port unreachable. */
int relay_rebind_server_side(udp_relay *r);
/* While on, every datagram from the server to the daemon is replaced: random bytes,
 * the same message with a wrong code, or a truncated copy. */
void relay_set_garble(udp_relay *r, bool on);
/* Sends `msg` to the daemon from the daemon-side port (the server the daemon knows)
 * and takes the daemon's ACK or RST with the same message ID instead of forwarding it.
 * When it came, switches to `then` (RELAY_CLOSED at once, before anything else the
 * daemon sent is forwarded). Returns the reply's length, -ETIMEDOUT, or -ENOTCONN before the
 * daemon has sent anything. `reply` may be NULL. */
int relay_inject(udp_relay *r, const uint8_t *msg, size_t len, uint8_t *reply, size_t size,
                 int timeout_ms, relay_outage then);
void relay_get_stats(udp_relay *r, relay_stats *out);
