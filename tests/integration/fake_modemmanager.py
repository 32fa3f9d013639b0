#!/usr/bin/python3
# fake_modemmanager.py - a stand-in for ModemManager on a private bus, for
# test_connmon: one LTE modem with signal figures, an operator, a 3GPP location
# and one connected bearer on interface "lo".
#
# Usage: fake_modemmanager.py ADDRESS READY_FILE
# Writes "ready" to READY_FILE once it owns org.freedesktop.ModemManager1.
# On SIGUSR1 the signal changes (rssi -71 dBm) and PropertiesChanged is sent.
import signal
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAME = "org.freedesktop.ModemManager1"
ROOT = "/org/freedesktop/ModemManager1"
MODEM = ROOT + "/Modem/0"
BEARER = ROOT + "/Bearer/0"
PROPS = "org.freedesktop.DBus.Properties"
MM_LTE = 1 << 14


def modem_interfaces(rssi):
    return {
        NAME + ".Modem": {
            "AccessTechnologies": dbus.UInt32(MM_LTE),
            "SignalQuality": dbus.Struct((dbus.UInt32(63), True), signature="ub"),
            "Bearers": dbus.Array([dbus.ObjectPath(BEARER)], signature="o"),
            "Manufacturer": "Fake",
        },
        NAME + ".Modem.Modem3gpp": {"OperatorCode": "26201", "OperatorName": "Fake Telekom"},
        NAME + ".Modem.Signal": {
            "Rate": dbus.UInt32(10),
            "Lte": dbus.Dictionary(
                {"rssi": dbus.Double(rssi), "rsrq": dbus.Double(-9.0), "snr": dbus.Double(12.4)},
                signature="sv",
            ),
            "Umts": dbus.Dictionary({"rssi": dbus.Double(-99.0)}, signature="sv"),
        },
        NAME + ".Modem.Location": {
            "Location": dbus.Dictionary(
                {dbus.UInt32(1): dbus.String("262,01,1A2B,00C0FFEE,5")}, signature="uv"
            ),
        },
    }


class Manager(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, ROOT)
        self.rssi = -65.0

    @dbus.service.method(
        "org.freedesktop.DBus.ObjectManager", out_signature="a{oa{sa{sv}}}"
    )
    def GetManagedObjects(self):
        return {dbus.ObjectPath(MODEM): modem_interfaces(self.rssi)}


class Modem(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, MODEM)

    @dbus.service.signal(PROPS, signature="sa{sv}as")
    def PropertiesChanged(self, iface, changed, invalidated):
        pass


class Bearer(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, BEARER)

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        if iface != NAME + ".Bearer":
            return {}
        return {
            "Connected": True,
            "Interface": "lo",
            "Properties": dbus.Dictionary(
                {"apn": "internet.fake", "ip-type": dbus.UInt32(8)}, signature="sv"
            ),
        }


def main():
    address, ready = sys.argv[1], sys.argv[2]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    name = dbus.service.BusName(NAME, bus)  # noqa: F841 (held while running)
    manager = Manager(bus)
    modem = Modem(bus)
    Bearer(bus)

    def change():
        manager.rssi = -71.0
        lte = dbus.Dictionary({"rssi": dbus.Double(-71.0)}, signature="sv")
        modem.PropertiesChanged(NAME + ".Modem.Signal", {"Lte": lte}, [])
        return False

    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR1, change)
    with open(ready, "a") as f:
        f.write("ready\n")
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
