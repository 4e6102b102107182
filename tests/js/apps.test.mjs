// Several apps on one server (CONFAB_APPS_FILE), through the real clients: pusher-js and
// laravel-echo connect with another app's key, that app's `pusher` server SDK publishes and
// queries, and nothing crosses to the chat app on the same channel names.
//
// Started by `tests/realtime/js_clients.rs` with the server's addresses (see echo.test.mjs) and
// the other app's credentials: OTHER_APP_ID, OTHER_APP_KEY, OTHER_APP_SECRET.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import Echo from 'laravel-echo';
import Pusher from 'pusher-js';
import {
  WAIT_MS, listened, pusherOptions, required, serverSdk, subscribed, within,
} from './clients.mjs';

const other = {
  appId: required('OTHER_APP_ID'),
  key: required('OTHER_APP_KEY'),
  secret: required('OTHER_APP_SECRET'),
};
const otherSdk = () => serverSdk(other);

/// pusher-js as a client of the other app, its private channels authorized with that app's
/// secret (what the other app's own auth endpoint would answer).
function otherPusher() {
  return new Pusher(other.key, pusherOptions({
    channelAuthorization: {
      customHandler: ({ socketId, channelName }, callback) =>
        callback(null, otherSdk().authorizeChannel(socketId, channelName)),
    },
  }));
}

function bound(channel, name) {
  return within(WAIT_MS, name, (resolve) => channel.bind(name, resolve));
}

test("another app's pusher-js client hears its own server SDK, not the chat app's", async () => {
  const pusher = otherPusher();
  try {
    const channel = pusher.subscribe('private-orders');
    await bound(channel, 'pusher:subscription_succeeded');
    const heard = [];
    channel.bind('order.placed', (data) => heard.push(data.n));
    // The chat app publishes on the same name first: it is another app's channel.
    await serverSdk().trigger('private-orders', 'order.placed', { n: 1 });
    await otherSdk().trigger('private-orders', 'order.placed', { n: 2 });
    await within(WAIT_MS, 'the other app\'s event', (resolve) => {
      const poll = () => (heard.length > 0 ? resolve() : setTimeout(poll, 25));
      poll();
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(heard, [2]);
    const listed = await (await otherSdk().get({ path: '/channels' })).json();
    assert.deepEqual(Object.keys(listed.channels), ['private-orders']);
  } finally {
    pusher.disconnect();
  }
});

test("laravel-echo with another app's key, and pusher-js with a key of no app", async () => {
  const echo = new Echo({
    broadcaster: 'reverb',
    key: other.key,
    wsHost: required('REVERB_HOST'),
    wsPort: Number(required('REVERB_PORT')),
    wssPort: Number(required('REVERB_PORT')),
    forceTLS: false,
    enabledTransports: ['ws', 'wss'],
    Pusher,
  });
  try {
    const channel = echo.channel('orders');
    const received = listened(channel, 'order.shipped');
    await subscribed(channel, 'public subscription');
    await otherSdk().trigger('orders', 'order.shipped', { id: 7 });
    assert.deepEqual(await received, { id: 7 });
  } finally {
    echo.disconnect();
  }
  const stranger = new Pusher('no-such-key', pusherOptions());
  try {
    // pusher-js tells the `pusher:error` (and later the close) as connection errors.
    const code = await within(WAIT_MS, 'the refusal', (resolve) => {
      stranger.connection.bind('error', (e) => {
        const told = e?.data?.code ?? e?.error?.data?.code;
        if (told !== undefined) resolve(told);
      });
    });
    assert.equal(code, 4001);
  } finally {
    stranger.disconnect();
  }
});
