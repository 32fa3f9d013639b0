#!/usr/bin/python3
# fake_logind.py - a stand-in for systemd-logind on a private bus, for
# test-run-as-unit.sh: records Manager.Reboot calls, with the caller's uid.
#
# Usage: fake_logind.py ADDRESS RECORD_FILE
# Writes "ready" to RECORD_FILE once it owns org.freedesktop.login1, then
# "Reboot interactive=BOOL uid=UID" for each Reboot.
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAME = "org.freedesktop.login1"
IFACE = "org.freedesktop.login1.Manager"
SYSTEMD_IFACE = "org.freedesktop.systemd1.Manager"


class Manager(dbus.service.Object):
    def __init__(self, bus, record):
        super().__init__(bus, "/org/freedesktop/login1")
        self.bus = bus
        self.record = record

    def note(self, line):
        with open(self.record, "a") as f:
            f.write(line + "\n")

    @dbus.service.method(IFACE, in_signature="b", sender_keyword="sender")
    def Reboot(self, interactive, sender=None):
        uid = self.bus.get_unix_user(sender)
        self.note("Reboot interactive=%s uid=%d" % (bool(interactive), uid))


class Systemd(Manager):
    """systemd's manager: records StartUnit (factory-reset-unit)."""

    def __init__(self, bus, record):
        dbus.service.Object.__init__(self, bus, "/org/freedesktop/systemd1")
        self.bus = bus
        self.record = record

    @dbus.service.method(SYSTEMD_IFACE, in_signature="ss", out_signature="o",
                         sender_keyword="sender")
    def StartUnit(self, name, mode, sender=None):
        uid = self.bus.get_unix_user(sender)
        self.note("StartUnit %s %s uid=%d" % (name, mode, uid))
        return dbus.ObjectPath("/org/freedesktop/systemd1/job/1")


def main():
    address, record = sys.argv[1], sys.argv[2]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    names = [dbus.service.BusName(n, bus)  # noqa: F841 (held while running)
             for n in (NAME, "org.freedesktop.systemd1")]
    Manager(bus, record)
    Systemd(bus, record)
    with open(record, "a") as f:
        f.write("ready\n")
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
