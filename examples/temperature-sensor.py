#!/usr/bin/python3
# temperature-sensor.py - an example lwm2md provider: a Temperature (3303) instance whose
# readings come from /sys/class/thermal (or a simulation), with an org.lwm2md1.Owner object.
"""Expose a temperature sensor to the LwM2M server through lwm2md.

The service adds one instance of object 3303 (Temperature) with
org.lwm2md1.Manager.AddInstance and becomes its owner: the daemon keeps the
values and answers the server's Reads itself; this process pushes a new
reading every --interval seconds with org.lwm2md1.Instance.SetValues (Sensor
Value, Min/Max Measured Value and Timestamp in one call, so the server gets
one notification).

Server operations on the instance come back to this process as calls on
org.lwm2md1.Owner at the instance's path:
  Write   Application Type (5750) is accepted and kept; anything else is refused
          with org.lwm2md1.Error.NotAllowed (the server sees 4.05).
  Execute Reset Min and Max Measured Values (5605) resets them to the current
          reading; anything else is refused.
  Delete  the server deleted the instance: the service exits.
  Read    values of on-demand resources (this service asks for none).

When the service leaves the bus (SIGTERM, SIGINT, a crash), the daemon removes
its instance and tells the server with a Registration Update.

Needs python3-dbus and python3-gi (Debian: apt install python3-dbus python3-gi).
"""

import argparse
import math
import os
import random
import signal
import sys
import time

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

BUS_NAME = "org.lwm2md1"
MANAGER_PATH = "/org/lwm2md1"
MANAGER = "org.lwm2md1.Manager"
INSTANCE = "org.lwm2md1.Instance"
OWNER = "org.lwm2md1.Owner"

TEMPERATURE = 3303
ANY_INSTANCE = 65535  # the daemon picks the instance ID
MIN_MEASURED = 5601
MAX_MEASURED = 5602
RESET_MIN_MAX = 5605
SENSOR_VALUE = 5700
SENSOR_UNITS = 5701
APPLICATION_TYPE = 5750
TIMESTAMP = 5518

THERMAL_ZONE = "/sys/class/thermal/thermal_zone0/temp"


class NotAllowed(dbus.DBusException):
    _dbus_error_name = "org.lwm2md1.Error.NotAllowed"


class NotFound(dbus.DBusException):
    _dbus_error_name = "org.lwm2md1.Error.NotFound"


class InvalidValue(dbus.DBusException):
    _dbus_error_name = "org.lwm2md1.Error.InvalidValue"


def log(text):
    print("temperature-sensor: " + text, file=sys.stderr, flush=True)


class Sensor:
    """Where readings come from: the first thermal zone, else a slow sine wave."""

    def __init__(self, simulate):
        self.path = None if simulate or not os.access(THERMAL_ZONE, os.R_OK) else THERMAL_ZONE
        self.start = time.monotonic()

    def describe(self):
        return self.path or "a simulated sensor"

    def read(self):
        if self.path:
            try:
                with open(self.path) as f:
                    return int(f.read().strip()) / 1000.0
            except (OSError, ValueError) as e:
                log("cannot read %s (%s), simulating from now on" % (self.path, e))
                self.path = None
        minutes = (time.monotonic() - self.start) / 60.0
        return round(21.0 + 3.0 * math.sin(minutes) + random.uniform(-0.2, 0.2), 2)


class TemperatureOwner(dbus.service.FallbackObject):
    """org.lwm2md1.Owner for our instance.

    A fallback object at /org/lwm2md1/object/3303 is exported before AddInstance,
    so that a server operation that arrives right after the instance appears
    (before we know its ID) already finds us. Calls for any other instance are
    refused with NotFound.
    """

    def __init__(self, bus, sensor, loop):
        super().__init__(bus, "/org/lwm2md1/object/%d" % TEMPERATURE)
        self.bus = bus
        self.sensor = sensor
        self.loop = loop
        self.instance_path = None
        self.proxy = None
        self.value = None
        self.min = None
        self.max = None
        self.application_type = ""
        self.deleted = False

    # -- talking to the daemon

    def add_instance(self):
        self.value = self.min = self.max = self.sensor.read()
        manager = dbus.Interface(self.bus.get_object(BUS_NAME, MANAGER_PATH), MANAGER)
        values = dbus.Dictionary({
            dbus.UInt16(SENSOR_VALUE): dbus.Double(self.value),
            dbus.UInt16(SENSOR_UNITS): dbus.String("Cel"),
            dbus.UInt16(MIN_MEASURED): dbus.Double(self.min),
            dbus.UInt16(MAX_MEASURED): dbus.Double(self.max),
            dbus.UInt16(TIMESTAMP): dbus.Int64(int(time.time())),
        }, signature="qv")
        self.instance_path = str(manager.AddInstance(
            dbus.UInt16(TEMPERATURE), dbus.UInt16(ANY_INSTANCE), values))
        self.proxy = dbus.Interface(self.bus.get_object(BUS_NAME, self.instance_path), INSTANCE)
        return self.instance_path

    def push(self, changed):
        """Sends several resources as one change (one notification to the server)."""
        values = dbus.Dictionary({dbus.UInt16(k): v for k, v in changed.items()}, signature="qv")
        self.proxy.SetValues(values, reply_handler=lambda: None,
                             error_handler=lambda e: log("SetValues failed: %s" % e))

    def sample(self):
        self.value = self.sensor.read()
        changed = {SENSOR_VALUE: dbus.Double(self.value),
                   TIMESTAMP: dbus.Int64(int(time.time()))}
        if self.value < self.min:
            self.min = self.value
            changed[MIN_MEASURED] = dbus.Double(self.min)
        if self.value > self.max:
            self.max = self.value
            changed[MAX_MEASURED] = dbus.Double(self.max)
        self.push(changed)
        return True  # keep the GLib timer

    def remove_instance(self):
        if self.deleted or not self.instance_path:
            return
        try:
            manager = dbus.Interface(self.bus.get_object(BUS_NAME, MANAGER_PATH), MANAGER)
            manager.RemoveInstance(dbus.ObjectPath(self.instance_path), timeout=2)
        except dbus.DBusException as e:
            # Leaving the bus removes it too.
            log("RemoveInstance: %s" % e.get_dbus_message())

    # -- org.lwm2md1.Owner: what the server asks of our instance

    def _check_path(self, path):
        if path != self.instance_path:
            raise NotFound("no such instance here: %s" % path)

    @dbus.service.method(OWNER, in_signature="a{qv}", out_signature="", rel_path_keyword="rel")
    def Write(self, values, rel=None):
        self._check_path(self._object_path + rel)
        for rid, value in values.items():
            if rid != APPLICATION_TYPE:
                raise NotAllowed("resource %d cannot be written" % rid)
            if not isinstance(value, str):
                raise InvalidValue("Application Type (5750) must be a string")
        if APPLICATION_TYPE in values:
            self.application_type = str(values[APPLICATION_TYPE])
            log("application type is now %r" % self.application_type)
        # Returning commits the write in the daemon.

    @dbus.service.method(OWNER, in_signature="qs", out_signature="", rel_path_keyword="rel")
    def Execute(self, resource, arguments, rel=None):
        self._check_path(self._object_path + rel)
        if resource != RESET_MIN_MAX:
            raise NotAllowed("resource %d cannot be executed" % resource)
        self.min = self.max = self.value
        log("min and max reset to %.2f" % self.value)
        # Sent before our reply on the same connection, so the daemon has the new
        # values by the time the server gets 2.04.
        self.push({MIN_MEASURED: dbus.Double(self.min), MAX_MEASURED: dbus.Double(self.max)})

    @dbus.service.method(OWNER, in_signature="", out_signature="", rel_path_keyword="rel")
    def Delete(self, rel=None):
        self._check_path(self._object_path + rel)
        log("the server deleted %s; exiting" % self.instance_path)
        self.deleted = True
        GLib.idle_add(self.loop.quit)

    @dbus.service.method(OWNER, in_signature="aq", out_signature="a{qv}", rel_path_keyword="rel")
    def Read(self, resources, rel=None):
        self._check_path(self._object_path + rel)
        known = {
            SENSOR_VALUE: dbus.Double(self.value),
            MIN_MEASURED: dbus.Double(self.min),
            MAX_MEASURED: dbus.Double(self.max),
            SENSOR_UNITS: dbus.String("Cel"),
            APPLICATION_TYPE: dbus.String(self.application_type),
        }
        return dbus.Dictionary({dbus.UInt16(r): known[r] for r in resources if r in known},
                               signature="qv")


def connect(which):
    if which == "system":
        return dbus.SystemBus()
    if which == "user":
        return dbus.SessionBus()
    return dbus.bus.BusConnection(which)


def main():
    parser = argparse.ArgumentParser(description="Expose a temperature sensor through lwm2md.")
    parser.add_argument("--bus", default="system",
                        help="system (default), user or a D-Bus address such as unix:path=...")
    parser.add_argument("--interval", type=float, default=10.0,
                        help="seconds between readings (default 10)")
    parser.add_argument("--simulate", action="store_true",
                        help="simulate readings even if a thermal zone exists")
    args = parser.parse_args()
    if args.interval <= 0:
        parser.error("--interval must be positive")

    DBusGMainLoop(set_as_default=True)
    loop = GLib.MainLoop()
    try:
        bus = connect(args.bus)
    except dbus.DBusException as e:
        log("cannot connect to the %s bus: %s" % (args.bus, e.get_dbus_message()))
        return 3

    sensor = Sensor(args.simulate)
    owner = TemperatureOwner(bus, sensor, loop)
    try:
        path = owner.add_instance()
    except dbus.DBusException as e:
        log("AddInstance failed: %s (%s)" % (e.get_dbus_message(), e.get_dbus_name()))
        unreachable = ("org.freedesktop.DBus.Error.ServiceUnknown",
                       "org.freedesktop.DBus.Error.NameHasNoOwner",
                       "org.freedesktop.DBus.Error.NoReply")
        return 3 if e.get_dbus_name() in unreachable else 1
    log("%s from %s, every %g s" % (path, sensor.describe(), args.interval))
    # The one line on stdout: the instance path, for scripts.
    print(path, flush=True)

    def stop(signame):
        log("%s: removing %s" % (signame, path))
        owner.remove_instance()
        loop.quit()
        return GLib.SOURCE_REMOVE

    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, stop, "SIGTERM")
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, stop, "SIGINT")
    GLib.timeout_add(int(args.interval * 1000), owner.sample)

    # The daemon going away ends the service: its instance is gone with it.
    def name_owner_changed(new_owner):
        if not new_owner:
            log("lwm2md left the bus; exiting")
            loop.quit()

    bus.watch_name_owner(BUS_NAME, name_owner_changed)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
