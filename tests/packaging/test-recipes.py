#!/usr/bin/python3
# Static check of the Yocto recipe and the Buildroot package in packaging/ against the
# build: dependencies, options, license checksums and the files the recipes ship.
"""test-recipes.py SRCDIR | --self-test

Fails, naming the file to fix, when meson.build gains a dependency or an option the
recipes lack, when LICENSE changes without the recipes' checksums, or when a file the
recipes list is no longer in the source tree.
"""

import glob
import hashlib
import os
import re
import shutil
import sys
import tempfile

# pkg-config name in meson.build -> (OpenEmbedded recipe, Buildroot package, Kconfig symbol).
# A new dependency in meson.build needs a row here and entries in both recipes.
RECIPE_MAP = {
    'libcoap-3-gnutls': ('libcoap', 'libcoap', 'BR2_PACKAGE_LIBCOAP'),
    'gnutls': ('gnutls', 'gnutls', 'BR2_PACKAGE_GNUTLS'),
    'libsystemd': ('systemd', 'systemd', 'BR2_PACKAGE_SYSTEMD'),
    'systemd': ('systemd', 'systemd', 'BR2_PACKAGE_SYSTEMD'),
    'libcbor': ('libcbor', 'libcbor', 'BR2_PACKAGE_LIBCBOR'),
    'expat': ('expat', 'expat', 'BR2_PACKAGE_EXPAT'),
    'json-c': ('json-c', 'json-c', 'BR2_PACKAGE_JSON_C'),
    'inih': ('libinih', 'libinih', 'BR2_PACKAGE_LIBINIH'),
    'libcurl': ('curl', 'libcurl', 'BR2_PACKAGE_LIBCURL'),
}

# Options for developers, never set by a distribution build.
DEVELOPER_OPTIONS = {'tests', 'benchmarks', 'fuzzing'}


# What the Yocto FILES list ships -> its source in the tree ('*' globs). Entries marked
# optional are installed only where the build needs them (i14-common.md).
FILES_SOURCES = {
    '${libdir}/lwm2md/lwm2md-http.so': ('src/daemon/http_fetch.c', False),
    '${datadir}/lwm2md/objects.d': ('objects.d/*.xml', False),
    '${systemd_system_unitdir}/lwm2md-factory-reset.service':
        ('systemd/lwm2md-factory-reset.service', False),
    '${nonarch_libdir}/sysusers.d/lwm2md.conf': ('systemd/lwm2md.sysusers', False),
    '${nonarch_libdir}/tmpfiles.d/lwm2md.conf': ('systemd/lwm2md.tmpfiles', True),
    '${datadir}/dbus-1/system.d/org.lwm2md1.conf': ('dbus/org.lwm2md1.conf', False),
    '${datadir}/dbus-1/system-services/org.lwm2md1.service':
        ('dbus/org.lwm2md1.service', False),
    '${datadir}/polkit-1/rules.d/50-lwm2md.rules': ('polkit/50-lwm2md.rules', False),
    '${datadir}/dbus-1/interfaces/org.lwm2md1.*.xml': ('dbus/org.lwm2md1.*.xml', False),
}

YOCTO_RECIPE = 'packaging/yocto/recipes-connectivity/lwm2md/lwm2md_git.bb'
YOCTO_LAYER = 'packaging/yocto/conf/layer.conf'
BR_DIR = 'packaging/buildroot/package/lwm2md'


def read(root, rel):
    with open(os.path.join(root, rel), encoding='utf-8') as f:
        return f.read()


def strip_comments(text, marker):
    return '\n'.join(line.split(marker, 1)[0] if not line.lstrip().startswith(marker) else ''
                     for line in text.splitlines())


def meson_files(root):
    """The meson.build files of what gets installed: not tests/, bench/ or fuzz targets."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        top = rel.split(os.sep)[0]
        if rel != '.' and (top in ('tests', 'bench', 'packaging') or top.startswith(('build', '.'))):
            dirnames[:] = []
            continue
        if 'meson.build' in filenames:
            out.append(os.path.join(rel, 'meson.build') if rel != '.' else 'meson.build')
    return sorted(out)


def meson_dependencies(root):
    """{pkg-config name: option name or None} of every dependency('...') call; the option
    is the one in `required : get_option('...')` when the dependency hangs on one."""
    deps = {}
    call = re.compile(r"dependency\(\s*'([^']+)'([^)]*)\)", re.S)
    for rel in meson_files(root):
        text = strip_comments(read(root, rel), '#')
        for m in call.finditer(text):
            name, rest = m.group(1), m.group(2)
            opt = re.search(r"required\s*:\s*get_option\(\s*'([^']+)'", rest)
            optional = re.search(r"required\s*:\s*false", rest) is not None
            key = opt.group(1) if opt else ('?optional' if optional else None)
            # An unconditional use anywhere wins over an optional one.
            if name not in deps or key is None:
                deps[name] = key
    return deps


def meson_option_types(root):
    """{option name: its type} from meson_options.txt (or meson.options)."""
    text = ''
    for rel in ('meson_options.txt', 'meson.options'):
        if os.path.exists(os.path.join(root, rel)):
            text += read(root, rel)
    return dict(re.findall(r"option\(\s*'([^']+)'\s*,\s*type\s*:\s*'([^']+)'",
                           strip_comments(text, '#')))


def meson_options(root):
    return set(meson_option_types(root))


# The values a recipe gives -Dopt= for each option type: (when on, when off).
OPTION_VALUES = {'boolean': ('true', 'false'), 'feature': ('enabled', 'disabled')}


def bb_vars(text):
    """Assignments of a BitBake file, line continuations joined: {name: value}."""
    text = strip_comments(text.replace('\\\n', ' '), '#')
    out = {}
    for m in re.finditer(r'^([A-Za-z0-9_:${}\[\]\-.]+)\s*(\?\?=|\?=|\+=|=\+|:=|=)\s*"([^"]*)"',
                         text, re.M):
        name, op, value = m.groups()
        out[name] = (out.get(name, '') + ' ' + value) if op in ('+=', '=+') else value
    return out


def mk_blocks(text):
    """The Buildroot .mk as (condition symbol or None, line) pairs: the ifeq block a line
    is in (the else branch gets '!SYMBOL')."""
    cond, out = [], []
    for line in strip_comments(text.replace('\\\n', ' '), '#').splitlines():
        s = line.strip()
        m = re.match(r'ifeq\s*\(\$\((BR2_[A-Z0-9_]+)\),y\)', s)
        if m:
            cond.append(m.group(1))
            continue
        if s == 'else' and cond:
            cond[-1] = '!' + cond[-1]
            continue
        if s == 'endif' and cond:
            cond.pop()
            continue
        out.append((cond[-1] if cond else None, s))
    return out


def kconfig(text):
    """{config symbol: {'select': set, 'depends': set}} of a Config.in."""
    out, cur = {}, None
    for line in text.splitlines():
        s = line.split('#', 1)[0].strip()
        m = re.match(r'config\s+(BR2_[A-Z0-9_]+)', s)
        if m:
            cur = out.setdefault(m.group(1), {'select': set(), 'depends': set()})
            continue
        if cur is None:
            continue
        m = re.match(r'select\s+(BR2_[A-Z0-9_]+)', s)
        if m:
            cur['select'].add(m.group(1))
        m = re.match(r'depends on\s+(.*)', s)
        if m:
            cur['depends'].update(re.findall(r'BR2_[A-Z0-9_]+', m.group(1)))
    return out


def br_option_symbol(option):
    return 'BR2_PACKAGE_LWM2MD_' + option.upper().replace('-', '_')


def check(root):
    errors = []
    recipe_text = read(root, YOCTO_RECIPE)
    bb = bb_vars(recipe_text)
    mk_text = read(root, os.path.join(BR_DIR, 'lwm2md.mk'))
    mk = mk_blocks(mk_text)
    kc = kconfig(read(root, os.path.join(BR_DIR, 'Config.in')))
    top = kc.get('BR2_PACKAGE_LWM2MD', {'select': set(), 'depends': set()})

    oe_depends = set(bb.get('DEPENDS', '').split())
    pkgconfig = {}
    for name, value in bb.items():
        m = re.match(r'PACKAGECONFIG\[([^\]]+)\]$', name)
        if m:
            fields = [f.strip() for f in value.split(',')]
            pkgconfig[m.group(1)] = fields + [''] * (6 - len(fields))

    def br_deps(condition):
        found = set()
        for cond, line in mk:
            m = re.match(r'LWM2MD_DEPENDENCIES\s*\+?=\s*(.*)', line)
            if m and cond == condition:
                found.update(m.group(1).split())
        return found

    br_unconditional = br_deps(None)

    # (a) every dependency of the daemon, in both recipes.
    for dep, option in sorted(meson_dependencies(root).items()):
        if dep not in RECIPE_MAP:
            errors.append(
                f"meson.build depends on '{dep}', which tests/packaging/test-recipes.py "
                f"RECIPE_MAP does not know: add its OpenEmbedded recipe and Buildroot package "
                f"there, to DEPENDS in {YOCTO_RECIPE} and to LWM2MD_DEPENDENCIES and the "
                f"selects in {BR_DIR}")
            continue
        oe, br, sym = RECIPE_MAP[dep]
        if option is None or option == '?optional':
            if oe not in oe_depends:
                errors.append(f"{YOCTO_RECIPE}: DEPENDS lacks '{oe}' (meson.build: "
                              f"dependency('{dep}'))")
            if br not in br_unconditional:
                errors.append(f"{BR_DIR}/lwm2md.mk: LWM2MD_DEPENDENCIES lacks '{br}' "
                              f"(meson.build: dependency('{dep}'))")
            if sym not in top['select'] | top['depends']:
                errors.append(f"{BR_DIR}/Config.in: BR2_PACKAGE_LWM2MD neither selects nor "
                              f"depends on {sym} (meson.build: dependency('{dep}'))")
        else:
            fields = pkgconfig.get(option)
            if fields is None or oe not in fields[2].split():
                errors.append(f"{YOCTO_RECIPE}: PACKAGECONFIG[{option}] lacks the build "
                              f"dependency '{oe}' (meson.build: dependency('{dep}') "
                              f"for option {option})")
            osym = br_option_symbol(option)
            if br not in br_deps(osym):
                errors.append(f"{BR_DIR}/lwm2md.mk: no 'LWM2MD_DEPENDENCIES += {br}' under "
                              f"ifeq ($({osym}),y) (meson.build: dependency('{dep}'))")
            if sym not in kc.get(osym, {'select': set()})['select']:
                errors.append(f"{BR_DIR}/Config.in: {osym} does not select {sym}")

    # (b) every option a distribution sets, in both recipes; and nothing the build lacks.
    option_types = meson_option_types(root)
    options = set(option_types)
    oemeson = bb.get('EXTRA_OEMESON', '')
    mk_opts = ' '.join(line for _, line in mk if 'LWM2MD_CONF_OPTS' in line)
    for dev in sorted(DEVELOPER_OPTIONS & options - {'fuzzing'}):
        if f'-D{dev}=false' not in oemeson:
            errors.append(f"{YOCTO_RECIPE}: EXTRA_OEMESON lacks -D{dev}=false")
        if f'-D{dev}=false' not in mk_opts:
            errors.append(f"{BR_DIR}/lwm2md.mk: LWM2MD_CONF_OPTS lacks -D{dev}=false")
    for opt in sorted(options - DEVELOPER_OPTIONS):
        fields = pkgconfig.get(opt)
        if fields is None:
            errors.append(f"{YOCTO_RECIPE}: no PACKAGECONFIG[{opt}] for the meson option "
                          f"'{opt}'")
        elif not (fields[0].startswith(f'-D{opt}=') and fields[1].startswith(f'-D{opt}=')):
            errors.append(f"{YOCTO_RECIPE}: PACKAGECONFIG[{opt}] does not set -D{opt}= "
                          f"when on and when off")
        if f'-D{opt}=' not in mk_opts:
            errors.append(f"{BR_DIR}/lwm2md.mk: LWM2MD_CONF_OPTS never sets -D{opt}= "
                          f"(meson option '{opt}')")
        # A boolean takes true/false, a feature enabled/disabled: meson rejects the rest.
        on, off = OPTION_VALUES.get(option_types[opt], (None, None))
        if on is None:
            continue
        if fields is not None and (fields[0] != f'-D{opt}={on}' or
                                   fields[1] != f'-D{opt}={off}'):
            errors.append(f"{YOCTO_RECIPE}: PACKAGECONFIG[{opt}] must set -D{opt}={on} and "
                          f"-D{opt}={off} ({option_types[opt]} option)")
        for value in re.findall(rf'-D{re.escape(opt)}=(\S+)', mk_opts):
            if value not in (on, off):
                errors.append(f"{BR_DIR}/lwm2md.mk: -D{opt}={value}: the "
                              f"{option_types[opt]} option takes {on} or {off}")
    for name in sorted(pkgconfig):
        if name not in options:
            errors.append(f"{YOCTO_RECIPE}: PACKAGECONFIG[{name}] names no meson option "
                          f"(meson_options.txt): meson would reject -D{name}")
    for opt in sorted(set(re.findall(r'-D([a-z0-9-]+)=', mk_opts))):
        if opt not in options:
            errors.append(f"{BR_DIR}/lwm2md.mk: -D{opt}= names no meson option")

    # (c) the license and its checksums.
    with open(os.path.join(root, 'LICENSE'), 'rb') as f:
        license_bytes = f.read()
    md5 = hashlib.md5(license_bytes).hexdigest()
    sha256 = hashlib.sha256(license_bytes).hexdigest()
    m = re.search(r'file://LICENSE;md5=([0-9a-f]{32})', bb.get('LIC_FILES_CHKSUM', ''))
    if not m:
        errors.append(f"{YOCTO_RECIPE}: LIC_FILES_CHKSUM does not name file://LICENSE;md5=")
    elif m.group(1) != md5:
        errors.append(f"{YOCTO_RECIPE}: LIC_FILES_CHKSUM md5 {m.group(1)} is not LICENSE's "
                      f"{md5}")
    hash_text = read(root, os.path.join(BR_DIR, 'lwm2md.hash'))
    m = re.search(r'^sha256\s+([0-9a-f]{64})\s+LICENSE\s*$', hash_text, re.M)
    if not m:
        errors.append(f"{BR_DIR}/lwm2md.hash: no sha256 line for LICENSE")
    elif m.group(1) != sha256:
        errors.append(f"{BR_DIR}/lwm2md.hash: LICENSE sha256 {m.group(1)} is not {sha256}")
    if not re.search(r'^LWM2MD_LICENSE_FILES\s*=.*\bLICENSE\b', mk_text, re.M):
        errors.append(f"{BR_DIR}/lwm2md.mk: LWM2MD_LICENSE_FILES does not name LICENSE")
    project_license = re.search(r"license\s*:\s*'([^']+)'", read(root, 'meson.build'))
    if project_license and bb.get('LICENSE') != project_license.group(1):
        errors.append(f"{YOCTO_RECIPE}: LICENSE '{bb.get('LICENSE')}' is not meson.build's "
                      f"'{project_license.group(1)}'")

    # (d) what the recipe ships exists in the tree.
    for path in bb.get('FILES:${PN}', '').split() + bb.get('FILES:${PN}-dev', '').split():
        if path not in FILES_SOURCES:
            errors.append(f"{YOCTO_RECIPE}: FILES entry {path} has no source in "
                          f"test-recipes.py FILES_SOURCES")
            continue
        source, optional = FILES_SOURCES[path]
        if glob.glob(os.path.join(root, source)):
            continue
        if optional:
            continue
        errors.append(f"{YOCTO_RECIPE}: FILES ships {path} but {source} is not in the tree")
    for unit in bb.get('SYSTEMD_SERVICE:${PN}', '').split():
        if not glob.glob(os.path.join(root, 'systemd', unit + '*')):
            errors.append(f"{YOCTO_RECIPE}: SYSTEMD_SERVICE {unit} has no systemd/{unit}(.in)")

    # The system user: the same name in sysusers, useradd and LWM2MD_USERS.
    user = 'lwm2md'
    if not re.search(rf'\b{user}\s*$', bb.get('USERADD_PARAM:${PN}', '')):
        errors.append(f"{YOCTO_RECIPE}: USERADD_PARAM does not create the user {user}")
    if not re.search(rf'^LWM2MD_USERS\s*\+?=\s*{user}\s', mk_text, re.M):
        errors.append(f"{BR_DIR}/lwm2md.mk: LWM2MD_USERS does not create the user {user}")
    sysusers = os.path.join(root, 'systemd', 'lwm2md.sysusers')
    if os.path.exists(sysusers):
        with open(sysusers, encoding='utf-8') as f:
            if not re.search(rf'^[ug]\s+{user}\b', f.read(), re.M):
                errors.append(f"systemd/lwm2md.sysusers does not declare {user}")

    # The layer itself.
    layer = bb_vars(read(root, YOCTO_LAYER))
    for var in ('BBFILE_COLLECTIONS', 'LAYERSERIES_COMPAT_lwm2md', 'LAYERDEPENDS_lwm2md'):
        if var not in layer:
            errors.append(f"{YOCTO_LAYER}: {var} missing")
    if 'core' not in layer.get('LAYERDEPENDS_lwm2md', '').split():
        errors.append(f"{YOCTO_LAYER}: LAYERDEPENDS_lwm2md lacks core")
    for path in ('packaging/buildroot/external.desc', 'packaging/buildroot/external.mk',
                 'packaging/buildroot/Config.in'):
        if not os.path.exists(os.path.join(root, path)):
            errors.append(f"{path} missing: packaging/buildroot is no BR2_EXTERNAL tree")
    return errors


def copy_tree(root, dest):
    for rel in meson_files(root) + ['meson_options.txt', 'LICENSE']:
        os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
        shutil.copy(os.path.join(root, rel), os.path.join(dest, rel))
    for rel in ('packaging', 'systemd', 'dbus', 'objects.d', 'polkit', 'src/daemon'):
        if os.path.isdir(os.path.join(root, rel)):
            shutil.copytree(os.path.join(root, rel), os.path.join(dest, rel),
                            dirs_exist_ok=True)


def self_test(root):
    """Each fault on a copy of the tree must give an error naming it."""
    faults = [
        ('meson.build gains a dependency', 'meson.build',
         lambda t: t + "\nfoo_dep = dependency('libfoo-1.0')\n", "'libfoo-1.0'"),
        ('the recipe loses a dependency', YOCTO_RECIPE,
         lambda t: t.replace(' libinih"', '"'), "DEPENDS lacks 'libinih'"),
        ('Buildroot loses a dependency', BR_DIR + '/lwm2md.mk',
         lambda t: t.replace(' json-c libinih', ' libinih'),
         "LWM2MD_DEPENDENCIES lacks 'json-c'"),
        ('Config.in loses a select', BR_DIR + '/Config.in',
         lambda t: t.replace('\tselect BR2_PACKAGE_EXPAT\n', ''), 'BR2_PACKAGE_EXPAT'),
        ('a new meson option', 'meson_options.txt',
         lambda t: t + "option('modem', type : 'boolean', value : false)\n",
         'PACKAGECONFIG[modem]'),
        ('a feature option set as a boolean', BR_DIR + '/lwm2md.mk',
         lambda t: t.replace('-Dhttp-download=enabled', '-Dhttp-download=true'),
         '-Dhttp-download=true'),
        ('the license text changes', 'LICENSE', lambda t: t + '\n', 'md5'),
        ('the http option loses curl', YOCTO_RECIPE,
         lambda t: t.replace('-Dhttp-download=disabled,curl', '-Dhttp-download=disabled,'),
         "lacks the build dependency 'curl'"),
    ]
    base_errors = check(root)
    if base_errors:
        print('self-test: the tree itself fails:\n  ' + '\n  '.join(base_errors))
        return 1
    failed = 0
    for what, rel, edit, expect in faults:
        with tempfile.TemporaryDirectory() as tmp:
            copy_tree(root, tmp)
            path = os.path.join(tmp, rel)
            with open(path, encoding='utf-8') as f:
                text = f.read()
            changed = edit(text)
            if changed == text:
                print(f'self-test: {what}: the edit changed nothing in {rel}')
                failed += 1
                continue
            with open(path, 'w', encoding='utf-8') as f:
                f.write(changed)
            errors = check(tmp)
            if not any(expect in e for e in errors):
                print(f'self-test: {what}: no error containing {expect!r}; got {errors}')
                failed += 1
            else:
                print(f'self-test: {what}: caught')
    return 1 if failed else 0


def main(argv):
    if len(argv) == 3 and argv[1] == '--self-test':
        return self_test(argv[2])
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if not meson_dependencies(argv[1]):
        print(f'error: no dependency() found in the meson.build files under {argv[1]}')
        return 1
    errors = check(argv[1])
    for e in errors:
        print('error: ' + e)
    if not errors:
        print('recipes match meson.build, meson_options.txt and LICENSE')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
