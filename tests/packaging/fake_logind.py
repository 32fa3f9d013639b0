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


def main():
    address, record = sys.argv[1], sys.argv[2]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    name = dbus.service.BusName(NAME, bus)  # noqa: F841 (held while running)
    Manager(bus, record)
    with open(record, "a") as f:
        f.write("ready\n")
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
