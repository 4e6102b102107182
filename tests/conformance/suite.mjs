// The Pusher Channels conformance suite: every protocol message and HTTP API endpoint a Pusher
// server answers, checked over raw frames, pusher-js and the `pusher` server SDK, against any
// server — Confab (one node or several) from `tests/realtime/conformance.rs`, Sockudo from
// `scripts/conformance-peer.sh` — so that one table says where servers differ.
//
// Where Sockudo and Pusher's documentation disagree, a check follows Pusher's documentation
// (https://pusher.com/docs/channels/library_auth_reference/pusher-websockets-protocol/ and
// …/rest-api/), and says so in its `rule`.
//
// Environment: CONFORMANCE_HOST (127.0.0.1), CONFORMANCE_PORTS (one port per node, comma-separated:
// sockets go round the nodes and HTTP API requests to the last one, so several nodes are checked as
// one server), CONFORMANCE_APP_ID, CONFORMANCE_APP_KEY, CONFORMANCE_APP_SECRET.
//
// Prints one JSON line per check, `{"check", "rule", "ok", "detail"}`, then
// `{"summary": {"passed", "failed"}}`; exits 0 whatever the results (the callers judge them).
// The checks themselves are in checks.mjs.

import { createRequire } from 'node:module';
import { checks } from './checks.mjs';

// The clients the rest of the end-to-end suites use, from tests/js's locked install.
const require = createRequire(new URL('../js/package.json', import.meta.url));
const WebSocket = require('ws');
const Pusher = require('pusher-js');
const PusherServer = require('pusher');

const env = process.env;
const host = env.CONFORMANCE_HOST ?? '127.0.0.1';
const ports = (env.CONFORMANCE_PORTS ?? '').split(',').filter(Boolean).map(Number);
const app = {
  appId: env.CONFORMANCE_APP_ID,
  key: env.CONFORMANCE_APP_KEY,
  secret: env.CONFORMANCE_APP_SECRET,
};
if (!ports.length || !app.appId || !app.key || !app.secret) {
  console.error('set CONFORMANCE_PORTS, CONFORMANCE_APP_ID, CONFORMANCE_APP_KEY, CONFORMANCE_APP_SECRET');
  process.exit(2);
}

export const WAIT_MS = 5_000;
/// How long a check waits to be sure something did not arrive.
export const QUIET_MS = 500;
/// A master key for encrypted channels (base64 of 32 bytes): only the app and its clients know it.
const MASTER_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

let turn = 0;
/// The next node's port, round the nodes.
function nextPort() {
  const port = ports[turn % ports.length];
  turn += 1;
  return port;
}

/// What a check opened, closed when it ends.
const opened = [];

/// A socket speaking raw Pusher frames, keeping what it receives.
class Raw {
  static async open(key = app.key) {
    const port = nextPort();
    const ws = new WebSocket(`ws://${host}:${port}/app/${key}?protocol=7&client=js&version=8.6.0`);
    const raw = new Raw(ws);
    opened.push(raw);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return raw;
  }

  /// Opened and told `connection_established`.
  static async connect() {
    const raw = await Raw.open();
    const hello = await raw.next((f) => f.event === 'pusher:connection_established', 'connection_established');
    raw.socketId = hello.data.socket_id;
    raw.hello = hello.data;
    return raw;
  }

  constructor(ws) {
    this.ws = ws;
    this.inbox = [];
    this.waiters = [];
    this.closed = null;
    ws.on('message', (bytes) => {
      const frame = JSON.parse(bytes.toString());
      if (typeof frame.data === 'string') {
        try {
          frame.data = JSON.parse(frame.data);
        } catch {
          // Some events carry a plain string.
        }
      }
      if (frame.event === 'pusher:ping') {
        this.send({ event: 'pusher:pong', data: {} });
      }
      this.inbox.push(frame);
      this.wake();
    });
    ws.on('close', (code) => {
      this.closed = code;
      this.wake();
    });
  }

  wake() {
    for (const waiter of [...this.waiters]) waiter();
  }

  send(frame) {
    this.ws.send(JSON.stringify(frame));
  }

  /// The first frame received (now or later) that `match`es; fails after WAIT_MS.
  next(match, what, ms = WAIT_MS) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const at = this.inbox.findIndex(match);
        if (at >= 0) {
          done();
          resolve(this.inbox.splice(at, 1)[0]);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${ms} ms; received: ${JSON.stringify(this.inbox).slice(0, 400)}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      this.waiters.push(check);
      check();
    });
  }

  /// Whether a frame that `match`es arrives within `ms`.
  async arrives(match, ms = QUIET_MS) {
    try {
      await this.next(match, 'frame', ms);
      return true;
    } catch {
      return false;
    }
  }

  /// The close code, once the server closes (fails after WAIT_MS).
  async closeCode() {
    const deadline = Date.now() + WAIT_MS;
    while (this.closed === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    if (this.closed === null) throw new Error('the server did not close the socket');
    return this.closed;
  }

  /// Subscribes (signing private and presence channels as the app's auth endpoint would) and
  /// answers the first reply: `subscription_succeeded`, `pusher:error` or `subscription_error`.
  async subscribe(channel, { member, auth } = {}) {
    const data = { channel };
    if (/^(private|presence)-/.test(channel)) {
      const signed = auth ?? sign(this.socketId, channel, member);
      Object.assign(data, signed);
    }
    this.send({ event: 'pusher:subscribe', data });
    return this.next(
      (f) =>
        (f.event === 'pusher_internal:subscription_succeeded' && f.channel === channel) ||
        f.event === 'pusher:error' ||
        (f.event === 'pusher:subscription_error' && f.channel === channel),
      `an answer to subscribing ${channel}`,
    );
  }

  close() {
    this.ws.close();
  }
}

/// The app's server SDK, its requests sent to the last node.
function sdk(options = {}) {
  return new PusherServer({
    appId: app.appId,
    key: app.key,
    secret: app.secret,
    host,
    port: String(ports[ports.length - 1]),
    useTLS: false,
    encryptionMasterKeyBase64: MASTER_KEY,
    ...options,
  });
}

/// What the app's auth endpoint answers for `channel` (with `member` on presence channels).
function sign(socketId, channel, member) {
  if (channel.startsWith('presence-')) {
    return sdk().authorizeChannel(socketId, channel, member ?? { user_id: 'u1', user_info: {} });
  }
  return sdk().authorizeChannel(socketId, channel);
}

/// pusher-js connected to the next node, its channels authorized by the SDK.
function pusherJs(options = {}) {
  return new Pusher(app.key, {
    wsHost: host,
    wsPort: nextPort(),
    forceTLS: false,
    enabledTransports: ['ws'],
    cluster: 'mt1',
    channelAuthorization: {
      customHandler: ({ socketId, channelName }, callback) =>
        callback(null, sign(socketId, channelName)),
    },
    userAuthentication: {
      customHandler: ({ socketId }, callback) =>
        callback(null, sdk().authenticateUser(socketId, { id: 'pusher-js-user', watchlist: [] })),
    },
    ...options,
  });
}

/// A unique channel name for one check.
let serial = 0;
function fresh(prefix) {
  serial += 1;
  return `${prefix}conformance-${process.pid}-${serial}`;
}

async function run() {
  const tools = { Raw, sdk, sign, pusherJs, fresh, app, WAIT_MS, QUIET_MS };
  let passed = 0;
  let failed = 0;
  for (const { name, rule, check } of checks) {
    let ok = false;
    let detail = '';
    try {
      await check(tools);
      ok = true;
    } catch (error) {
      detail = String(error?.message ?? error).slice(0, 300);
    }
    for (const raw of opened.splice(0)) raw.close();
    if (ok) passed += 1;
    else failed += 1;
    console.log(JSON.stringify({ check: name, rule, ok, detail }));
  }
  console.log(JSON.stringify({ summary: { passed, failed } }));
  process.exit(0);
}

run();
