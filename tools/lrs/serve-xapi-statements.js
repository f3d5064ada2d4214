// Start Learning Locker's xAPI statement service (npm xapi-statements 5.0.1) for DrillPad's tests:
// in memory (no Mongo, no Redis), test auth (any Basic credentials), bound to 127.0.0.1 only.
// The service itself listens on every interface; here every listen() is pinned to the loopback.
// Usage: node serve-xapi-statements.js PORT   (prints "ready" on stdout when it listens)
'use strict';
const net = require('net');
const path = require('path');
const port = Number(process.argv[2] || process.env.EXPRESS_PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node serve-xapi-statements.js PORT');
  process.exit(2);
}
Object.assign(process.env, {
  EXPRESS_PORT: String(port),
  MODELS_REPO: 'memory',
  STORAGE_REPO: 'memory',
  AUTH_REPO: 'test',
  EVENTS_REPO: 'test',
  WINSTON_CONSOLE_LEVEL: process.env.WINSTON_CONSOLE_LEVEL || 'error',
  EXPRESS_MORGAN_DIRECTORY: process.env.EXPRESS_MORGAN_DIRECTORY || path.join(require('os').tmpdir(), 'xapi-statements-logs'),
  SERVICE_AWAIT_UPDATES: 'true',
});
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    const callback = args.find((a) => typeof a === 'function');
    const server = this;
    return listen.call(this, Number(args[0]), '127.0.0.1', function () {
      process.stdout.write('ready ' + JSON.stringify(server.address()) + '\n');
      if (callback) callback.apply(this, arguments);
    });
  }
  return listen.apply(this, args);
};
// A test server never outlives the test run that started it: it exits when its parent does (a
// killed or timed-out pytest) and after an hour at the most.
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 1000).unref();
setTimeout(() => process.exit(0), 3600 * 1000).unref();
require('xapi-statements/dist/server');
