// User authentication: pusher-js `signin()` through the chat API's user-auth endpoint, the
// watchlist (the people of one's direct chats) told online and offline, events sent to a user
// with the `pusher` server SDK (`sendToUser`, and `POST /users/{id}/events`), and a signed-in
// user's connections ended with `terminateUserConnections`. Also Pusher's rules for any app's
// sign-in, over raw frames: a bad signature, someone else's user channel.
//
// Started by `tests/realtime/js_clients.rs` with the server's addresses (see echo.test.mjs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import Pusher from 'pusher-js';
import {
  WAIT_MS, api, call, envelopeSocket, people, required, serverSdk, within,
} from './clients.mjs';

/// pusher-js for `user`, signing in through the API with their bearer token.
function signedInPusher(user) {
  const pusher = new Pusher(required('REVERB_APP_KEY'), {
    wsHost: required('REVERB_HOST'),
    wsPort: Number(required('REVERB_PORT')),
    forceTLS: false,
    enabledTransports: ['ws'],
    cluster: 'mt1',
    userAuthentication: {
      endpoint: `${api}/api/broadcasting/user-auth`,
      headers: { Authorization: `Bearer ${user.token}` },
    },
  });
  pusher.signin();
  return pusher;
}

/// Resolves once pusher-js signed in (the server answered `pusher:signin_success`).
function signedIn(pusher, who) {
  return within(WAIT_MS, `${who} signed in`, (resolve, reject) => {
    pusher.user.signinDonePromise.then(resolve);
    pusher.user.bind('pusher:signin_error', (e) => reject(new Error(JSON.stringify(e))));
  });
}

/// Collects watchlist events as `online:<ids>` / `offline:<ids>` lines.
function watch(pusher) {
  const seen = [];
  for (const name of ['online', 'offline']) {
    pusher.user.watchlist.bind(name, (event) => seen.push(`${name}:${event.user_ids.join(',')}`));
  }
  return seen;
}

async function until(what, check) {
  await within(WAIT_MS, what, (resolve) => {
    const poll = () => (check() ? resolve() : setTimeout(poll, 25));
    poll();
  });
}

async function directChat(from, to) {
  const { status, json } = await call('POST', '/api/v1/conversations', from.token, {
    type: 'direct',
    user_ids: [to.id],
  });
  assert.ok(status === 201 || status === 200, JSON.stringify(json));
}

/// A raw Pusher-protocol socket, connected, with its socket id.
async function rawSocket() {
  const socket = await envelopeSocket(
    `ws://${required('REVERB_HOST')}:${required('REVERB_PORT')}/app/${required('REVERB_APP_KEY')}?protocol=7`,
  );
  const hello = await socket.next((f) => f.event === 'pusher:connection_established', 'connection');
  return { ...socket, socketId: JSON.parse(hello.data).socket_id };
}

test('the people of my direct chats are told when I come online and go offline', async () => {
  const [john, jane, eve] = await people('John', 'Jane', 'Eve');
  await directChat(john, jane);
  const johns = signedInPusher(john);
  const seen = watch(johns);
  let janes;
  try {
    await signedIn(johns, 'John');
    await until('Jane offline at first', () => seen.includes(`offline:${jane.id}`));
    assert.equal(johns.user.user_data.id, String(john.id));
    assert.deepEqual(johns.user.user_data.watchlist, [String(jane.id)]);

    janes = signedInPusher(jane);
    await signedIn(janes, 'Jane');
    await until('Jane online', () => seen.includes(`online:${jane.id}`));
    // A second tab of Jane's is no news; Eve (no chat with John) is none of his business.
    const janesTab = signedInPusher(jane);
    const eves = signedInPusher(eve);
    await signedIn(janesTab, 'Jane again');
    await signedIn(eves, 'Eve');
    janesTab.disconnect();
    eves.disconnect();
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(seen, [`offline:${jane.id}`, `online:${jane.id}`]);

    janes.disconnect();
    await until('Jane offline', () => seen.at(-1) === `offline:${jane.id}`);
  } finally {
    johns.disconnect();
    janes?.disconnect();
  }
});

test('the server SDK sends to a user on every socket they signed in, and ends them', async () => {
  const [jane] = await people('Jane');
  const phone = signedInPusher(jane);
  const laptop = signedInPusher(jane);
  try {
    await signedIn(phone, 'the phone');
    await signedIn(laptop, 'the laptop');
    const heard = (pusher, event) =>
      within(WAIT_MS, event, (resolve) => pusher.user.bind(event, (data) => resolve(data)));
    // pusher-js subscribes to #server-to-user-{id} itself after signing in; wait for both.
    await until('both user channels', () =>
      [phone, laptop].every((p) => p.user.serverToUserChannel?.subscribed));
    const onPhone = heard(phone, 'nudge');
    const onLaptop = heard(laptop, 'nudge');
    const sdk = serverSdk();
    const sent = await sdk.sendToUser(String(jane.id), 'nudge', { text: 'hi' });
    assert.equal(sent.status, 200);
    assert.deepEqual(await onPhone, { text: 'hi' });
    assert.deepEqual(await onLaptop, { text: 'hi' });

    const again = heard(phone, 'poke');
    const posted = await sdk.post({
      path: `/users/${jane.id}/events`,
      body: { name: 'poke', data: JSON.stringify({ n: 2 }) },
    });
    assert.equal(posted.status, 200);
    assert.deepEqual(await again, { n: 2 });

    const ended = within(WAIT_MS, 'the phone disconnected', (resolve) =>
      phone.connection.bind('state_change', ({ current }) => {
        if (current === 'disconnected' || current === 'unavailable') resolve();
      }),
    );
    const terminated = await sdk.terminateUserConnections(String(jane.id));
    assert.equal(terminated.status, 200);
    await ended;
  } finally {
    phone.disconnect();
    laptop.disconnect();
  }
});

test("any app's sign-in: the signature is checked, and only the user hears their channel", async () => {
  const sdk = serverSdk();
  const raw = await rawSocket();
  const other = await rawSocket();
  try {
    const userData = { id: 'ext-7', user_info: { name: 'Seven' }, watchlist: ['ext-8'] };
    const good = sdk.authenticateUser(raw.socketId, userData);
    const forged = `${good.auth.slice(0, -1)}${good.auth.endsWith('0') ? '1' : '0'}`;
    raw.send({ event: 'pusher:signin', data: { ...good, auth: forged } });
    const refused = await raw.next((f) => f.event === 'pusher:error', 'a forged sign-in refused');
    assert.equal(JSON.parse(refused.data).code, 4009);

    raw.send({ event: 'pusher:signin', data: good });
    const success = await raw.next((f) => f.event === 'pusher:signin_success', 'signin_success');
    assert.equal(JSON.parse(success.data).user_data, good.user_data);
    const first = await raw.next((f) => f.event === 'pusher_internal:watchlist_events', 'watchlist');
    assert.deepEqual(JSON.parse(first.data).events, [{ name: 'offline', user_ids: ['ext-8'] }]);

    // Another socket may not listen to ext-7's channel; ext-7 may.
    other.send({ event: 'pusher:subscribe', data: { channel: '#server-to-user-ext-7', auth: '' } });
    const forbidden = await other.next((f) => f.event === 'pusher:error', 'refused');
    assert.equal(JSON.parse(forbidden.data).code, 4009);
    raw.send({ event: 'pusher:subscribe', data: { channel: '#server-to-user-ext-7', auth: '' } });
    await raw.next((f) => f.event === 'pusher_internal:subscription_succeeded', 'subscribed');

    // ext-8 signs in on the other socket: ext-7 hears it; the server's own channel is listed nowhere.
    other.send({ event: 'pusher:signin', data: sdk.authenticateUser(other.socketId, { id: 'ext-8' }) });
    const online = await raw.next((f) => f.event === 'pusher_internal:watchlist_events', 'online');
    assert.deepEqual(JSON.parse(online.data).events, [{ name: 'online', user_ids: ['ext-8'] }]);
    const channels = await sdk.get({ path: '/channels' });
    const listed = Object.keys((await channels.json()).channels);
    assert.ok(listed.every((name) => !name.startsWith('#')), listed.join(', '));

    // Ending ext-8's connections (signed in, in no channel) closes them; ext-7 hears it go.
    const ended = other.next((f) => f.event === 'pusher:error', 'ext-8 terminated');
    assert.equal((await sdk.terminateUserConnections('ext-8')).status, 200);
    assert.equal(JSON.parse((await ended).data).code, 4009);
    const offline = await raw.next((f) => f.event === 'pusher_internal:watchlist_events', 'offline');
    assert.deepEqual(JSON.parse(offline.data).events, [{ name: 'offline', user_ids: ['ext-8'] }]);
  } finally {
    raw.ws.close();
    other.ws.close();
  }
});
