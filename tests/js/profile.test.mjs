// A new name, live: `PATCH /api/v1/user/me` tells every room the user is in (`user.updated`) and
// the user's other devices, through laravel-echo and pusher-js unchanged and through the envelope
// protocol, with the public profile only (never the email).
//
// Started by the Rust test `tests/realtime/js_clients.rs`, which runs a fresh server and passes
// its addresses: CONFAB_API, REVERB_HOST, REVERB_PORT, REVERB_APP_ID, REVERB_APP_KEY,
// REVERB_APP_SECRET.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, echoFor, joinedSocket, listened, people, room, serverEvent, subscribed } from './clients.mjs';

/// `user` takes the name `name`; the answer is their own profile, email included.
async function rename(user, name) {
  const { status, json } = await call('PATCH', '/api/v1/user/me', user.token, { name });
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.status, true, JSON.stringify(json));
  assert.deepEqual(
    Object.keys(json.data).sort(),
    ['avatar_url', 'created_at', 'email', 'email_verified_at', 'id', 'name'],
    JSON.stringify(json),
  );
  assert.equal(json.data.id, user.id);
  assert.equal(json.data.name, name);
  assert.equal(json.data.email, user.email);
  assert.equal(json.data.avatar_url, null, 'no picture uploaded');
  assert.match(json.data.created_at, /^\d{4}-\d\d-\d\dT.*Z$/);
  return json.data;
}

function assertNoEmail(what, payload, user) {
  assert.ok(!JSON.stringify(payload).includes(user.email), `${what} carries no email: ${JSON.stringify(payload)}`);
}

test("a new name reaches the room's members and the user's other devices through echo.private().listen()", async () => {
  const [ann, bob] = await people('Ann', 'Bob');
  const id = await room(ann, [bob], 'Profiles');
  const annEcho = echoFor(ann);
  const bobsOtherDevice = echoFor(bob);
  try {
    const roomChannel = annEcho.private(`conversation.${id}`);
    const presence = annEcho.join(`conversation.${id}`);
    const own = bobsOtherDevice.private(`user.${bob.id}`);
    const inRoom = listened(roomChannel, 'user.updated', 'user.updated in the room');
    const inPresence = listened(presence, 'user.updated', 'user.updated on the presence channel');
    const onDevice = listened(own, 'user.updated', 'user.updated on private-user');
    await Promise.all([
      subscribed(roomChannel, 'private-conversation subscription'),
      subscribed(presence, 'presence-conversation subscription'),
      subscribed(own, 'private-user subscription'),
    ]);

    await rename(bob, 'Robert');
    const told = { user: { id: bob.id, name: 'Robert', avatar_url: null } };
    for (const [what, heard] of [['room', inRoom], ['presence', inPresence], ['device', onDevice]]) {
      const event = await heard;
      assert.deepEqual(event, told, what);
      assertNoEmail(what, event, bob);
    }

    // What Bob writes next carries the new name.
    const next = listened(roomChannel, 'message.sent');
    const sent = await call('POST', `/api/v1/conversations/${id}/messages`, bob.token, { body: 'call me Robert' });
    assert.equal(sent.status, 201, JSON.stringify(sent.json));
    const message = (await next).message;
    assert.equal(message.id, sent.json.data.id);
    assert.equal(message.user.id, bob.id);
    assert.equal(message.user.name, 'Robert');
  } finally {
    annEcho.disconnect();
    bobsOtherDevice.disconnect();
  }
});

test('a new name reaches a joined envelope socket as a message envelope from the server', async () => {
  const [ann, bob] = await people('Ann', 'Bob');
  const id = await room(ann, [bob], 'Profiles');
  const envelope = await joinedSocket(ann, id);
  try {
    await rename(bob, 'Robert');
    const updated = await serverEvent(envelope, 'user.updated');
    assert.equal(updated.type, 'message');
    assert.equal(updated.from, 'server');
    assert.equal(updated.to, `conversation:${id}`);
    assert.deepEqual(updated.payload, { event: 'user.updated', user: { id: bob.id, name: 'Robert', avatar_url: null } });
    assertNoEmail('the envelope', updated, bob);
  } finally {
    envelope.ws.close();
  }
});
