// The checks of the conformance suite (run by suite.mjs, which passes each its tools): name, the
// rule it holds a server to (Pusher's documentation unless said otherwise), and the check itself,
// which throws when the server does otherwise.

import assert from 'node:assert/strict';

/// The `pusher:error` code of a refusal frame (`subscription_error` counts as a refusal too).
function refused(frame) {
  return frame.event === 'pusher:error' || frame.event === 'pusher:subscription_error';
}

function succeeded(frame) {
  return frame.event === 'pusher_internal:subscription_succeeded';
}

/// Two sockets subscribed to `channel` (signed as `u1` and `u2` on presence channels).
async function pair(t, channel) {
  const a = await t.Raw.connect();
  const b = await t.Raw.connect();
  assert.ok(succeeded(await a.subscribe(channel, { member: { user_id: 'u1', user_info: { name: 'A' } } })));
  assert.ok(succeeded(await b.subscribe(channel, { member: { user_id: 'u2', user_info: { name: 'B' } } })));
  return [a, b];
}

/// Waits until `check` (async, answering true) holds, for servers that count across nodes.
async function eventually(t, what, check) {
  const deadline = Date.now() + t.WAIT_MS;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${t.WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function get(t, path, params = {}) {
  const response = await t.sdk().get({ path, params });
  return { status: response.status, json: await response.json() };
}

/// A signed HTTP API request the SDK would not send (a bad signature, an old timestamp).
async function forged(t, path, { secret = t.app.secret, timestamp } = {}) {
  const { createHmac } = await import('node:crypto');
  const params = {
    auth_key: t.app.key,
    auth_timestamp: String(timestamp ?? Math.floor(Date.now() / 1000)),
    auth_version: '1.0',
  };
  const query = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
  const full = `/apps/${t.app.appId}${path}`;
  const signature = createHmac('sha256', secret).update(`GET\n${full}\n${query}`).digest('hex');
  const base = t.sdk().config;
  const url = `http://${base.host}:${base.port}${full}?${query}&auth_signature=${signature}`;
  return (await fetch(url)).status;
}

const bind = (channel, name, ms) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name}`)), ms);
    channel.bind(name, (data) => {
      clearTimeout(timer);
      resolve(data);
    });
  });

export const checks = [
  // ---- Connection
  {
    name: 'connection_established carries a socket id and the activity timeout',
    rule: 'protocol: pusher:connection_established {socket_id, activity_timeout}',
    async check(t) {
      const raw = await t.Raw.connect();
      assert.match(raw.socketId, /^\d+\.\d+$/);
      assert.equal(typeof raw.hello.activity_timeout, 'number');
    },
  },
  {
    name: 'an unknown app key is refused with 4001 and closed',
    rule: 'protocol: 4001 "Application does not exist"',
    async check(t) {
      const raw = await t.Raw.open('no-such-key');
      const error = await raw.next((f) => f.event === 'pusher:error', 'pusher:error');
      assert.equal(error.data.code, 4001);
      assert.ok((await raw.closeCode()) >= 4000);
    },
  },
  {
    name: 'pusher:ping is answered with pusher:pong',
    rule: 'protocol: ping/pong',
    async check(t) {
      const raw = await t.Raw.connect();
      raw.send({ event: 'pusher:ping', data: {} });
      await raw.next((f) => f.event === 'pusher:pong', 'pusher:pong');
    },
  },
  // ---- Subscriptions
  {
    name: 'a public channel subscribes without auth',
    rule: 'protocol: pusher_internal:subscription_succeeded',
    async check(t) {
      const raw = await t.Raw.connect();
      assert.ok(succeeded(await raw.subscribe(t.fresh(''))));
    },
  },
  {
    name: 'a private channel subscribes with the app-signed auth',
    rule: 'auth: HMAC-SHA256(secret, socket_id:channel)',
    async check(t) {
      const raw = await t.Raw.connect();
      assert.ok(succeeded(await raw.subscribe(t.fresh('private-'))));
    },
  },
  {
    name: 'a private channel with a bad signature is refused',
    rule: 'auth: a wrong signature never subscribes',
    async check(t) {
      const raw = await t.Raw.connect();
      const answer = await raw.subscribe(t.fresh('private-'), { auth: { auth: `${t.app.key}:00ff` } });
      assert.ok(refused(answer), JSON.stringify(answer));
    },
  },
  {
    name: "a private channel signed for another socket is refused",
    rule: 'auth: the signature covers the socket id',
    async check(t) {
      const raw = await t.Raw.connect();
      const channel = t.fresh('private-');
      const answer = await raw.subscribe(channel, { auth: t.sign('1234.5678', channel) });
      assert.ok(refused(answer), JSON.stringify(answer));
    },
  },
  {
    name: 'a presence subscription lists the members (ids, hash, count)',
    rule: 'protocol: presence {ids, hash, count}',
    async check(t) {
      const channel = t.fresh('presence-');
      const [, b] = await pair(t, channel);
      const c = await t.Raw.connect();
      const answer = await c.subscribe(channel, { member: { user_id: 'u3', user_info: {} } });
      assert.ok(succeeded(answer));
      const presence = answer.data.presence;
      assert.deepEqual([...presence.ids].sort(), ['u1', 'u2', 'u3']);
      assert.equal(presence.count, 3);
      assert.deepEqual(presence.hash.u2, { name: 'B' });
      b.close();
    },
  },
  {
    name: 'presence tells member_added and member_removed to the others',
    rule: 'protocol: pusher_internal:member_added / member_removed',
    async check(t) {
      const channel = t.fresh('presence-');
      const [a, b] = await pair(t, channel);
      const added = await a.next((f) => f.event === 'pusher_internal:member_added', 'member_added');
      assert.equal(added.data.user_id, 'u2');
      b.close();
      const removed = await a.next((f) => f.event === 'pusher_internal:member_removed', 'member_removed');
      assert.equal(removed.data.user_id, 'u2');
    },
  },
  {
    name: 'a presence subscription without channel_data is refused',
    rule: 'protocol: presence needs channel_data with user_id',
    async check(t) {
      const raw = await t.Raw.connect();
      const channel = t.fresh('presence-');
      const signed = t.sdk().authorizeChannel(raw.socketId, `private-${channel}`);
      const answer = await raw.subscribe(channel, { auth: { auth: signed.auth } });
      assert.ok(refused(answer), JSON.stringify(answer));
    },
  },
  {
    name: 'after unsubscribing, events of the channel stop',
    rule: 'protocol: pusher:unsubscribe',
    async check(t) {
      const channel = t.fresh('');
      const raw = await t.Raw.connect();
      assert.ok(succeeded(await raw.subscribe(channel)));
      raw.send({ event: 'pusher:unsubscribe', data: { channel } });
      await new Promise((r) => setTimeout(r, 200));
      await t.sdk().trigger(channel, 'late', {});
      assert.equal(await raw.arrives((f) => f.event === 'late'), false);
    },
  },
  {
    name: 'a channel name outside the allowed characters is refused',
    rule: 'protocol: channel names are [A-Za-z0-9_\\-=@,.;], at most 164 characters',
    async check(t) {
      const raw = await t.Raw.connect();
      const answer = await raw.subscribe('bad channel!');
      assert.ok(refused(answer), JSON.stringify(answer));
    },
  },
  // ---- Client events
  {
    name: 'a client event on a private channel reaches the others, not the sender',
    rule: 'protocol: client-* events, never echoed',
    async check(t) {
      const channel = t.fresh('private-');
      const [a, b] = await pair(t, channel);
      a.send({ event: 'client-typing', channel, data: { n: 1 } });
      const heard = await b.next((f) => f.event === 'client-typing', 'client-typing');
      assert.equal(heard.channel, channel);
      assert.deepEqual(heard.data, { n: 1 });
      assert.equal(await a.arrives((f) => f.event === 'client-typing'), false, 'echoed');
    },
  },
  {
    name: 'a presence client event names its sender (user_id)',
    rule: 'protocol: client events on presence channels carry user_id',
    async check(t) {
      const channel = t.fresh('presence-');
      const [a, b] = await pair(t, channel);
      a.send({ event: 'client-typing', channel, data: {} });
      const heard = await b.next((f) => f.event === 'client-typing', 'client-typing');
      assert.equal(heard.user_id, 'u1');
    },
  },
  {
    name: 'a client event on a public channel is refused',
    rule: 'protocol: client events only on private and presence channels',
    async check(t) {
      const channel = t.fresh('');
      const a = await t.Raw.connect();
      const b = await t.Raw.connect();
      assert.ok(succeeded(await a.subscribe(channel)));
      assert.ok(succeeded(await b.subscribe(channel)));
      a.send({ event: 'client-typing', channel, data: {} });
      assert.equal(await b.arrives((f) => f.event === 'client-typing'), false, 'delivered');
      await a.next((f) => f.event === 'pusher:error', 'pusher:error');
    },
  },
  {
    name: 'a client event on a channel the socket is not subscribed to is refused',
    rule: 'protocol: only members of the channel may trigger on it',
    async check(t) {
      const channel = t.fresh('private-');
      const [, b] = await pair(t, channel);
      const outsider = await t.Raw.connect();
      outsider.send({ event: 'client-typing', channel, data: {} });
      assert.equal(await b.arrives((f) => f.event === 'client-typing'), false, 'delivered');
    },
  },
  {
    name: 'a client event on an encrypted channel is refused',
    rule: 'encrypted channels: client events are not supported',
    async check(t) {
      const channel = t.fresh('private-encrypted-');
      const [a, b] = await pair(t, channel);
      a.send({ event: 'client-typing', channel, data: {} });
      assert.equal(await b.arrives((f) => f.event === 'client-typing'), false, 'delivered');
    },
  },
  // ---- Publishing over the HTTP API
  {
    name: 'POST /events reaches every subscriber of the channel',
    rule: 'REST: POST /apps/{id}/events',
    async check(t) {
      const channel = t.fresh('');
      const [a, b] = await pair(t, channel);
      const response = await t.sdk().trigger(channel, 'news', { n: 1 });
      assert.equal(response.status, 200);
      for (const socket of [a, b]) {
        const heard = await socket.next((f) => f.event === 'news', 'news');
        assert.deepEqual(heard.data, { n: 1 });
      }
    },
  },
  {
    name: 'POST /events to several channels at once',
    rule: 'REST: channels[] up to 100',
    async check(t) {
      const [one, two] = [t.fresh(''), t.fresh('')];
      const a = await t.Raw.connect();
      assert.ok(succeeded(await a.subscribe(one)));
      assert.ok(succeeded(await a.subscribe(two)));
      const response = await t.sdk().trigger([one, two], 'news', {});
      assert.equal(response.status, 200);
      await a.next((f) => f.event === 'news' && f.channel === one, 'the first');
      await a.next((f) => f.event === 'news' && f.channel === two, 'the second');
    },
  },
  {
    name: 'socket_id on POST /events leaves that socket out',
    rule: 'REST: socket_id excludes the sender',
    async check(t) {
      const channel = t.fresh('');
      const [a, b] = await pair(t, channel);
      await t.sdk().trigger(channel, 'news', {}, { socket_id: a.socketId });
      await b.next((f) => f.event === 'news', 'news');
      assert.equal(await a.arrives((f) => f.event === 'news'), false, 'the excluded socket heard it');
    },
  },
  {
    name: 'POST /batch_events publishes every event',
    rule: 'REST: POST /apps/{id}/batch_events (up to 10)',
    async check(t) {
      const channel = t.fresh('');
      const a = await t.Raw.connect();
      assert.ok(succeeded(await a.subscribe(channel)));
      const response = await t.sdk().triggerBatch([
        { channel, name: 'first', data: '{}' },
        { channel, name: 'second', data: '{}' },
      ]);
      assert.equal(response.status, 200);
      await a.next((f) => f.event === 'first', 'first');
      await a.next((f) => f.event === 'second', 'second');
    },
  },
  {
    name: 'POST /events to several channels including an encrypted one is refused',
    rule: 'REST: an encrypted channel is published alone (Pusher documents 400; Reverb and Confab answer validation errors with 422)',
    async check(t) {
      const channel = t.fresh('');
      const raw = await t.Raw.connect();
      assert.ok(succeeded(await raw.subscribe(channel)));
      const plain = t.sdk({ encryptionMasterKeyBase64: undefined });
      const body = { name: 'news', channels: [channel, t.fresh('private-encrypted-')], data: '{}' };
      const response = await plain.post({ path: '/events', body }).catch((e) => e.response ?? e);
      assert.ok([400, 422].includes(response.status), `status ${response.status}`);
      assert.equal(await raw.arrives((f) => f.event === 'news'), false, 'published anyway');
    },
  },
  {
    name: 'a request with a wrong signature is refused with 401',
    rule: 'REST: auth_signature checked',
    async check(t) {
      assert.equal(await forged(t, '/channels', { secret: 'not-the-secret' }), 401);
    },
  },
  {
    name: 'a request signed more than 600 s ago is refused with 401',
    rule: 'REST: auth_timestamp within 600 s',
    async check(t) {
      const old = Math.floor(Date.now() / 1000) - 3600;
      assert.equal(await forged(t, '/channels', { timestamp: old }), 401);
    },
  },
  // ---- Channel queries
  {
    name: 'GET /channels lists occupied channels, filtered by prefix',
    rule: 'REST: GET /apps/{id}/channels?filter_by_prefix',
    async check(t) {
      const prefix = t.fresh('presence-');
      const channel = `${prefix}-room`;
      await pair(t, channel);
      await eventually(t, 'the channel listed', async () => {
        const { status, json } = await get(t, '/channels', { filter_by_prefix: prefix, info: 'user_count' });
        return status === 200 && json.channels?.[channel]?.user_count === 2;
      });
      const { json } = await get(t, '/channels', { filter_by_prefix: 'private-nothing-here-' });
      assert.deepEqual(json.channels, {});
    },
  },
  {
    name: 'GET /channels/{name} tells occupied and subscription_count',
    rule: 'REST: GET /apps/{id}/channels/{name}?info=subscription_count',
    async check(t) {
      const channel = t.fresh('');
      await pair(t, channel);
      await eventually(t, 'two subscriptions counted', async () => {
        const { json } = await get(t, `/channels/${channel}`, { info: 'subscription_count' });
        return json.occupied === true && json.subscription_count === 2;
      });
      const { json } = await get(t, `/channels/${t.fresh('')}`);
      assert.equal(json.occupied, false);
    },
  },
  {
    name: 'GET /channels/{presence}/users lists the present users',
    rule: 'REST: GET /apps/{id}/channels/{name}/users',
    async check(t) {
      const channel = t.fresh('presence-');
      await pair(t, channel);
      await eventually(t, 'both users listed', async () => {
        const { json } = await get(t, `/channels/${channel}/users`);
        const ids = (json.users ?? []).map((u) => u.id).sort();
        return ids.join(',') === 'u1,u2';
      });
    },
  },
  {
    name: 'POST /events with info answers the channels’ attributes',
    rule: 'REST: info=subscription_count on POST /events',
    async check(t) {
      const channel = t.fresh('');
      await pair(t, channel);
      await eventually(t, 'the count in the answer', async () => {
        const response = await t.sdk().trigger(channel, 'news', {}, { info: 'subscription_count' });
        const json = await response.json();
        return json.channels?.[channel]?.subscription_count === 2;
      });
    },
  },
  // ---- Cache channels
  {
    name: 'a cache channel tells a new subscriber its last event',
    rule: 'cache channels: the last event on subscribe',
    async check(t) {
      const channel = t.fresh('cache-');
      await t.sdk().trigger(channel, 'score', { n: 7 });
      const raw = await t.Raw.connect();
      assert.ok(succeeded(await raw.subscribe(channel)));
      const cached = await raw.next((f) => f.event === 'score', 'the cached event');
      assert.deepEqual(cached.data, { n: 7 });
    },
  },
  {
    name: 'an empty cache channel tells pusher:cache_miss',
    rule: 'cache channels: pusher:cache_miss',
    async check(t) {
      const raw = await t.Raw.connect();
      const channel = t.fresh('cache-');
      assert.ok(succeeded(await raw.subscribe(channel)));
      await raw.next((f) => f.event === 'pusher:cache_miss', 'pusher:cache_miss');
    },
  },
  // ---- Encrypted channels, with the real clients
  {
    name: 'pusher-js decrypts what the pusher SDK encrypted',
    rule: 'encrypted channels: shared_secret from the auth, nacl secretbox',
    async check(t) {
      const pusher = t.pusherJs();
      try {
        const channel = t.fresh('private-encrypted-');
        const subscribed = pusher.subscribe(channel);
        await bind(subscribed, 'pusher:subscription_succeeded', t.WAIT_MS);
        const heard = bind(subscribed, 'secret', t.WAIT_MS);
        await t.sdk().trigger(channel, 'secret', { text: 'only us' });
        assert.deepEqual(await heard, { text: 'only us' });
      } finally {
        pusher.disconnect();
      }
    },
  },
  // ---- User authentication
  {
    name: 'pusher:signin with a valid signature succeeds',
    rule: 'user authentication: pusher:signin_success',
    async check(t) {
      const raw = await t.Raw.connect();
      const grant = t.sdk().authenticateUser(raw.socketId, { id: 'ann' });
      raw.send({ event: 'pusher:signin', data: grant });
      await raw.next((f) => f.event === 'pusher:signin_success', 'signin_success');
    },
  },
  {
    name: 'pusher:signin with a bad signature is refused',
    rule: 'user authentication: 4009',
    async check(t) {
      const raw = await t.Raw.connect();
      const grant = t.sdk().authenticateUser(raw.socketId, { id: 'ann' });
      raw.send({ event: 'pusher:signin', data: { ...grant, auth: `${t.app.key}:00ff` } });
      const error = await raw.next((f) => f.event === 'pusher:error', 'pusher:error');
      assert.equal(error.data.code, 4009);
    },
  },
  {
    name: 'sendToUser reaches the signed-in user’s socket (pusher-js)',
    rule: 'user authentication: #server-to-user-{id}',
    async check(t) {
      const pusher = t.pusherJs();
      try {
        pusher.signin();
        await pusher.user.signinDonePromise;
        const heard = bind(pusher.user, 'note', t.WAIT_MS);
        await new Promise((r) => setTimeout(r, 300));
        await t.sdk().sendToUser('pusher-js-user', 'note', { n: 1 });
        assert.deepEqual(await heard, { n: 1 });
      } finally {
        pusher.disconnect();
      }
    },
  },
  {
    name: 'terminate_connections closes a signed-in user’s sockets',
    rule: 'REST: POST /users/{id}/terminate_connections',
    async check(t) {
      const raw = await t.Raw.connect();
      const id = `gone-${Date.now()}`;
      raw.send({ event: 'pusher:signin', data: t.sdk().authenticateUser(raw.socketId, { id }) });
      await raw.next((f) => f.event === 'pusher:signin_success', 'signin_success');
      await new Promise((r) => setTimeout(r, 300));
      const response = await t.sdk().terminateUserConnections(id);
      assert.equal(response.status, 200);
      await raw.closeCode();
    },
  },
  {
    name: 'a socket not signed in as the user cannot subscribe to their channel',
    rule: 'user authentication: #server-to-user-{id} is the signed-in socket’s',
    async check(t) {
      const raw = await t.Raw.connect();
      raw.send({ event: 'pusher:subscribe', data: { channel: '#server-to-user-ann' } });
      assert.equal(
        await raw.arrives((f) => succeeded(f) && f.channel === '#server-to-user-ann', t.QUIET_MS),
        false,
      );
    },
  },
];
