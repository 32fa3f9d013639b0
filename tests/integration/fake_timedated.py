#!/usr/bin/python3
# fake_timedated.py - a stand-in for systemd-timedated on a private bus, for
# test_time: records SetTime and SetTimezone calls, one line each, in a file.
#
# Usage: fake_timedated.py ADDRESS RECORD_FILE
# Writes "ready" to RECORD_FILE once it owns org.freedesktop.timedate1. While
# RECORD_FILE.refuse exists, it refuses both calls as timedated does with NTP on.
import os
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAME = "org.freedesktop.timedate1"
IFACE = "org.freedesktop.timedate1"


class Refused(dbus.DBusException):
    _dbus_error_name = "org.freedesktop.timedate1.AutomaticTimeSyncEnabled"


class Timedated(dbus.service.Object):
    def __init__(self, bus, record):
        super().__init__(bus, "/org/freedesktop/timedate1")
        self.record = record
        self.zone = "Etc/UTC"

    def note(self, line):
        with open(self.record, "a") as f:
            f.write(line + "\n")

    def check(self):
        if os.path.exists(self.record + ".refuse"):
            raise Refused("Automatic time synchronization is enabled")

    @dbus.service.method(IFACE, in_signature="xbb")
    def SetTime(self, usec, relative, interactive):
        self.check()
        self.note("SetTime %d %s %s" % (usec, bool(relative), bool(interactive)))

    @dbus.service.method(IFACE, in_signature="sb")
    def SetTimezone(self, zone, interactive):
        self.check()
        self.zone = str(zone)
        self.note("SetTimezone %s %s" % (zone, bool(interactive)))


def main():
    address, record = sys.argv[1], sys.argv[2]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    name = dbus.service.BusName(NAME, bus)  # noqa: F841 (held while running)
    Timedated(bus, record)
    with open(record, "a") as f:
        f.write("ready\n")
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
