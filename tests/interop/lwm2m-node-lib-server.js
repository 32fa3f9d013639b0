// lwm2m-node-lib-server.js - the server half of the lwm2m-node-lib interoperability test.
// Runs Telefonica's lwm2m-node-lib LwM2M server (an implementation independent of ours) on
// 127.0.0.1, waits for the real lwm2md to register, drives it through the library's API, checks
// every answer, then stops lwm2md with SIGTERM and checks the De-register.
//
// Usage: node lwm2m-node-lib-server.js --modules DIR --port-file FILE --pid-file FILE
//                                      [--endpoint NAME] [--manufacturer TEXT] [--verbose]
// --modules is the node_modules directory holding lwm2m-node-lib (installed by the runner);
// the chosen UDP port is written to --port-file once the server listens; the runner writes
// lwm2md's process id to --pid-file after starting it. Prints one "ok"/"not ok" line per
// check (TAP style) and exits 1 if any check failed.
'use strict';

const dgram = require('dgram');
const fs = require('fs');
const path = require('path');

const REQUEST_TIMEOUT_MS = 20000;
const REGISTER_TIMEOUT_MS = 60000;
const EVENT_TIMEOUT_MS = 15000;
const OBSERVE_TIMEOUT_MS = 5000;
// lwm2md has no Observe support yet (src/lwm2m answers GET+Observe as a plain Read).
const OBSERVE_TODO = 'lwm2md does not support Observe yet';

function parseArgs(argv) {
        const opts = { endpoint: 'interop-test', manufacturer: null, verbose: false };
        for (let i = 0; i < argv.length; i++) {
                const a = argv[i];
                const value = () => {
                        if (i + 1 >= argv.length)
                                throw new Error(a + ' needs a value');
                        return argv[++i];
                };
                if (a === '--modules')
                        opts.modules = value();
                else if (a === '--port-file')
                        opts.portFile = value();
                else if (a === '--pid-file')
                        opts.pidFile = value();
                else if (a === '--endpoint')
                        opts.endpoint = value();
                else if (a === '--manufacturer')
                        opts.manufacturer = value();
                else if (a === '--verbose')
                        opts.verbose = true;
                else
                        throw new Error('unknown argument ' + a);
        }
        if (!opts.modules || !opts.portFile || !opts.pidFile)
                throw new Error('--modules, --port-file and --pid-file are required');
        return opts;
}

const opts = parseArgs(process.argv.slice(2));
const libDir = path.join(opts.modules, 'lwm2m-node-lib');
const lwm2m = require(libDir);
// The very instance of node-coap that lwm2m-node-lib loads, so the patch below reaches it.
const coap = require(require.resolve('coap', { paths: [libDir] }));
const server = lwm2m.server;

// lwm2m-node-lib listens on every address (it never passes one to node-coap's listen()); the
// test must stay on the loopback interface, so bind its server socket to 127.0.0.1.
const createServer = coap.createServer;
coap.createServer = function () {
        const srv = createServer.apply(this, arguments);
        const listen = srv.listen;
        srv.listen = function (port, address, done) {
                if (typeof address === 'function') {
                        done = address;
                        address = null;
                }
                return listen.call(this, port, address || '127.0.0.1', done);
        };
        return srv;
};

let passed = 0;
let failed = 0;
let todo = 0;
let checkNo = 0;

function check(ok, what, detail) {
        checkNo++;
        if (ok) {
                passed++;
                console.log('ok ' + checkNo + ' - ' + what);
        } else {
                failed++;
                console.log('not ok ' + checkNo + ' - ' + what + (detail ? ': ' + detail : ''));
        }
        return ok;
}

// A check of a feature lwm2md does not have yet: reported (TAP "# TODO"), not counted as a
// failure; it starts passing by itself once the feature lands.
function checkTodo(ok, what, why) {
        checkNo++;
        if (ok)
                passed++;
        else
                todo++;
        console.log((ok ? 'ok ' : 'not ok ') + checkNo + ' - ' + what + ' # TODO ' + why);
        return ok;
}

function info(text) {
        console.log('# ' + text);
}

function withTimeout(promise, ms, what) {
        let timer;
        const timeout = new Promise((resolve, reject) => {
                timer = setTimeout(() => reject(new Error('timed out after ' + ms + ' ms: ' + what)), ms);
        });
        return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Calls a callback-style lwm2m-node-lib function; resolves {error, value} so that refusals the
// test expects are data, not exceptions.
function call(what, fn, ...args) {
        const p = new Promise((resolve) => {
                fn(...args, (error, value) => resolve({ error, value }));
        });
        return withTimeout(p, REQUEST_TIMEOUT_MS, what);
}

function describeError(error) {
        if (!error)
                return 'no error';
        return (error.name || 'Error') + ' [' + (error.code || '?') + '] ' + (error.message || '');
}

// Events from the library's handlers (Register, Update, De-register), with waiters.
function eventQueue() {
        const events = [];
        const waiters = [];
        return {
                push(ev) {
                        ev.time = Date.now();
                        events.push(ev);
                        for (let i = waiters.length - 1; i >= 0; i--) {
                                if (waiters[i].match(ev)) {
                                        waiters[i].resolve(ev);
                                        waiters.splice(i, 1);
                                }
                        }
                },
                wait(match, ms, what) {
                        const found = events.find(match);
                        if (found)
                                return Promise.resolve(found);
                        return withTimeout(new Promise((resolve) => waiters.push({ match, resolve })), ms, what);
                },
                events,
        };
}

const registrations = eventQueue();
const updates = eventQueue();
const deregistrations = eventQueue();
const notifications = eventQueue();

// Finds a free UDP port on 127.0.0.1 for the server to listen on.
function pickPort() {
        return new Promise((resolve, reject) => {
                const sock = dgram.createSocket('udp4');
                sock.on('error', reject);
                sock.bind(0, '127.0.0.1', () => {
                        const port = sock.address().port;
                        sock.close(() => resolve(port));
                });
        });
}

function writeFileAtomic(file, text) {
        fs.writeFileSync(file + '.tmp', text);
        fs.renameSync(file + '.tmp', file);
}

function readPid(file) {
        const text = fs.readFileSync(file, 'utf8').trim();
        const pid = Number(text);
        if (!Number.isInteger(pid) || pid <= 1)
                throw new Error('bad pid in ' + file + ': ' + JSON.stringify(text));
        return pid;
}

// Parses a CoRE link-format registration payload into the list of its link targets.
function linkTargets(payload) {
        return (payload.match(/<[^>]*>/g) || []).map((t) => t.slice(1, -1));
}

async function startServer() {
        const port = await pickPort();
        const config = {
                port: port,
                serverProtocol: 'udp4',
                // The in-memory registry: no MongoDB.
                deviceRegistry: { type: 'memory' },
                // Without a default type the library answers every Register with 4.04.
                defaultType: 'Device',
                types: [],
                logLevel: opts.verbose ? 'DEBUG' : 'FATAL',
                lifetimeCheckInterval: 1000,
                // The library's own default is "lightweightm2m/text" = 1541, a number from a
                // pre-1.0 draft; standard text/plain is 0.
                writeFormat: 'text/plain',
                defaultAcceptFormat: 'text/plain',
        };
        const serverInfo = await new Promise((resolve, reject) => {
                server.start(config, (error, si) => (error ? reject(error) : resolve(si)));
        });
        server.setHandler(serverInfo, 'registration', (endpoint, lifetime, version, binding, payload, cb) => {
                registrations.push({ endpoint, lifetime, version, binding, payload });
                cb();
        });
        server.setHandler(serverInfo, 'updateRegistration', (device, payload, cb) => {
                updates.push({ device: Object.assign({}, device), payload });
                cb();
        });
        server.setHandler(serverInfo, 'unregistration', (device, cb) => {
                deregistrations.push({ device: Object.assign({}, device) });
                cb();
        });
        return { serverInfo, config, port };
}

// Rejects once lwm2md's process is gone, so that a daemon that died at start fails the test at
// once instead of after the Register timeout.
function daemonExit() {
        let timer;
        const gone = new Promise((resolve, reject) => {
                timer = setInterval(() => {
                        let pid;
                        try {
                                pid = readPid(opts.pidFile);
                        } catch (e) {
                                return; // not started yet
                        }
                        try {
                                process.kill(pid, 0);
                        } catch (e) {
                                reject(new Error('lwm2md (pid ' + pid + ') exited before registering'));
                        }
                }, 200);
        });
        return { gone, stop: () => clearInterval(timer) };
}

async function runChecks(config) {
        const exit = daemonExit();
        let reg;
        try {
                reg = await Promise.race([exit.gone, registrations.wait((ev) => ev.endpoint === opts.endpoint,
                        REGISTER_TIMEOUT_MS, 'Register from ' + opts.endpoint)]);
        } finally {
                exit.stop();
        }
        check(true, "Register received from endpoint '" + reg.endpoint + "'");
        info('Register: lt=' + reg.lifetime + ' lwm2m=' + reg.version + ' b=' + reg.binding);
        info('Register payload: ' + reg.payload);
        check(reg.lifetime === '60', 'Register carries lt=60', 'lt=' + reg.lifetime);
        check(reg.binding === 'U', 'Register carries b=U', 'b=' + reg.binding);
        check(reg.version === '1.1', 'Register carries lwm2m=1.1', 'lwm2m=' + reg.version);

        const targets = linkTargets(reg.payload);
        check(targets.includes('/1/0'), 'object list announces Server instance </1/0>', reg.payload);
        check(targets.includes('/3/0'), 'object list announces Device instance </3/0>', reg.payload);
        check(!targets.some((t) => t === '/0' || t.startsWith('/0/')),
                'object list leaves out the Security object', reg.payload);

        const listed = await call('listDevices', server.listDevices);
        const names = (listed.value || []).map((d) => d.name);
        check(!listed.error && names.includes(opts.endpoint), 'listDevices() shows the endpoint',
                describeError(listed.error) + ' names=' + JSON.stringify(names));

        const dev = await call('getDevice', server.getDevice, opts.endpoint);
        if (!check(!dev.error && dev.value, 'getDevice() finds the endpoint', describeError(dev.error)))
                return;
        const id = dev.value.id;
        info('registered at /rd/' + id + ' from ' + dev.value.address + ':' + dev.value.port);

        let r = await call('read /3/0/0', server.read, id, 3, 0, 0);
        if (opts.manufacturer !== null)
                check(!r.error && r.value === opts.manufacturer, 'read /3/0/0 (Manufacturer) as text',
                        describeError(r.error) + ' value=' + JSON.stringify(r.value));
        else
                check(!r.error && r.value.length > 0, 'read /3/0/0 (Manufacturer) as text',
                        describeError(r.error));
        info('/3/0/0 = ' + JSON.stringify(r.value));

        r = await call('read /1/0/1', server.read, id, 1, 0, 1);
        check(!r.error && r.value === '60', 'read /1/0/1 (Lifetime) = 60',
                describeError(r.error) + ' value=' + JSON.stringify(r.value));

        r = await call('discover /3/0', server.discover, id, 3, 0);
        const discovered = linkTargets(r.value || '');
        check(!r.error && discovered.includes('/3/0/0') && discovered.includes('/3/0/4'),
                'discover /3/0 lists </3/0/0> and </3/0/4>',
                describeError(r.error) + ' payload=' + JSON.stringify(r.value));

        r = await call('write-attributes /1/0/1', server.writeAttributes, id, 1, 0, 1, { pmin: 0, pmax: 30 });
        check(!r.error, 'write-attributes /1/0/1?pmin=0&pmax=30 accepted', describeError(r.error));

        // Observe the Lifetime, so that the Write below must produce a notification. When the
        // 2.05 answer carries no Observe option, lwm2m-node-lib never calls back: hence the short
        // timeout.
        let observing = false;
        try {
                const observed = await withTimeout(new Promise((resolve) => {
                        server.observe(id, 1, 0, 1, (value, objectType, objectId, resourceId) => {
                                notifications.push({ path: '/' + objectType + '/' + objectId + '/' + resourceId,
                                        value });
                        }, (error, value) => resolve({ error, value }));
                }), OBSERVE_TIMEOUT_MS, 'observe /1/0/1');
                observing = !observed.error && observed.value === '60';
                checkTodo(observing, 'observe /1/0/1 returns 60', OBSERVE_TODO + ': ' +
                        describeError(observed.error) + ' value=' + JSON.stringify(observed.value));
        } catch (e) {
                checkTodo(false, 'observe /1/0/1 establishes an observation', OBSERVE_TODO + ': ' + e.message);
        }

        const beforeWrite = Date.now();
        r = await call('write /1/0/1', server.write, id, 1, 0, 1, '120');
        check(!r.error, 'write /1/0/1 = 120 (text/plain)', describeError(r.error));

        r = await call('read /1/0/1', server.read, id, 1, 0, 1);
        check(!r.error && r.value === '120', 'read back /1/0/1 = 120',
                describeError(r.error) + ' value=' + JSON.stringify(r.value));

        if (observing) {
                try {
                        const n = await notifications.wait((ev) => ev.value === '120', EVENT_TIMEOUT_MS,
                                'notification of /1/0/1 = 120');
                        check(true, 'notification for /1/0/1 carries 120 (' + n.path + ')');
                } catch (e) {
                        check(false, 'notification for /1/0/1 carries 120', e.message);
                }
        }

        try {
                const u = await updates.wait((ev) => ev.time >= beforeWrite && ev.device.lifetime === '120',
                        EVENT_TIMEOUT_MS, 'Update with lt=120');
                check(true, 'Update with lt=120 follows the Lifetime write');
                info('Update payload: ' + JSON.stringify(u.payload));
        } catch (e) {
                check(false, 'Update with lt=120 follows the Lifetime write', e.message);
        }

        // Let the lifetime Update settle, so the next one can only come from the Execute.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const beforeExecute = Date.now();
        r = await call('execute /1/0/8', server.execute, id, 1, 0, 8, null);
        check(!r.error, 'execute /1/0/8 (Registration Update Trigger)', describeError(r.error));
        try {
                await updates.wait((ev) => ev.time >= beforeExecute, EVENT_TIMEOUT_MS,
                        'Update after execute /1/0/8');
                check(true, 'Update received after execute /1/0/8');
        } catch (e) {
                check(false, 'Update received after execute /1/0/8', e.message);
        }

        // Refusals: each must be the LwM2M error code, not a crash or a silent success.
        r = await call('read /3/0/4', server.read, id, 3, 0, 4);
        check(r.error && r.error.code === '4.05', 'read /3/0/4 (executable Reboot) refused with 4.05',
                describeError(r.error) + ' value=' + JSON.stringify(r.value));

        r = await call('read /3/0/9999', server.read, id, 3, 0, 9999);
        check(r.error && r.error.code === '4.04', 'read /3/0/9999 (no such resource) refused with 4.04',
                describeError(r.error) + ' value=' + JSON.stringify(r.value));

        r = await call('write /3/0/0', server.write, id, 3, 0, 0, 'someone else');
        check(r.error && r.error.code === '4.05', 'write /3/0/0 (read-only Manufacturer) refused with 4.05',
                describeError(r.error));

        // lwm2md takes a POST on a resource that is not executable for a Write (partial update),
        // even on a single-instance resource, and so answers 4.00 (empty body) instead of 4.05.
        r = await call('execute /1/0/1', server.execute, id, 1, 0, 1, null);
        checkTodo(r.error && r.error.code === '4.05', 'execute /1/0/1 (not executable) refused with 4.05',
                'lwm2md treats it as a partial Write (src/lwm2m/dm.c POST dispatch): ' + describeError(r.error));

        // The library's create() is the pre-1.0 form, POST /O/I without a payload; to a 1.1
        // client that is a Write (partial update) of an instance that does not exist.
        r = await call('create /3303/0', server.create, id, 3303, 0);
        check(r.error && r.error.code === '4.04', "library's create (POST /3303/0, no payload) refused with 4.04",
                describeError(r.error));
        r = await call('read /3303/0/5700', server.read, id, 3303, 0, 5700);
        check(r.error && r.error.code === '4.04', 'no instance /3303/0 was created',
                describeError(r.error) + ' value=' + JSON.stringify(r.value));

        // What the library sends when left at its defaults: Content-Format 1541.
        config.writeFormat = 'lightweightm2m/text';
        r = await call('write /1/0/1 as 1541', server.write, id, 1, 0, 1, '90');
        config.writeFormat = 'text/plain';
        check(r.error && r.error.code === '4.15',
                "write with the library's default Content-Format 1541 refused with 4.15",
                describeError(r.error));

        r = await call('read /1/0/1', server.read, id, 1, 0, 1);
        check(!r.error && r.value === '120', '/1/0/1 still 120 after the refused writes',
                describeError(r.error) + ' value=' + JSON.stringify(r.value));
}

async function stopDaemon() {
        let pid;
        try {
                pid = readPid(opts.pidFile);
        } catch (e) {
                check(false, 'lwm2md process id known', e.message);
                return;
        }
        const beforeStop = Date.now();
        try {
                process.kill(pid, 'SIGTERM');
        } catch (e) {
                check(false, 'lwm2md still running at the end of the checks', e.message);
                return;
        }
        info('sent SIGTERM to lwm2md (pid ' + pid + ')');
        try {
                const d = await deregistrations.wait((ev) => ev.time >= beforeStop && ev.device.name === opts.endpoint,
                        EVENT_TIMEOUT_MS, 'De-register');
                check(true, "De-register received for '" + d.device.name + "'");
        } catch (e) {
                check(false, 'De-register received', e.message);
        }
        const listed = await call('listDevices', server.listDevices);
        const names = (listed.value || []).map((dv) => dv.name);
        check(!listed.error && !names.includes(opts.endpoint), 'endpoint gone from listDevices()',
                JSON.stringify(names));
}

async function main() {
        const { serverInfo, config, port } = await startServer();
        info('lwm2m-node-lib ' + require(path.join(libDir, 'package.json')).version +
                ' server listening on coap://127.0.0.1:' + port);
        writeFileAtomic(opts.portFile, String(port) + '\n');

        try {
                await runChecks(config);
        } catch (e) {
                check(false, 'checks ran to completion', e.stack || String(e));
        }
        await stopDaemon();

        console.log('1..' + checkNo);
        console.log('# ' + passed + ' passed, ' + failed + ' failed, ' + todo + ' todo');
        await new Promise((resolve) => server.stop(serverInfo, () => resolve()));
        // The library leaves timers (lifetime checks) running; do not wait for them.
        process.exit(failed === 0 && checkNo > 0 ? 0 : 1);
}

main().catch((e) => {
        console.log('not ok - ' + (e.stack || String(e)));
        process.exit(1);
});
