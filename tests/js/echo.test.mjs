// laravel-echo and pusher-js, unchanged, against the real confab binary: the Echo configuration of
// the Conversation & Message API document with only host, port and key filled in.
//
// Started by the Rust test `tests/realtime/js_clients.rs`, which runs a fresh server and passes
// its addresses: CONFAB_API, REVERB_HOST, REVERB_PORT, REVERB_APP_ID, REVERB_APP_KEY,
// REVERB_APP_SECRET.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCarriesFile, upload } from './attachments.mjs';
import {
  WAIT_MS, api, call, echoFor, listened, people, register, room, serverSdk, subscribed,
  within,
} from './clients.mjs';

test('a message sent over HTTP reaches the other participant through echo.private().listen()', async () => {
  const [john, jane] = await people('John', 'Jane');
  const id = await room(john, [jane]);
  const janeEcho = echoFor(jane);
  try {
    const channel = janeEcho.private(`conversation.${id}`);
    const received = listened(channel, 'message.sent');
    await subscribed(channel, 'private subscription');
    const sent = await call('POST', `/api/v1/conversations/${id}/messages`, john.token, {
      body: 'Hello from HTTP',
    });
    assert.equal(sent.status, 201);
    const event = await received;
    assert.deepEqual(event.message, sent.json.data, 'the event carries the HTTP response object');
  } finally {
    janeEcho.disconnect();
  }
});

test("a file sent in a message reaches echo.private().listen() with a url that downloads it without a token", async () => {
  const [john, jane] = await people('John', 'Jane');
  const id = await room(john, [jane]);
  const janeEcho = echoFor(jane);
  try {
    const channel = janeEcho.private(`conversation.${id}`);
    const received = listened(channel, 'message.sent');
    await subscribed(channel, 'private subscription');
    const bytes = new TextEncoder().encode('Minutes of the meeting: héllo, wörld 👋\n');
    const uploaded = await upload(api, john.token, id, 'minutes.txt', bytes);
    assert.equal(uploaded.name, 'minutes.txt');
    assert.equal(uploaded.content_type, 'text/plain');
    const sent = await call('POST', `/api/v1/conversations/${id}/messages`, john.token, {
      body: '',
      attachment_ids: [uploaded.id],
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.json));
    const event = await received;
    assert.equal(event.message.id, sent.json.data.id);
    assert.equal(event.message.body, '');
    await assertCarriesFile(event.message, uploaded, bytes, api);
  } finally {
    janeEcho.disconnect();
  }
});

test("a non-participant's subscription is refused", async () => {
  const [john, eve] = await people('John', 'Eve');
  const id = await room(john, []);
  const eveEcho = echoFor(eve);
  try {
    const channel = eveEcho.private(`conversation.${id}`);
    const error = await within(WAIT_MS, 'subscription error', (resolve, reject) => {
      channel.error((e) => resolve(e));
      channel.subscribed(() => reject(new Error('an outsider was subscribed')));
    });
    assert.equal(error.status, 403, JSON.stringify(error));
  } finally {
    eveEcho.disconnect();
  }
});

test('echo.join() lists both members of the room', async () => {
  const [john, jane] = await people('John', 'Jane');
  const id = await room(john, [jane]);
  const johnEcho = echoFor(john);
  const janeEcho = echoFor(jane);
  try {
    const johnHere = within(WAIT_MS, 'John here()', (resolve) =>
      johnEcho.join(`conversation.${id}`).here((users) => resolve(users)),
    );
    await johnHere;
    const joining = within(WAIT_MS, 'Jane joining', (resolve) =>
      johnEcho.join(`conversation.${id}`).joining((user) => resolve(user)),
    );
    const janeHere = await within(WAIT_MS, 'Jane here()', (resolve) =>
      janeEcho.join(`conversation.${id}`).here((users) => resolve(users)),
    );
    assert.deepEqual(
      janeHere.map((u) => u.id).sort((a, b) => a - b),
      [john.id, jane.id].sort((a, b) => a - b),
    );
    assert.deepEqual(await joining, { id: jane.id, name: 'Jane' });
  } finally {
    johnEcho.disconnect();
    janeEcho.disconnect();
  }
});

test("whisper('typing') reaches the other member only", async () => {
  const [john, jane] = await people('John', 'Jane');
  const id = await room(john, [jane]);
  const johnEcho = echoFor(john);
  const janeEcho = echoFor(jane);
  try {
    const johnChannel = johnEcho.private(`conversation.${id}`);
    const janeChannel = janeEcho.private(`conversation.${id}`);
    let echoedToSender = false;
    johnChannel.listenForWhisper('typing', () => {
      echoedToSender = true;
    });
    const heard = within(WAIT_MS, 'whisper', (resolve) =>
      janeChannel.listenForWhisper('typing', (e) => resolve(e)),
    );
    // Both waits are registered before either is awaited: Echo only reports a subscription that
    // succeeds after its `subscribed` callback is registered.
    await Promise.all([
      subscribed(johnChannel, 'John subscription'),
      subscribed(janeChannel, 'Jane subscription'),
    ]);
    johnChannel.whisper('typing', { name: 'John' });
    assert.deepEqual(await heard, { name: 'John' });
    // A marker message after the whisper: once it arrives, an echo would have arrived too.
    const marker = listened(johnChannel, 'message.sent', 'marker');
    await call('POST', `/api/v1/conversations/${id}/messages`, jane.token, { body: 'marker' });
    await marker;
    assert.equal(echoedToSender, false, 'a whisper is never echoed to its sender');
  } finally {
    johnEcho.disconnect();
    janeEcho.disconnect();
  }
});

test('the pusher server SDK publishes through the HTTP API and the browser client receives it', async () => {
  const john = await register('John');
  const id = await room(john, []);
  const johnEcho = echoFor(john);
  try {
    const channel = johnEcho.private(`conversation.${id}`);
    const received = listened(channel, 'announcement', 'sdk event');
    await subscribed(channel, 'private subscription');
    const response = await serverSdk().trigger(`private-conversation.${id}`, 'announcement', {
      text: 'from the server SDK',
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await received, { text: 'from the server SDK' });
  } finally {
    johnEcho.disconnect();
  }
});

test("POST …/typing reaches the room as `typing`, one event per 2 s however often it is called", async () => {
  const [john, jane] = await people('John', 'Jane');
  const id = await room(john, [jane]);
  const janeEcho = echoFor(jane);
  try {
    const channel = janeEcho.private(`conversation.${id}`);
    const heard = [];
    const first = within(WAIT_MS, 'typing', (resolve) =>
      channel.listen('.typing', (e) => {
        heard.push(e);
        resolve(e);
      }),
    );
    await subscribed(channel, 'private subscription');
    const typed = await call('POST', `/api/v1/conversations/${id}/typing`, john.token, {});
    assert.equal(typed.status, 204);
    assert.deepEqual(await first, {
      conversation_id: id,
      thread_id: null,
      user: { id: john.id, name: 'John', avatar_url: null },
    });
    const again = await call('POST', `/api/v1/conversations/${id}/typing`, john.token, {});
    assert.equal(again.status, 204, 'answered within the interval too');
    // Events on one channel arrive in order: once a message sent after the second call is here,
    // a second typing event would have been too.
    const marker = listened(channel, 'message.sent');
    await call('POST', `/api/v1/conversations/${id}/messages`, john.token, { body: 'done typing' });
    await marker;
    assert.equal(heard.length, 1, JSON.stringify(heard));
  } finally {
    janeEcho.disconnect();
  }
});

test("a mention reaches the named user's private-user channel as `notification`, per their settings", async () => {
  const [john, jane] = await people('John', 'Jane');
  const id = await room(john, [jane]);
  const janeEcho = echoFor(jane);
  try {
    const mine = janeEcho.private(`user.${jane.id}`);
    const heard = [];
    const first = within(WAIT_MS, 'notification', (resolve) =>
      mine.listen('.notification', (e) => {
        heard.push(e);
        resolve(e);
      }),
    );
    await subscribed(mine, 'private-user subscription');
    const sent = await call('POST', `/api/v1/conversations/${id}/messages`, john.token, {
      body: '@Jane?',
      mentions: [jane.id],
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.json));
    assert.deepEqual(sent.json.data.mentions, [{ id: jane.id, name: 'Jane', avatar_url: null }]);
    assert.deepEqual(await first, {
      type: 'mention',
      conversation_id: id,
      user_id: jane.id,
      message: sent.json.data,
    });
    // Jane hears nothing of the room at all now; a direct chat still reaches her.
    const level = await call('PUT', `/api/v1/conversations/${id}/notifications`, jane.token, { level: 'none' });
    assert.equal(level.status, 200, JSON.stringify(level.json));
    await call('POST', `/api/v1/conversations/${id}/messages`, john.token, { body: '@Jane!', mentions: [jane.id] });
    const direct = await call('POST', '/api/v1/conversations', john.token, { type: 'direct', user_ids: [jane.id] });
    const second = within(WAIT_MS, 'direct notification', (resolve) =>
      mine.listen('.notification', (e) => e.type === 'direct' && resolve(e)),
    );
    await call('POST', `/api/v1/conversations/${direct.json.data.id}/messages`, john.token, { body: 'psst' });
    await second;
    assert.deepEqual(
      heard.map((e) => e.type),
      ['mention', 'direct'],
      'the muted room sent nothing between them',
    );
  } finally {
    janeEcho.disconnect();
  }
});

test('a reply in a thread reaches the room as message.sent with thread_id, then thread.updated', async () => {
  const [john, jane] = await people('John', 'Jane');
  const id = await room(john, [jane]);
  const janeEcho = echoFor(jane);
  try {
    const channel = janeEcho.private(`conversation.${id}`);
    const heard = [];
    const updated = within(WAIT_MS, 'thread.updated', (resolve) => {
      channel.listen('.message.sent', (e) => heard.push(['message.sent', e]));
      channel.listen('.thread.updated', (e) => {
        heard.push(['thread.updated', e]);
        resolve(e);
      });
    });
    await subscribed(channel, 'private subscription');
    const root = await call('POST', `/api/v1/conversations/${id}/messages`, jane.token, { body: 'Friday?' });
    const reply = await call('POST', `/api/v1/conversations/${id}/messages`, john.token, {
      body: 'In!',
      thread_id: root.json.data.id,
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.json));
    const thread = await updated;
    assert.deepEqual(heard.map(([name]) => name), ['message.sent', 'message.sent', 'thread.updated']);
    assert.deepEqual(heard[1][1].message, reply.json.data, 'the reply as the POST answered it');
    assert.equal(heard[1][1].message.thread_id, root.json.data.id);
    assert.equal(thread.conversation_id, id);
    assert.equal(thread.root_id, root.json.data.id);
    assert.equal(thread.thread.reply_count, 1);
    assert.equal(thread.thread.last_reply_id, reply.json.data.id);
    assert.deepEqual(thread.thread.participants, [{ id: john.id, name: 'John', avatar_url: null }]);
  } finally {
    janeEcho.disconnect();
  }
});

test('edits, reactions, deletions and read receipts reach the room through echo.private().listen()', async () => {
  const [john, jane] = await people('John', 'Jane');
  const id = await room(john, [jane]);
  const janeEcho = echoFor(jane);
  try {
    const channel = janeEcho.private(`conversation.${id}`);
    const heard = {};
    const names = ['message.updated', 'message.reacted', 'message.deleted', 'conversation.read'];
    const all = Promise.all(
      names.map((name) =>
        within(WAIT_MS, name, (resolve) =>
          channel.listen(`.${name}`, (e) => {
            heard[name] = e;
            resolve(e);
          }),
        ),
      ),
    );
    await subscribed(channel, 'private subscription');
    const sent = await call('POST', `/api/v1/conversations/${id}/messages`, john.token, { body: 'draft' });
    const path = `/api/v1/conversations/${id}/messages/${sent.json.data.id}`;
    const edited = await call('PATCH', path, john.token, { body: 'final' });
    assert.equal(edited.status, 200, JSON.stringify(edited.json));
    const reacted = await call('PUT', `${path}/reactions/${encodeURIComponent('🎉')}`, john.token);
    assert.equal(reacted.status, 200, JSON.stringify(reacted.json));
    const read = await call('POST', `/api/v1/conversations/${id}/read`, john.token, {});
    assert.equal(read.status, 200);
    const deleted = await call('DELETE', path, john.token);
    assert.equal(deleted.status, 200);
    await all;

    assert.deepEqual(heard['message.updated'].message, edited.json.data, 'the PATCH response object');
    assert.deepEqual(heard['message.reacted'], {
      message_id: sent.json.data.id,
      emoji: '🎉',
      user_id: john.id,
      action: 'added',
      reactions: [{ emoji: '🎉', count: 1 }],
    });
    assert.equal(heard['conversation.read'].user_id, john.id);
    assert.equal(heard['conversation.read'].last_read_message_id, sent.json.data.id);
    assert.equal(heard['message.deleted'].message_id, sent.json.data.id);
    assert.equal(heard['message.deleted'].conversation_id, id);
    assert.match(heard['message.deleted'].deleted_at, /^\d{4}-\d\d-\d\dT.*Z$/);
  } finally {
    janeEcho.disconnect();
  }
});

test("a timed-out member hears the room's moderation through listen() but whisper() is refused", async () => {
  const [john, jane] = await people('John', 'Jane');
  const id = await room(john, [jane]);
  const johnEcho = echoFor(john);
  const janeEcho = echoFor(jane);
  try {
    const johnChannel = johnEcho.private(`conversation.${id}`);
    const janeChannel = janeEcho.private(`conversation.${id}`);
    let heardWhisper = false;
    johnChannel.listenForWhisper('typing', () => {
      heardWhisper = true;
    });
    await Promise.all([
      subscribed(johnChannel, 'John subscription'),
      subscribed(janeChannel, 'Jane subscription'),
    ]);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const told = listened(janeChannel, 'participant.updated');
    const timedOut = await call('PUT', `/api/v1/conversations/${id}/participants/${jane.id}/timeout`, john.token, { until });
    assert.equal(timedOut.status, 200, JSON.stringify(timedOut.json));
    const updated = await told;
    assert.equal(updated.participant.id, jane.id);
    assert.ok(Date.parse(updated.participant.timed_out_until) > Date.now());

    // Her whisper is refused with a pusher:error naming the timeout, and never reaches John.
    const refusal = within(WAIT_MS, 'the refusal', (resolve) =>
      janeEcho.connector.pusher.connection.bind('error', (error) => resolve(error)),
    );
    janeChannel.whisper('typing', { name: 'Jane' });
    const error = await refusal;
    assert.match(JSON.stringify(error), /timed out/);
    const pinnedEvent = listened(janeChannel, 'message.pinned');
    const sent = await call('POST', `/api/v1/conversations/${id}/messages`, john.token, { body: 'rules' });
    const pinned = await call('PUT', `/api/v1/conversations/${id}/messages/${sent.json.data.id}/pin`, john.token);
    assert.equal(pinned.status, 200, JSON.stringify(pinned.json));
    const event = await pinnedEvent;
    assert.equal(event.message.id, sent.json.data.id);
    assert.equal(event.message.pinned_by, john.id);
    assert.equal(heardWhisper, false, 'the refused whisper reached nobody');

    // Lifted: her whispers reach John again.
    await call('DELETE', `/api/v1/conversations/${id}/participants/${jane.id}/timeout`, john.token);
    const heard = within(WAIT_MS, 'whisper', (resolve) =>
      johnChannel.listenForWhisper('typing', resolve),
    );
    janeChannel.whisper('typing', { name: 'Jane' });
    assert.deepEqual(await heard, { name: 'Jane' });
  } finally {
    johnEcho.disconnect();
    janeEcho.disconnect();
  }
});
