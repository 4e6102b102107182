// Threads in the browser client at `/`, in a real headless Chromium driven by playwright-core:
// one person replies in a message's thread from the thread panel, the other's page shows the
// root's "1 reply" line live while the reply stays out of the room's timeline, opens the panel,
// sees who is typing there and replies "also in the room" (which the room shows after a reload);
// Follow / Unfollow. Started by tests/realtime/browser.rs, which passes the server's address in
// CONFAB_API and where to put screenshots in ARTIFACTS_DIR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, conversationItem as item, logIn, register, rest, roomMessage, sharedBrowser } from './browser_harness.mjs';


const newPage = sharedBrowser();
const panel = (page) => page.getByTestId('thread-panel');
const reply = (page, text) => panel(page).getByTestId('thread-message').filter({ hasText: text });

async function openRoom(page, name) {
  await item(page, name).click();
  await page.getByTestId('room-title').filter({ hasText: name }).waitFor();
  await page.locator('[data-testid="room"][data-joined="true"]').waitFor();
}

/** Sends what the thread composer holds; the request's JSON body. */
async function sendInThread(page, roomId) {
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/v1/conversations/${roomId}/messages`)),
    page.getByTestId('thread-send').click(),
  ]);
  assert.equal((await request.response()).status(), 201);
  return request.postDataJSON();
}

/** Waits for the toggle to know whether the page follows the thread. */
const followToggle = (page, following) => panel(page).locator(`[data-testid="thread-follow"][data-following="${following}"]`);

test('a reply in a thread shows live in its panel and under its root, not in the room', { timeout: 120_000 }, async () => {
  const alice = await register('Alice Martin');
  const bob = await register('Bob Stone');
  const room = await rest('POST', '/conversations', alice.token, { type: 'group', name: 'Plans', user_ids: [bob.id] });
  const root = await rest('POST', `/conversations/${room.id}/messages`, alice.token, { body: 'Who takes the slides?' });

  const a = await newPage();
  const b = await newPage();
  try {
    await logIn(a, alice);
    await logIn(b, bob);
    await openRoom(a, 'Plans');
    await openRoom(b, 'Plans');

    // Bob opens the root's thread from its "Reply in thread" action: the root, no reply yet.
    await roomMessage(b, 'Who takes the slides?').getByTestId('thread-open').click();
    await panel(b).waitFor();
    await panel(b).getByTestId('thread-root-message').filter({ hasText: 'Who takes the slides?' }).waitFor();
    await panel(b).getByTestId('thread-count').filter({ hasText: 'No replies yet' }).waitFor();
    await followToggle(b, 'false').waitFor();
    assert.equal(await panel(b).getByTestId('thread-follow').textContent(), 'Follow');

    // He replies there, only in the thread; replying follows it.
    await b.getByTestId('thread-input').fill('On it');
    const sent = await sendInThread(b, room.id);
    assert.equal(sent.thread_id, root.id);
    assert.equal(sent.also_in_room, false);
    await reply(b, 'On it').waitFor();
    await followToggle(b, 'true').waitFor();
    assert.equal(await panel(b).getByTestId('thread-follow').textContent(), 'Unfollow');

    // Alice's page, without a reload: "1 reply" under the root, a toast (she wrote the root, so
    // she follows it), and nothing new in the room's timeline.
    const summary = roomMessage(a, 'Who takes the slides?').getByTestId('thread-summary');
    await summary.filter({ hasText: '1 reply' }).waitFor();
    assert.match(await summary.textContent(), /^1 reply · last .+ · Bob Stone$/);
    await a.getByTestId('notification-toast').filter({ hasText: 'Bob Stone replied in a thread in Plans' }).waitFor();
    await roomMessage(b, 'Who takes the slides?').getByTestId('thread-summary').filter({ hasText: '1 reply' }).waitFor();
    assert.equal(await roomMessage(a, 'On it').count(), 0, 'a reply only in its thread is not in the room');
    assert.equal(await roomMessage(b, 'On it').count(), 0);

    // Alice opens the thread from the line: Bob's reply; she follows it already.
    await summary.click();
    await reply(a, 'On it').waitFor();
    await followToggle(a, 'true').waitFor();

    // Bob types in the thread: Alice's panel says so, her room does not.
    await b.getByTestId('thread-input').pressSequentially('Sure thing', { delay: 300 });
    await panel(a).getByTestId('thread-typing').filter({ hasText: 'Bob Stone is typing…' }).waitFor();
    assert.equal(await a.getByTestId('typing-indicator').textContent(), '');
    await b.getByTestId('thread-input').fill('');

    // Alice replies, also in the room: Bob's panel shows it live.
    await a.getByTestId('thread-input').fill('I will bring the projector');
    await a.getByTestId('thread-also-in-room').check();
    const also = await sendInThread(a, room.id);
    assert.equal(also.also_in_room, true);
    assert.equal(also.thread_id, root.id);
    await reply(a, 'I will bring the projector').waitFor();
    await reply(b, 'I will bring the projector').waitFor();
    await roomMessage(a, 'Who takes the slides?').getByTestId('thread-summary').filter({ hasText: '2 replies' }).waitFor();
    await panel(b).getByTestId('thread-count').filter({ hasText: '2 replies' }).waitFor();
    const replies = await panel(b).getByTestId('thread-message').getByTestId('thread-message-body').allTextContents();
    assert.deepEqual(replies, ['On it', 'I will bring the projector'], 'oldest at the top');
    await a.screenshot({ path: path.join(ARTIFACTS, 'browser-threads-panel.png') });

    // After a reload Bob's room shows that reply (it is the room's too), still not "On it".
    await b.reload();
    await b.getByTestId('room-title').filter({ hasText: 'Plans' }).waitFor();
    await roomMessage(b, 'I will bring the projector').getByTestId('thread-reply-link').waitFor();
    await roomMessage(b, 'Who takes the slides?').getByTestId('thread-summary').filter({ hasText: '2 replies' }).waitFor();
    assert.equal(await roomMessage(b, 'On it').count(), 0);
    assert.equal(await roomMessage(a, 'On it').count(), 0);
    assert.equal(await panel(b).isVisible(), false, 'a reload closes the panel');

    // Bob reopens the thread from the line, then stops following it.
    await roomMessage(b, 'Who takes the slides?').getByTestId('thread-summary').click();
    await reply(b, 'I will bring the projector').waitFor();
    await followToggle(b, 'true').waitFor();
    const [unfollow] = await Promise.all([
      b.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith(`/messages/${root.id}/thread/follow`)),
      panel(b).getByTestId('thread-follow').click(),
    ]);
    assert.equal(unfollow.status(), 200);
    await followToggle(b, 'false').waitFor();
    assert.equal(await panel(b).getByTestId('thread-follow').textContent(), 'Follow');
    const bobs = await rest('GET', '/user/threads', bob.token);
    assert.equal(bobs.some((t) => t.root.id === root.id), false, 'Bob no longer follows it');
    const alices = await rest('GET', '/user/threads', alice.token);
    assert.equal(alices.find((t) => t.root.id === root.id)?.unread_count, 0, 'Alice read it in the panel');

    // Closing the panel.
    await panel(b).getByTestId('thread-close').click();
    await panel(b).waitFor({ state: 'hidden' });
  } finally {
    await a.context().close();
    await b.context().close();
  }
});
