// The learning README's way in: its JavaScript snippet over a real WebSocket, envelopes and
// pusher-js meeting in one hub, and the envelope JSON Schema agreeing with the server's decoders.
//
// Started by the Rust test `tests/realtime/js_clients.rs` with CONFAB_API, REVERB_HOST,
// REVERB_PORT and REVERB_APP_KEY set for a fresh server.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import WebSocket from 'ws';
import Pusher from 'pusher-js';
import { assertCarriesFile, upload } from './attachments.mjs';
import {
  answerTo, api, call, env, envelopeFor, joinedSocket, people, register, room, serverEvent, timeout,
} from './clients.mjs';

// Node 20 has no global WebSocket; the README's snippet uses the browser's, so give it one.
globalThis.WebSocket = WebSocket;

const realtimeHost = `${env.REVERB_HOST}:${env.REVERB_PORT}`;

test("the README's snippet, with only host and port changed, gets its ack", async () => {
  const me = await register('Reader');
  const login = await call('POST', '/api/login', null, { email: me.email, password: 'secret-password' });
  assert.equal(login.status, 200);
  const token = login.json.token;

  // From the learning README, verbatim but for `localhost:6000`.
  const received = [];
  const acked = new Promise((resolve) => {
    const ws = new WebSocket(`ws://${realtimeHost}?token=` + encodeURIComponent(token));
    ws.onopen = () => {
      const ping = { id: '1', type: 'ping', from: 'user:1', to: 'channel:global', ts: Math.floor(Date.now()/1000), payload: {} };
      ws.send(JSON.stringify(ping));
    };
    ws.onmessage = (evt) => {
      const envelope = JSON.parse(evt.data);
      received.push(envelope);
      if (envelope.type === 'ack') {
        ws.close();
        resolve(envelope);
      }
    };
  });
  const ack = await Promise.race([acked, timeout('ack')]);
  assert.equal(ack.id, '1');
  assert.equal(ack.payload.ack, '1');
  assert.equal(ack.from, 'server');
  assert.equal(ack.to, `user:${me.id}`);
  assert.ok(Number.isInteger(ack.ts));
});

test('a socket without a valid token is closed with a policy violation', async () => {
  for (const url of [`ws://${realtimeHost}/`, `ws://${realtimeHost}/?token=forged`]) {
    const ws = new WebSocket(url);
    const code = await Promise.race([
      new Promise((resolve) => ws.on('close', (c) => resolve(c))),
      timeout('close'),
    ]);
    assert.equal(code, 1008, url);
  }
});

test('an envelope message reaches a pusher-js client, and an API message reaches the envelope client', async () => {
  const [ann, bob] = await people('Ann', 'Bob');
  const id = await room(ann, [bob], 'Two protocols');

  const pusher = new Pusher(env.REVERB_APP_KEY, {
    wsHost: env.REVERB_HOST,
    wsPort: Number(env.REVERB_PORT),
    forceTLS: false,
    enabledTransports: ['ws'],
    cluster: '',
    channelAuthorization: {
      endpoint: `${api}/api/broadcasting/auth`,
      headers: { Authorization: `Bearer ${bob.token}` },
    },
  });
  try {
    const channel = pusher.subscribe(`private-conversation.${id}`);
    await Promise.race([
      new Promise((resolve) => channel.bind('pusher:subscription_succeeded', resolve)),
      timeout('pusher subscription'),
    ]);
    const viaPusher = new Promise((resolve) => channel.bind('message.sent', resolve));

    const envelope = await joinedSocket(ann, id);
    envelope.send({ id: 'm1', type: 'message', to: `conversation:${id}`, payload: { text: 'from an envelope' } });
    const ack = await envelope.next(answerTo('m1'), 'message ack');
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
    const event = await Promise.race([viaPusher, timeout('message.sent at pusher-js')]);
    assert.deepEqual(event.message, ack.payload.message);

    // The other way: Bob's app sends over the API; Ann's envelope socket gets a message envelope.
    const sent = await call('POST', `/api/v1/conversations/${id}/messages`, bob.token, { body: 'from the API' });
    assert.equal(sent.status, 201);
    const arrived = await envelope.next((e) => e.type === 'message', 'message envelope');
    assert.equal(arrived.from, `user:${bob.id}`);
    assert.equal(arrived.to, `conversation:${id}`);
    assert.deepEqual(arrived.payload.message, sent.json.data);
    envelope.ws.close();
  } finally {
    pusher.disconnect();
  }
});

test("a file sent over the API reaches a joined envelope socket in the message envelope, and its url downloads it without a token", async () => {
  const [ann, bob] = await people('Ann', 'Bob');
  const id = await room(ann, [bob], 'Files');
  const envelope = await joinedSocket(ann, id);
  try {
    // Every byte value, so a text round trip anywhere on the way would show.
    const bytes = Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 256);
    const uploaded = await upload(api, bob.token, id, 'data.bin', bytes);
    assert.equal(uploaded.content_type, 'application/octet-stream');
    const sent = await call('POST', `/api/v1/conversations/${id}/messages`, bob.token, {
      body: 'the export',
      attachment_ids: [uploaded.id],
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.json));
    const arrived = await envelope.next((e) => e.type === 'message', 'message envelope');
    assert.equal(arrived.payload.event, 'message.sent');
    assert.equal(arrived.from, `user:${bob.id}`);
    assert.equal(arrived.to, `conversation:${id}`);
    assert.equal(arrived.payload.message.id, sent.json.data.id);
    await assertCarriesFile(arrived.payload.message, uploaded, bytes, api);
  } finally {
    envelope.ws.close();
  }
});

test('edits, reactions, deletions and read receipts reach a joined envelope socket as message envelopes', async () => {
  const [ann, bob] = await people('Ann', 'Bob');
  const id = await room(ann, [bob], 'Changes');
  const envelope = await joinedSocket(ann, id);
  try {
    const sent = await call('POST', `/api/v1/conversations/${id}/messages`, bob.token, { body: 'draft' });
    const first = await envelope.next((e) => e.type === 'message', 'message.sent');
    assert.equal(first.payload.event, 'message.sent');
    const path = `/api/v1/conversations/${id}/messages/${sent.json.data.id}`;
    const edited = await call('PATCH', path, bob.token, { body: 'final' });
    await call('PUT', `${path}/reactions/${encodeURIComponent('👍')}`, bob.token);
    await call('POST', `/api/v1/conversations/${id}/read`, bob.token, {});
    await call('DELETE', path, bob.token);
    const event = (name) => serverEvent(envelope, name);
    const updated = await event('message.updated');
    assert.equal(updated.from, 'server');
    assert.equal(updated.to, `conversation:${id}`);
    assert.deepEqual(updated.payload.message, edited.json.data);
    const reacted = await event('message.reacted');
    assert.deepEqual(reacted.payload.reactions, [{ emoji: '👍', count: 1 }]);
    assert.equal(reacted.payload.action, 'added');
    const read = await event('conversation.read');
    assert.equal(read.payload.user_id, bob.id);
    assert.equal(read.payload.last_read_message_id, sent.json.data.id);
    const deleted = await event('message.deleted');
    assert.equal(deleted.payload.message_id, sent.json.data.id);
  } finally {
    envelope.ws.close();
  }
});

test("a room's moderation reaches a joined envelope socket as message envelopes from the server", async () => {
  const [ann, bob, cy] = await people('Ann', 'Bob', 'Cy');
  const id = await room(ann, [bob, cy], 'Governed');
  const envelope = await joinedSocket(bob, id);
  try {
    const base = `/api/v1/conversations/${id}`;
    await call('PUT', `${base}/participants/${bob.id}/role`, ann.token, { role: 'admin' });
    const sent = await call('POST', `${base}/messages`, ann.token, { body: 'rules' });
    const pinned = await call('PUT', `${base}/messages/${sent.json.data.id}/pin`, ann.token);
    await call('PATCH', base, ann.token, { slow_mode_seconds: 10 });
    await call('POST', `${base}/ban/${cy.id}`, ann.token, {});
    await call('DELETE', `${base}/ban/${cy.id}`, ann.token);
    const event = (name) => serverEvent(envelope, name);
    const promoted = await event('participant.updated');
    assert.equal(promoted.from, 'server');
    assert.equal(promoted.to, `conversation:${id}`);
    assert.deepEqual(promoted.payload.participant, { id: bob.id, name: bob.name, avatar_url: null, role: 'admin', timed_out_until: null });
    const pin = await event('message.pinned');
    assert.deepEqual(pin.payload.message, pinned.json.data);
    const updated = await event('conversation.updated');
    assert.equal(updated.payload.conversation.slow_mode_seconds, 10);
    const unbanned = await event('participant.unbanned');
    assert.deepEqual(unbanned.payload.user, { id: cy.id, name: cy.name, avatar_url: null });
  } finally {
    envelope.ws.close();
  }
});

test('POST …/typing reaches a joined envelope socket as a typing message from the server', async () => {
  const [ann, bob] = await people('Ann', 'Bob');
  const id = await room(ann, [bob], 'Typing');
  const envelope = await joinedSocket(ann, id);
  try {
    const typed = await call('POST', `/api/v1/conversations/${id}/typing`, bob.token, {});
    assert.equal(typed.status, 204);
    const typing = await serverEvent(envelope, 'typing');
    assert.equal(typing.from, 'server');
    assert.equal(typing.to, `conversation:${id}`);
    assert.deepEqual(typing.payload, {
      event: 'typing',
      conversation_id: id,
      thread_id: null,
      user: { id: bob.id, name: 'Bob', avatar_url: null },
    });
  } finally {
    envelope.ws.close();
  }
});

test('a mention reaches every envelope socket of the named user as a notification from the server', async () => {
  const [ann, bob] = await people('Ann', 'Bob');
  const id = await room(ann, [bob], 'Mentions');
  // Bob has joined nothing: a notification is addressed to him, not to the room.
  const envelope = await envelopeFor(bob);
  try {
    const sent = await call('POST', `/api/v1/conversations/${id}/messages`, ann.token, {
      body: 'everyone, look',
      mention_room: true,
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.json));
    assert.equal(sent.json.data.mention_room, true);
    const note = await serverEvent(envelope, 'notification');
    assert.equal(note.from, 'server');
    assert.equal(note.to, `user:${bob.id}`);
    assert.deepEqual(note.payload, {
      event: 'notification',
      type: 'room_mention',
      conversation_id: id,
      user_id: bob.id,
      message: sent.json.data,
    });
  } finally {
    envelope.ws.close();
  }
});

test('a reply in a thread reaches a joined envelope socket, then thread.updated from the server', async () => {
  const [ann, bob] = await people('Ann', 'Bob');
  const id = await room(ann, [bob], 'Threads');
  const root = await call('POST', `/api/v1/conversations/${id}/messages`, ann.token, { body: 'Friday?' });
  const envelope = await joinedSocket(ann, id);
  try {
    const reply = await call('POST', `/api/v1/conversations/${id}/messages`, bob.token, {
      body: 'In!',
      thread_id: root.json.data.id,
    });
    const sent = await envelope.next((e) => e.type === 'message' && e.payload.event === 'message.sent', 'the reply');
    assert.deepEqual(sent.payload.message, reply.json.data);
    const updated = await serverEvent(envelope, 'thread.updated');
    assert.equal(updated.from, 'server');
    assert.equal(updated.payload.root_id, root.json.data.id);
    assert.equal(updated.payload.thread.reply_count, 1);
    assert.deepEqual(updated.payload.thread.participants, [{ id: bob.id, name: 'Bob', avatar_url: null }]);
  } finally {
    envelope.ws.close();
  }
});

test('the JSON Schema and the server decoders accept and reject the same envelopes', async () => {
  const schema = await (await fetch(`${api}/schemas/envelope.schema.json`)).json();
  const committed = JSON.parse(readFileSync(new URL('../../schemas/envelope.schema.json', import.meta.url)));
  assert.deepEqual(schema, committed, 'the served schema is the committed one');
  const validate = new Ajv2020({ strict: false }).compile(schema);

  const me = await register('Checker');
  const to = `conversation:${await room(me, [], 'Schema')}`;
  const examples = [
    { type: 'ping' },
    { id: '1', type: 'ping', to: 'channel:global', payload: {} },
    { id: 'x', type: 'ping', from: 'user:1', ts: 1690000000, payload: { text: 'hello' } },
    { id: 'm', type: 'message', to, payload: { text: 'hi' } },
    { type: 'join', to: 'channel:global' },
    { type: 'leave', to },
    {},
    { type: 'shout' },
    { type: 'message', payload: { text: 'x' } },
    { type: 'join' },
    { type: 'ping', to: 'room:1' },
    { type: 'ping', to: 'conversation:abc' },
    { type: 'ping', payload: 'text' },
    { type: 'ping', id: '' },
    { type: 'ping', id: 'x'.repeat(129) },
    { type: 'ping', id: 7 },
    { type: 'ping', ts: 'soon' },
    { type: 'ping', ts: -1 },
    { type: 7 },
    [],
    'ping',
  ];

  const socket = await envelopeFor(me);
  let n = 0;
  try {
    for (const example of examples) {
      const valid = validate(example);
      // Over the WebSocket: an ack when valid, an error envelope when not (the socket lives on).
      n += 1;
      const probe = `probe-${n}`;
      socket.send(example);
      const answer = await socket.next((e) => e.type === 'ack' || e.type === 'error', `answer to ${JSON.stringify(example)}`);
      assert.equal(answer.type === 'ack', valid, `WebSocket vs schema on ${JSON.stringify(example)}: ${JSON.stringify(answer)}`);
      socket.send({ id: probe, type: 'ping' });
      assert.equal((await socket.next(answerTo(probe), 'probe')).type, 'ack', 'the socket lives on');

      // Over HTTP, for what HTTP takes (ping and message; join/leave need a socket).
      const kind = example && typeof example === 'object' && !Array.isArray(example) ? example.type : undefined;
      if (kind === 'join' || kind === 'leave') continue;
      const response = await fetch(`${api}/api/messages`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${me.token}` },
        body: JSON.stringify(example),
      });
      assert.equal(response.ok, valid, `HTTP vs schema on ${JSON.stringify(example)}: ${response.status}`);
    }
  } finally {
    socket.ws.close();
  }
});
