// What the JS client suites (echo, envelope, profile) share: the API over fetch, registered
// users, group rooms, laravel-echo configured as the Conversation & Message API document says,
// envelope sockets, and waits that always end.
//
// The suites are started by the Rust test `tests/realtime/js_clients.rs`, which runs a fresh
// server and passes its addresses: CONFAB_API, REVERB_HOST, REVERB_PORT, REVERB_APP_ID,
// REVERB_APP_KEY, REVERB_APP_SECRET.

import assert from 'node:assert/strict';
import Echo from 'laravel-echo';
import Pusher from 'pusher-js';
import PusherServer from 'pusher';
import WebSocket from 'ws';

export const env = process.env;
export const api = env.CONFAB_API;
export const WAIT_MS = 10_000;

export function required(name) {
  assert.ok(env[name], `${name} must be set (run through cargo test)`);
  return env[name];
}

/// One API call: `{status, json}` (`json` is null for a 204).
export async function call(method, path, token, body) {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = response.status === 204 ? null : await response.json();
  return { status: response.status, json };
}

let registered = 0;
/// A new account: `{id, name, email, token}`.
export async function register(name) {
  registered += 1;
  const email = `${name.toLowerCase()}.${registered}.${Date.now()}@example.com`;
  const { status, json } = await call('POST', '/api/v1/user/register', null, {
    name,
    email,
    password: 'secret-password',
  });
  assert.equal(status, 201, JSON.stringify(json));
  return { id: json.data.user.id, name, email, token: json.data.token };
}

/// New accounts, one after the other, in the order named.
export async function people(...names) {
  const users = [];
  for (const name of names) users.push(await register(name));
  return users;
}

/// A group room of `owner` with `members` in it; its id.
export async function room(owner, members, name = 'Echo room') {
  const { status, json } = await call('POST', '/api/v1/conversations', owner.token, {
    type: 'group',
    name,
    user_ids: members.map((m) => m.id),
  });
  assert.equal(status, 201, JSON.stringify(json));
  return json.data.id;
}

/// A promise `executor` settles, or that fails naming `what` after `ms`.
export function within(ms, what, executor) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    executor(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/// A promise that only fails, after WAIT_MS, naming `what` (to race against).
export function timeout(what) {
  return new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS).unref(),
  );
}

// The document's configuration. In a browser the document sets `window.Pusher = Pusher`; Node has
// no window, so the same constructor is handed over as Echo's `Pusher` option.
export function echoFor(user) {
  return new Echo({
    broadcaster: 'reverb',
    key: required('REVERB_APP_KEY'),
    wsHost: required('REVERB_HOST'),
    wsPort: Number(required('REVERB_PORT')),
    wssPort: Number(required('REVERB_PORT')),
    forceTLS: false,
    enabledTransports: ['ws', 'wss'],
    authEndpoint: `${api}/api/broadcasting/auth`,
    auth: { headers: { Authorization: `Bearer ${user.token}` } },
    Pusher,
  });
}

/// pusher-js options for the server under test (`extra` added, e.g. how channels are authorized).
export function pusherOptions(extra = {}) {
  return {
    wsHost: required('REVERB_HOST'),
    wsPort: Number(required('REVERB_PORT')),
    forceTLS: false,
    enabledTransports: ['ws'],
    cluster: 'mt1',
    ...extra,
  };
}

/// The `pusher` server SDK pointed at the server under test (`options` added, e.g. an
/// `encryptionMasterKeyBase64`).
export function serverSdk(options = {}) {
  return new PusherServer({
    appId: required('REVERB_APP_ID'),
    key: required('REVERB_APP_KEY'),
    secret: required('REVERB_APP_SECRET'),
    host: required('REVERB_HOST'),
    port: required('REVERB_PORT'),
    useTLS: false,
    ...options,
  });
}

/// Resolves once an Echo channel is subscribed, fails if the subscription is refused.
export function subscribed(channel, what) {
  return within(WAIT_MS, what, (resolve, reject) => {
    channel.subscribed(() => resolve());
    channel.error((error) => reject(new Error(`${what} failed: ${JSON.stringify(error)}`)));
  });
}

/// The data of the next event `name` on an Echo channel (listened to with the leading dot).
export function listened(channel, name, what = name) {
  return within(WAIT_MS, what, (resolve) => channel.listen(`.${name}`, (e) => resolve(e)));
}

/// An envelope socket that queues what it receives.
export async function envelopeSocket(url) {
  const ws = new WebSocket(url);
  const inbox = [];
  const waiters = [];
  ws.on('message', (data) => {
    const envelope = JSON.parse(data.toString());
    const waiter = waiters.findIndex((w) => w.match(envelope));
    if (waiter >= 0) waiters.splice(waiter, 1)[0].resolve(envelope);
    else inbox.push(envelope);
  });
  await Promise.race([new Promise((resolve) => ws.once('open', resolve)), timeout('open')]);
  return {
    ws,
    send: (envelope) => ws.send(typeof envelope === 'string' ? envelope : JSON.stringify(envelope)),
    next(match = () => true, what = 'an envelope') {
      const queued = inbox.findIndex(match);
      if (queued >= 0) return Promise.resolve(inbox.splice(queued, 1)[0]);
      return Promise.race([
        new Promise((resolve) => waiters.push({ match, resolve })),
        timeout(what),
      ]);
    },
    inbox,
  };
}

/// `user`'s envelope socket on the API's `/ws`.
export function envelopeFor(user) {
  return envelopeSocket(`${api.replace('http', 'ws')}/ws?token=${encodeURIComponent(user.token)}`);
}

/// Matches the ack or error answering the envelope `id`.
export const answerTo = (id) => (e) => e.id === id && (e.type === 'ack' || e.type === 'error');

/// `user`'s envelope socket, joined to the room `id` (the join acknowledged).
export async function joinedSocket(user, id) {
  const socket = await envelopeFor(user);
  socket.send({ id: 'j1', type: 'join', to: `conversation:${id}` });
  try {
    const answer = await socket.next(answerTo('j1'), 'join ack');
    assert.equal(answer.type, 'ack', JSON.stringify(answer));
  } catch (error) {
    socket.ws.close();
    throw error;
  }
  return socket;
}

/// The next `message` envelope on `socket` whose `payload.event` is `name`.
export function serverEvent(socket, name) {
  return socket.next((e) => e.type === 'message' && e.payload.event === name, name);
}
