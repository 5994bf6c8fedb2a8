// What the JavaScript demos share: --host/--port/--encoding (and a few more), and serving
// until SIGINT or SIGTERM. Run a demo with `gjs -m demos/js/NAME.js`.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Gsock from 'gi://Gsock?version=1.0';
import System from 'system';

export {GLib, Gio, Gsock};

// Parses `--name value` options (defaults in DEFAULTS) and returns {options, rest}.
export function parseArgs(defaults = {}) {
    const options = {host: '127.0.0.1', port: 8080, encoding: 'utf-8', ...defaults};
    const rest = [];
    const args = [...System.programArgs];
    while (args.length > 0) {
        const arg = args.shift();
        if (!arg.startsWith('--')) {
            rest.push(arg);
            continue;
        }
        const name = arg.slice(2);
        if (name === 'version') {
            const version = [Gsock.get_major_version(), Gsock.get_minor_version(),
                Gsock.get_micro_version()].join('.');
            print(`${System.programInvocationName.replace(/.*\//, '')} ${version}`);
            System.exit(0);
        }
        if (!(name in options) || args.length === 0)
            fail(`unknown option or missing value: ${arg}`);
        options[name] = typeof options[name] === 'number' ? Number(args.shift()) : args.shift();
    }
    return {options, rest};
}

export function fail(text) {
    printerr(`${System.programInvocationName}: ${text}`);
    System.exit(1);
}

export function address(host, port) {
    return Gio.InetSocketAddress.new_from_string(host, port);
}

export function toString(socketAddress) {
    return `${socketAddress.get_address().to_string()}:${socketAddress.get_port()}`;
}

// Prints "listening on HOST:PORT" and runs the main loop until a signal or until the server
// has closed (see stop()).
export function serve(server) {
    print(`listening on ${toString(server.get_local_address())}`);
    const loop = new GLib.MainLoop(null, false);
    for (const signum of [2, 15]) {   // SIGINT, SIGTERM
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, () => {
            loop.quit();
            return GLib.SOURCE_REMOVE;
        });
    }
    server.connect('notify::state', () => {
        if (server.state === Gsock.State.CLOSED)
            loop.quit();
    });
    loop.run();
    if (server.state !== Gsock.State.CLOSED) {
        server.close();
        const context = GLib.MainContext.default();
        while (server.state !== Gsock.State.CLOSED)
            context.iteration(true);
    }
}

// Closes SERVER gracefully (queued replies are sent first); serve() then returns.
export function stop(server) {
    server.close();
}
