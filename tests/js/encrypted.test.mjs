// End-to-end encrypted channels: what an app publishes with the `pusher` server SDK and its
// `encryptionMasterKeyBase64` reaches pusher-js in the room, decrypted with the key its
// authorization carried; on the wire, and to the server, it is ciphertext.
//
// Started by `tests/realtime/js_clients.rs` with the server's addresses (see echo.test.mjs) and
// REVERB_APP_ENCRYPTION_MASTER_KEY, which the server was started with too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import Pusher from 'pusher-js';
import {
  WAIT_MS, api, call, envelopeSocket, people, required, room, serverSdk, within,
} from './clients.mjs';

const MASTER_KEY = required('REVERB_APP_ENCRYPTION_MASTER_KEY');

const sdk = () => serverSdk({ encryptionMasterKeyBase64: MASTER_KEY });

function pusherFor(user) {
  return new Pusher(required('REVERB_APP_KEY'), {
    wsHost: required('REVERB_HOST'),
    wsPort: Number(required('REVERB_PORT')),
    forceTLS: false,
    enabledTransports: ['ws'],
    cluster: 'mt1',
    channelAuthorization: {
      endpoint: `${api}/api/broadcasting/auth`,
      headers: { Authorization: `Bearer ${user.token}` },
    },
  });
}

/// A raw Pusher-protocol socket, connected, with its socket id.
async function rawSocket() {
  const socket = await envelopeSocket(
    `ws://${required('REVERB_HOST')}:${required('REVERB_PORT')}/app/${required('REVERB_APP_KEY')}?protocol=7`,
  );
  const hello = await socket.next((f) => f.event === 'pusher:connection_established', 'connection');
  return { ...socket, socketId: JSON.parse(hello.data).socket_id };
}

/// `user`'s authorization of `channel` for `socketId`, through the API.
async function authorize(user, socketId, channel) {
  return call('POST', '/api/broadcasting/auth', user.token, {
    socket_id: socketId,
    channel_name: channel,
  });
}

test('pusher-js decrypts what the pusher server SDK encrypted for a room, and the wire carries only ciphertext', async () => {
  const [john, jane] = await people('John', 'Jane');
  const id = await room(john, [jane]);
  const name = `private-encrypted-conversation.${id}`;
  const janePusher = pusherFor(jane);
  const raw = await rawSocket();
  try {
    const channel = janePusher.subscribe(name);
    await within(WAIT_MS, 'encrypted subscription', (resolve, reject) => {
      channel.bind('pusher:subscription_succeeded', resolve);
      channel.bind('pusher:subscription_error', (e) => reject(new Error(JSON.stringify(e))));
    });
    // John's raw socket subscribes with his own authorization, to see what travels.
    const grant = await authorize(john, raw.socketId, name);
    assert.equal(grant.status, 200, JSON.stringify(grant.json));
    raw.send({ event: 'pusher:subscribe', data: { channel: name, auth: grant.json.auth } });
    await raw.next((f) => f.event === 'pusher_internal:subscription_succeeded', 'raw subscription');

    const received = within(WAIT_MS, 'the decrypted event', (resolve) =>
      channel.bind('minutes', (data) => resolve(data)),
    );
    const secret = { text: 'For your eyes only 🔐', at: 42 };
    const published = await sdk().trigger(name, 'minutes', secret);
    assert.equal(published.status, 200);
    assert.deepEqual(await received, secret, 'pusher-js decrypted it');

    const onTheWire = await raw.next((f) => f.event === 'minutes', 'the raw frame');
    const payload = JSON.parse(onTheWire.data);
    assert.ok(payload.ciphertext && payload.nonce, JSON.stringify(payload));
    assert.ok(!onTheWire.data.includes('eyes only'), 'no plaintext on the wire');
  } finally {
    janePusher.disconnect();
    raw.ws.close();
  }
});

test("a participant's authorization carries the channel's key, an outsider gets none", async () => {
  const [john, jane, eve] = await people('John', 'Jane', 'Eve');
  const id = await room(john, [jane]);
  const name = `private-encrypted-conversation.${id}`;
  const raw = await rawSocket();
  try {
    const grant = await authorize(jane, raw.socketId, name);
    assert.equal(grant.status, 200, JSON.stringify(grant.json));
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from(name), Buffer.from(MASTER_KEY, 'base64')]))
      .digest('base64');
    assert.equal(grant.json.shared_secret, expected, 'base64(SHA-256(channel name ‖ master key))');
    const plain = await authorize(jane, raw.socketId, `private-conversation.${id}`);
    assert.equal(plain.json.shared_secret, undefined, 'only encrypted channels carry a key');
    const outsider = await authorize(eve, raw.socketId, name);
    assert.equal(outsider.status, 403, JSON.stringify(outsider.json));
  } finally {
    raw.ws.close();
  }
});

test('client events are refused on encrypted channels, and so is one publish to several channels with an encrypted one', async () => {
  const [john] = await people('John');
  const id = await room(john, []);
  const name = `private-encrypted-conversation.${id}`;
  const raw = await rawSocket();
  try {
    const grant = await authorize(john, raw.socketId, name);
    raw.send({ event: 'pusher:subscribe', data: { channel: name, auth: grant.json.auth } });
    await raw.next((f) => f.event === 'pusher_internal:subscription_succeeded', 'subscription');
    raw.send({ event: 'client-typing', channel: name, data: {} });
    const refused = await raw.next((f) => f.event === 'pusher:error', 'the refusal');
    assert.match(JSON.stringify(refused.data), /not supported on encrypted channels/);

    // The SDK refuses this itself; the server must too, for clients that do not (422, as every
    // other malformed publish here).
    const answer = await sdk().post({
      path: '/events',
      body: { name: 'minutes', channels: [`private-conversation.${id}`, name], data: '{}' },
    }).catch((error) => error);
    assert.equal(answer.status, 422, String(answer));
    assert.match(String(answer.body), /encrypted/);
  } finally {
    raw.ws.close();
  }
});
