#!/usr/bin/python3
# check-docs.py - the man pages document what the code accepts: every configuration key
# under its section of lwm2md.conf(5), every D-Bus member in lwm2md.dbus(5), and the long
# options of --help in the page's SYNOPSIS/OPTIONS and back.
#
#   check-docs.py config-keys SRC/daemon/config.c MAN/lwm2md.conf.5
#   check-docs.py dbus-members MAN/lwm2md.dbus.5 DBUS_DIR|XML...
#   check-docs.py options PROGRAM MAN/PAGE
#   check-docs.py --self-test
import glob
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

# The functions of config.c that take a section's keys, and the man page sections (.SH
# titles) where those keys may be documented. A key setter config.c gains must be added here:
# the check fails on a "static int set_*_key" / "config_set_*_key" it does not know.
SETTERS = {
    "config_set_main_key": ["[lwm2md] SECTION"],
    "set_device_key": ["[device] SECTION"],
    "set_location_key": ["[location] SECTION"],
    "set_firmware_key": ["[firmware] SECTION"],
    "set_connectivity_key": ["[connectivity] SECTION"],
    # [bootstrap-server] takes the [server] keys; its page section names those it adds.
    "config_set_server_key": ["[server NAME] SECTIONS", "[bootstrap-server] SECTION"],
    "set_send_key": ["[send NAME] SECTIONS"],
    "set_access_key": ["[access-control OID/IID] SECTIONS"],
}


def roff_text(text):
    """The words of roff source: escapes for dashes and fonts gone, requests' dots kept."""
    text = text.replace("\\-", "-").replace("\\(hy", "-")
    text = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", text)
    text = re.sub(r"\\[&|^%]", "", text)
    return text


def man_sections(path):
    """{.SH title: text of the section, sub-sections included} in page order."""
    sections, title, lines = {}, None, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'\.SH\s+"?(.*?)"?\s*$', line)
            if m:
                if title is not None:
                    sections[title] = roff_text("".join(lines))
                title, lines = roff_text(m.group(1)), []
            elif title is not None:
                lines.append(line)
    if title is not None:
        sections[title] = roff_text("".join(lines))
    return sections


def function_bodies(source):
    """{name: body} of the top-level functions of a C file (bodies end at a column-0 '}')."""
    bodies = {}
    for m in re.finditer(r"^(?:static\s+)?int\s+(\w+)\s*\(([^)]*)\)\s*\{(.*?)^\}", source,
                         re.M | re.S):
        bodies[m.group(1)] = (m.group(2), m.group(3))
    return bodies


def table_keys(text, table):
    """The key names of a key table "NAME[] = { {"key", ...}, NUMBER_KEY("key", ...) }"."""
    m = re.search(r"\b" + re.escape(table) + r"\[\]\s*=\s*\{(.*?)^\s*\};", text, re.M | re.S)
    if not m:
        return None
    return re.findall(r'(?:\{|\w+\()\s*"([a-z0-9-]+)"\s*,', m.group(1))


def config_keys(source):
    """{setter: [keys]} from config.c: strcmp(key, "...") and the key tables a setter scans."""
    bodies = function_bodies(source)
    # A key setter: its name says so and it is handed the key's name.
    unknown = [n for n, (params, _) in bodies.items()
               if re.fullmatch(r"(config_)?set_\w+_key", n)
               and re.search(r"const char \*key\b", params) and n not in SETTERS]
    if unknown:
        raise SystemExit("FAIL: config.c has key setters this check does not know: "
                         + ", ".join(unknown) + " (add them to SETTERS)")
    keys = {}
    for name in SETTERS:
        params, body = bodies.get(name, (None, None))
        if body is None:
            raise SystemExit(f"FAIL: config.c has no function {name} (update SETTERS)")
        found = re.findall(r'strcmp\(key,\s*"([a-z0-9-]+)"\)', body)
        # A table of keys is one the key is compared with: strcmp(key, table[i].key).
        for table in sorted(set(re.findall(r"strcmp\(key,\s*(\w+)\[\w+\]\.key\)", body))):
            entries = table_keys(body, table)
            if entries is None:
                entries = table_keys(source, table)
            if not entries:
                raise SystemExit(f"FAIL: {name}: cannot read the key table {table}")
            found += entries
        if not found:
            raise SystemExit(f"FAIL: {name}: no key found (has the parser changed shape?)")
        keys[name] = sorted(set(found))
    return keys


def key_documented(text, key):
    # Keys are documented as "key = VALUE" (several on a line: "latitude = D, longitude = D").
    return re.search(r"(?<![\w-])" + re.escape(key) + r"\s*=", text) is not None


def check_config_keys(config_c, page):
    with open(config_c, encoding="utf-8") as f:
        keys = config_keys(f.read())
    sections = man_sections(page)
    missing, total = [], 0
    for setter, names in keys.items():
        texts = []
        for title in SETTERS[setter]:
            if title not in sections:
                missing.append(f"{page}: no section .SH {title} (for {setter})")
            else:
                texts.append(sections[title])
        for key in names:
            total += 1
            if not any(key_documented(t, key) for t in texts):
                missing.append(f"{page}: key '{key}' ({setter} in {config_c}) is not documented"
                               f" under {' or '.join(SETTERS[setter])}")
    for line in missing:
        print("FAIL:", line)
    print(f"{total} configuration keys in {len(keys)} sections checked, "
          f"{len(missing)} problem(s)")
    return 1 if missing else 0


def check_dbus_members(page, xml_files):
    # A directory stands for its org.lwm2md1.*.xml, so that a new interface is checked too.
    xml_files = [f for arg in xml_files for f in
                 (sorted(glob.glob(os.path.join(arg, "org.lwm2md1.*.xml")))
                  if os.path.isdir(arg) else [arg])]
    if not xml_files:
        print("FAIL: no interface description given")
        return 1
    sections = man_sections(page)
    missing, total = [], 0
    for path in xml_files:
        for iface in ET.parse(path).getroot().iter("interface"):
            name = iface.get("name")
            # The sections that document this interface: they name it (not as the prefix of
            # a longer name such as the typed org.lwm2md1.Object<oid>).
            pattern = re.compile(re.escape(name) + r"(?![\w.])")
            texts = [t for t in sections.values() if pattern.search(t)]
            if not texts:
                missing.append(f"{page}: interface {name} ({path}) is named in no section")
                continue
            for kind in ("method", "property", "signal"):
                for member in iface.iter(kind):
                    total += 1
                    word = re.compile(r"(?<![\w.])" + re.escape(member.get("name")) + r"\b")
                    if not any(word.search(t) for t in texts):
                        missing.append(f"{page}: {kind} {name}.{member.get('name')} ({path}) "
                                       f"is not documented in the section(s) naming {name}")
    for line in missing:
        print("FAIL:", line)
    print(f"{total} D-Bus members checked, {len(missing)} problem(s)")
    return 1 if missing else 0


LONG_OPTION = re.compile(r"(?<![\w-])--([a-z][a-z0-9-]*)")


def check_options(program, page):
    run = subprocess.run([program, "--help"], capture_output=True, text=True, timeout=30)
    if run.returncode != 0:
        print(f"FAIL: {program} --help: exit {run.returncode}\n{run.stderr}")
        return 1
    in_help = set(LONG_OPTION.findall(run.stdout))
    sections = man_sections(page)
    text = sections.get("SYNOPSIS", "") + sections.get("OPTIONS", "")
    if not text:
        print(f"FAIL: {page}: no SYNOPSIS or OPTIONS section")
        return 1
    in_page = set(LONG_OPTION.findall(text))
    problems = [f"{page}: --{o} is in '{program} --help' but not in SYNOPSIS/OPTIONS"
                for o in sorted(in_help - in_page)]
    problems += [f"{page}: --{o} is in SYNOPSIS/OPTIONS but not in '{program} --help'"
                 for o in sorted(in_page - in_help)]
    for line in problems:
        print("FAIL:", line)
    print(f"{len(in_help)} long options of --help, {len(in_page)} in the page, "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


def self_test():
    """The extraction on a small config.c and page with a known gap each."""
    source = '''
static const number_key main_number_keys[] = {
        NUMBER_KEY("max-value-size", 1, "", x),
};
int config_set_main_key(config *c, const char *key)
{
        if (strcmp(key, "endpoint") == 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(main_number_keys); i++)
                if (strcmp(key, main_number_keys[i].key) == 0)
                        return 0;
}
static int set_device_key(parse_state *st, const char *key)
{
        static const struct {
                const char *key;
        } keys[] = {
                {"manufacturer", 1},
        };
        static const char *const names[] = {"none", "rauc"};
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (strcmp(key, keys[i].key) != 0)
                        continue;
}
'''
    saved = dict(SETTERS)
    SETTERS.clear()
    SETTERS.update({"config_set_main_key": ["[lwm2md] SECTION"],
                    "set_device_key": ["[device] SECTION"]})
    try:
        keys = config_keys(source)
    finally:
        SETTERS.clear()
        SETTERS.update(saved)
    assert keys == {"config_set_main_key": ["endpoint", "max-value-size"],
                    "set_device_key": ["manufacturer"]}, keys
    text = roff_text('.BI "max\\-value\\-size = " BYTES\n.BI "latitude = " D ", longitude = " D\n')
    assert key_documented(text, "max-value-size")
    assert key_documented(text, "longitude")
    assert not key_documented(text, "value-size")
    assert LONG_OPTION.findall(roff_text("\\fB\\-\\-config\\fR \\-v --dump-state")) == \
        ["config", "dump-state"]
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        page, xml = os.path.join(tmp, "p.5"), os.path.join(tmp, "i.xml")
        with open(page, "w") as f:
            f.write('.SH THE MANAGER\n.B org.lwm2md1.Manager\n.B Update()\n.SH OTHER\nSend\n')
        with open(xml, "w") as f:
            f.write('<node><interface name="org.lwm2md1.Manager"><method name="Update"/>'
                    '<method name="Send"/></interface></node>')
        assert check_dbus_members(page, [xml]) == 1  # Send is in the wrong section
    print("self-test passed")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) == 4 and argv[1] == "config-keys":
        return check_config_keys(argv[2], argv[3])
    if len(argv) >= 4 and argv[1] == "dbus-members":
        return check_dbus_members(argv[2], argv[3:])
    if len(argv) == 4 and argv[1] == "options":
        return check_options(argv[2], argv[3])
    print(__doc__ if __doc__ else "usage: see the header of check-docs.py", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
