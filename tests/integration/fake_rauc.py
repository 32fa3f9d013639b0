#!/usr/bin/python3
# fake_rauc.py - a stand-in for RAUC's D-Bus service on a private bus, for test_firmware:
# de.pengutronix.rauc on /, interface de.pengutronix.rauc.Installer with InstallBundle,
# InspectBundle, Mark, the Completed signal and the Operation, LastError and Progress
# properties. Each call is recorded as one JSON line in a file.
#
# Usage: fake_rauc.py ADDRESS RECORD_FILE
# Writes {"ready": true} to RECORD_FILE once it owns the name. A bundle's first bytes
# choose the behaviour: "BAD-INSPECT" fails InspectBundle, "FAIL-INSTALL" ends the
# installation with Completed(1) and LastError set; anything else installs.
import json
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAME = "de.pengutronix.rauc"
IFACE = "de.pengutronix.rauc.Installer"
PROPS = "org.freedesktop.DBus.Properties"


class RaucError(dbus.DBusException):
    _dbus_error_name = "org.gtk.GDBus.UnmappedGError.Quark._g_2dio_2derror_2dquark.Code0"


def head(source, n=16):
    if "://" in source:
        return source.encode()[:n]
    with open(source, "rb") as f:
        return f.read(n)


class Installer(dbus.service.Object):
    def __init__(self, bus, record):
        super().__init__(bus, "/")
        self.record = record
        self.props = {
            "Operation": dbus.String("idle"),
            "LastError": dbus.String(""),
            "Progress": dbus.Struct((dbus.Int32(0), dbus.String(""), dbus.Int32(0)),
                                    signature="isi"),
        }

    def note(self, **entry):
        with open(self.record, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def set_props(self, **changes):
        self.props.update(changes)
        self.PropertiesChanged(IFACE, changes, [])

    @dbus.service.method(IFACE, in_signature="sa{sv}", out_signature="a{sv}")
    def InspectBundle(self, source, args):
        data = head(str(source))
        self.note(method="InspectBundle", source=str(source), first=data.decode(errors="replace"))
        if data.startswith(b"BAD-INSPECT"):
            raise RaucError("signature verification failed: bad bundle")
        update = dbus.Dictionary({"compatible": dbus.String("lwm2md-test"),
                                  "version": dbus.String("2.0")}, signature="sv")
        return dbus.Dictionary({"update": update}, signature="sv")

    @dbus.service.method(IFACE, in_signature="sa{sv}", out_signature="")
    def InstallBundle(self, source, args):
        data = head(str(source))
        self.note(method="InstallBundle", source=str(source), first=data.decode(errors="replace"))
        self.set_props(Operation=dbus.String("installing"))
        GLib.timeout_add(200, self.finish, data.startswith(b"FAIL-INSTALL"))

    def finish(self, fail):
        self.set_props(Progress=dbus.Struct((dbus.Int32(100), dbus.String("Installing done."),
                                             dbus.Int32(1)), signature="isi"))
        if fail:
            self.set_props(LastError=dbus.String("Installation error: slot write failed"))
        self.set_props(Operation=dbus.String("idle"))
        self.Completed(dbus.Int32(1 if fail else 0))
        return False

    @dbus.service.method(IFACE, in_signature="ss", out_signature="ss")
    def Mark(self, state, slot):
        self.note(method="Mark", state=str(state), slot=str(slot))
        return ("rootfs.1", "marked slot rootfs.1 as %s" % state)

    @dbus.service.signal(IFACE, signature="i")
    def Completed(self, result):
        pass

    @dbus.service.signal(PROPS, signature="sa{sv}as")
    def PropertiesChanged(self, interface, changed, invalidated):
        pass

    @dbus.service.method(PROPS, in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        return self.props[str(name)]

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return self.props


def main():
    address, record = sys.argv[1], sys.argv[2]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    name = dbus.service.BusName(NAME, bus)  # noqa: F841 (held while running)
    Installer(bus, record)
    with open(record, "a") as f:
        f.write(json.dumps({"ready": True}) + "\n")
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
