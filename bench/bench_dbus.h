/* bench_dbus.h - what the benchmarks of the daemon's D-Bus side share: a private dbus-daemon,
 * the daemon configured to use it, and client connections to it. */
#pragma once

#include <stddef.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "tests/server/test_server.h"

#define BENCH_BUS_NAME "org.lwm2md1"
#define MANAGER_PATH   "/org/lwm2md1"
#define OBJECT_PATH    "/org/lwm2md1/object"
/* The provider's object: Temperature, its SensorValue and SensorUnits. */
#define TEMPERATURE  3303
#define SENSOR_VALUE 5700
#define SENSOR_UNITS 5701
#define ANY_INSTANCE 65535

/* SIGKILL and reap a child of ours; *pid becomes 0. */
void bench_kill_child(pid_t *pid);
/* A private dbus-daemon with the test bus configuration, listening in `dir`; its address into
 * `address`. Its pid; dies on failure. */
pid_t bench_start_dbus(const char *dir, char *address, size_t size);
/* lwm2md with a configuration in `dir` naming `bus` and `server` (lifetime 86400 s, so no
 * periodic Update falls into a measurement); its log into `log_path`. Its pid. */
pid_t bench_start_bus_daemon(const char *daemon_path, const char *dir, const char *endpoint,
                             const char *bus, ts_server *server, char *log_path, size_t size);
/* Waits for the daemon's Register; dies at once if the daemon exits instead (*pid 0 then). */
void bench_wait_register(ts_server *server, pid_t *pid);
/* A client connection to the bus at `address`; dies on failure. */
sd_bus *bench_connect_bus(const char *address);
/* Waits until the daemon owns its name; the server keeps answering meanwhile. */
void bench_wait_bus_name(ts_server *server, sd_bus *bus);
