#!/usr/bin/python3
# bus_caller.py - a local D-Bus caller of lwm2md for test_bus, run as another user
# (setpriv): one connection, one command per line on stdin, one answer line each.
#
# Usage: bus_caller.py ADDRESS
# Values are RID:TYPE:VALUE (s text, S n: a string of n bytes, Y n: n bytes of
# Opaque, d float, x integer, b 0/1); a property value is TYPE:VALUE.
#   add OID IID VALUE...        AddInstance       -> ok PATH
#   create OID IID VALUE...     CreateInstance    -> ok PATH
#   addmany N OID VALUE...      N x AddInstance(OID, 65535) -> ok N | error NAME MESSAGE
#   createmany N OID VALUE...   the same with CreateInstance
#   remove PATH                 RemoveInstance
#   setvalues PATH VALUE...     Instance.SetValues
#   setvaluesat PATH TIME VALUE...  Instance.SetValuesAt
#   send PATH...                Manager.Send of LwM2M paths (/3303/0/5700)
#   write PATH VALUE            Instance.Write
#   set PATH IFACE PROP VALUE   Properties.Set
#   exec PATH RID ARGS          Instance.Execute
#   read PATH RID               Instance.Read     -> ok VALUE
# Errors answer "error NAME MESSAGE".
import sys

import dbus

NAME = "org.lwm2md1"


def value(spec):
    kind, _, text = spec.partition(":")
    if kind == "s":
        return dbus.String(text)
    if kind == "S":
        return dbus.String("x" * int(text))
    if kind == "Y":
        return dbus.ByteArray(b"y" * int(text))
    if kind == "d":
        return dbus.Double(float(text))
    if kind == "x":
        return dbus.Int64(int(text))
    if kind == "b":
        return dbus.Boolean(text in ("1", "true"))
    raise ValueError("unknown value type " + kind)


def values(specs):
    d = dbus.Dictionary({}, signature="qv")
    for spec in specs:
        rid, _, rest = spec.partition(":")
        d[dbus.UInt16(int(rid))] = value(rest)
    return d


def run(bus, words):
    cmd, args = words[0], words[1:]
    manager = bus.get_object(NAME, "/org/lwm2md1", introspect=False)
    if cmd in ("add", "create"):
        method = "AddInstance" if cmd == "add" else "CreateInstance"
        path = manager.get_dbus_method(method, "org.lwm2md1.Manager")(
            dbus.UInt16(int(args[0])), dbus.UInt16(int(args[1])), values(args[2:]),
            signature="qqa{qv}")
        return "ok " + str(path)
    if cmd in ("addmany", "createmany"):
        method = "AddInstance" if cmd == "addmany" else "CreateInstance"
        call = manager.get_dbus_method(method, "org.lwm2md1.Manager")
        for i in range(int(args[0])):
            try:
                call(dbus.UInt16(int(args[1])), dbus.UInt16(65535), values(args[2:]),
                     signature="qqa{qv}")
            except dbus.DBusException as e:
                return "error %s after %d: %s" % (e.get_dbus_name(), i, e.get_dbus_message())
        return "ok " + args[0]
    if cmd == "send":
        manager.Send(dbus.Array(args, signature="s"), dbus_interface="org.lwm2md1.Manager",
                     signature="as")
        return "ok"
    if cmd == "remove":
        manager.RemoveInstance(dbus.ObjectPath(args[0]), dbus_interface="org.lwm2md1.Manager")
        return "ok"
    obj = bus.get_object(NAME, args[0], introspect=False)
    if cmd == "setvalues":
        obj.SetValues(values(args[1:]), dbus_interface="org.lwm2md1.Instance",
                      signature="a{qv}")
        return "ok"
    if cmd == "setvaluesat":
        obj.SetValuesAt(dbus.Double(float(args[1])), values(args[2:]),
                        dbus_interface="org.lwm2md1.Instance", signature="da{qv}")
        return "ok"
    if cmd == "write":
        rid, _, rest = args[1].partition(":")
        obj.Write(dbus.UInt16(int(rid)), value(rest), dbus_interface="org.lwm2md1.Instance",
                  signature="qv")
        return "ok"
    if cmd == "set":
        obj.Set(args[1], args[2], value(args[3]),
                dbus_interface="org.freedesktop.DBus.Properties", signature="ssv")
        return "ok"
    if cmd == "exec":
        obj.Execute(dbus.UInt16(int(args[1])), args[2] if len(args) > 2 else "",
                    dbus_interface="org.lwm2md1.Instance", signature="qs")
        return "ok"
    if cmd == "read":
        v = obj.Read(dbus.UInt16(int(args[1])), dbus_interface="org.lwm2md1.Instance",
                     signature="q")
        return "ok " + str(v)
    raise ValueError("unknown command " + cmd)


def main():
    try:
        bus = dbus.bus.BusConnection(sys.argv[1])
    except dbus.DBusException as e:
        # Answers the first command, so that the test shows why.
        sys.stdout.write("cannot connect: %s\n" % e)
        sys.stdout.flush()
        return
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            answer = run(bus, words)
        except dbus.DBusException as e:
            answer = "error %s %s" % (e.get_dbus_name(), e.get_dbus_message())
        answer = answer.replace("\n", " ")
        sys.stdout.write(answer + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
