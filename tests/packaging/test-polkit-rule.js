// test-polkit-rule.js - polkit/50-lwm2md.rules run against the actions lwm2md asks
// for and ones it must not get, with a stand-in for polkit's JavaScript API.
//
// Usage: node test-polkit-rule.js RULES_FILE
"use strict";
const fs = require("fs");
const vm = require("vm");

const Result = {YES : "yes", NO : "no", NOT_HANDLED : null, AUTH_ADMIN : "auth_admin"};
const rules = [];
const polkit = {Result, addRule : (fn) => rules.push(fn), log : () => {}};
vm.runInNewContext(fs.readFileSync(process.argv[2], "utf8"), {polkit}, {filename : process.argv[2]});
if (rules.length !== 1)
        throw new Error("expected one rule, got " + rules.length);

// What polkit does: the first rule with an answer decides; none: the action's default.
function decide(user, id, details) {
        const action = {id, lookup : (key) => (details || {})[key]};
        const subject = {user, isInGroup : () => false};
        const r = rules[0](action, subject);
        return r === undefined ? null : r;
}

let failures = 0;
function expect(user, id, details, want) {
        const got = decide(user, id, details);
        const ok = got === want;
        if (!ok)
                failures++;
        console.log((ok ? "ok   " : "FAIL ") + user + " " + id + " " + JSON.stringify(details || {}) +
                    ": " + got + (ok ? "" : " (want " + want + ")"));
}

const granted = [
        "org.freedesktop.login1.reboot",
        "org.freedesktop.login1.reboot-multiple-sessions",
        "org.freedesktop.login1.reboot-ignore-inhibit",
        "org.freedesktop.timedate1.set-time",
        "org.freedesktop.timedate1.set-timezone",
];
for (const id of granted) {
        expect("lwm2md", id, null, Result.YES);
        expect("nobody", id, null, Result.NOT_HANDLED);
}
// Nothing beyond what the daemon does.
for (const id of ["org.freedesktop.login1.power-off", "org.freedesktop.login1.halt",
                  "org.freedesktop.timedate1.set-ntp", "org.freedesktop.timedate1.set-local-rtc",
                  "org.freedesktop.hostname1.set-hostname", "org.freedesktop.systemd1.reload-daemon"])
        expect("lwm2md", id, null, Result.NOT_HANDLED);
// Starting the factory reset unit, and only that.
const units = "org.freedesktop.systemd1.manage-units";
expect("lwm2md", units, {unit : "lwm2md-factory-reset.service", verb : "start"}, Result.YES);
expect("nobody", units, {unit : "lwm2md-factory-reset.service", verb : "start"}, Result.NOT_HANDLED);
expect("lwm2md", units, {unit : "lwm2md-factory-reset.service", verb : "stop"}, Result.NOT_HANDLED);
expect("lwm2md", units, {unit : "lwm2md-factory-reset.service", verb : "restart"}, Result.NOT_HANDLED);
expect("lwm2md", units, {unit : "sshd.service", verb : "start"}, Result.NOT_HANDLED);
expect("lwm2md", units, {unit : "lwm2md.service", verb : "start"}, Result.NOT_HANDLED);
expect("lwm2md", units, null, Result.NOT_HANDLED);

process.exit(failures ? 1 : 0);
