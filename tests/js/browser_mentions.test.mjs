// Mentions and notification settings in the browser client at `/`, in a real headless Chromium
// driven by playwright-core: @-completion from the room's members, the highlighted mention, the
// `@n` badge and the toast of the mentioned person's page, and the notification menu (level,
// mute) surviving a reload. Started by tests/realtime/browser.rs, which passes the server's
// address in CONFAB_API and where to put screenshots in ARTIFACTS_DIR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  BASE, PASSWORD, WAIT, launchChromium, logIn, newPage as openPage, register, rest,
} from './browser_harness.mjs';

const ARTIFACTS = path.resolve(process.env.ARTIFACTS_DIR || '../artifacts');

let browser;
const newPage = () => openPage(browser);

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

const item = (page, name) => page.getByTestId('conversation-item').filter({ hasText: name });

async function openRoom(page, name) {
  await item(page, name).click();
  await page.getByTestId('room-title').filter({ hasText: name }).waitFor();
  await page.locator('[data-testid="room"][data-joined="true"]').waitFor();
}

/** Sends what the composer holds; the request's JSON body. */
async function send(page, roomId) {
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/v1/conversations/${roomId}/messages`)),
    page.getByTestId('send-button').click(),
  ]);
  assert.equal((await request.response()).status(), 201);
  return request.postDataJSON();
}

/** Picks `value` in the select `testId`; the saved settings the PUT answered. */
async function choose(page, testId, value, roomId) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith(`/conversations/${roomId}/notifications`)),
    page.getByTestId(testId).selectOption(value),
  ]);
  assert.equal(response.status(), 200);
  return (await response.json()).data;
}

test('a mention picked from the room’s members reaches them; their menu mutes the room', { timeout: 120_000 }, async () => {
  const alice = await register('Alice Martin');
  const bob = await register('Bob Stone');
  const carla = await register('Carla <img src=x onerror="window.injected=1"> Bose');
  const room = await rest('POST', '/conversations', alice.token, { type: 'group', name: 'Plans', user_ids: [bob.id, carla.id] });
  await rest('POST', '/conversations', alice.token, { type: 'group', name: 'Elsewhere', user_ids: [bob.id] });

  const a = await newPage();
  const b = await newPage();
  try {
    await logIn(a, alice);
    await logIn(b, bob);
    await openRoom(a, 'Plans');
    await openRoom(b, 'Elsewhere'); // Bob looks at another room

    // `@bo` offers the members whose name (or a word of it) starts so, never Alice herself;
    // names are text, even one made of markup.
    const input = a.getByTestId('composer-input');
    await input.pressSequentially('Hi @bo', { delay: 20 });
    const suggestions = a.getByTestId('mention-suggestion');
    await a.getByTestId('mention-suggestions').waitFor();
    await suggestions.nth(1).waitFor();
    assert.deepEqual(await suggestions.allTextContents(), ['@Bob Stone', `@${carla.name}`]);
    assert.equal(await a.getByTestId('mention-suggestions').locator('img').count(), 0);
    await a.screenshot({ path: path.join(ARTIFACTS, 'browser-mentions-suggestions.png') });
    await suggestions.filter({ hasText: 'Bob Stone' }).click();
    await a.getByTestId('mention-suggestions').waitFor({ state: 'hidden' });
    assert.equal(await input.inputValue(), 'Hi @Bob Stone ');
    await input.pressSequentially('can you check the numbers?', { delay: 5 });
    assert.equal(await a.getByTestId('mention-suggestions').isVisible(), false);
    const sent = await send(a, room.id);
    assert.deepEqual(sent.mentions, [bob.id], 'the id of the person picked');
    assert.equal(sent.mention_room, undefined);
    const text = 'Hi @Bob Stone can you check the numbers?';
    const ownCopy = a.getByTestId('message-body').filter({ hasText: text });
    await ownCopy.waitFor();
    assert.equal(await ownCopy.locator('.mention').textContent(), '@Bob Stone');
    assert.equal(await ownCopy.locator('.mention-me').count(), 0, 'Alice is not the one mentioned');

    // Bob, in the other room: a toast that goes away by itself, and `@1` in the list.
    const toast = b.getByTestId('notification-toast').filter({ hasText: 'Alice Martin mentioned you in Plans' });
    await toast.waitFor();
    await item(b, 'Plans').getByTestId('unread-mentions').filter({ hasText: '@1' }).waitFor();
    assert.equal(await item(b, 'Elsewhere').getByTestId('unread-mentions').count(), 0);
    await b.screenshot({ path: path.join(ARTIFACTS, 'browser-mentions-toast.png') });
    await toast.waitFor({ state: 'detached' });

    // In the room, his name stands out; reading it clears the badge.
    await openRoom(b, 'Plans');
    const arrived = b.getByTestId('message-body').filter({ hasText: text });
    await arrived.waitFor();
    assert.equal(await arrived.textContent(), text, 'the text is unchanged');
    assert.equal(await arrived.locator('.mention.mention-me').textContent(), '@Bob Stone');
    await item(b, 'Plans').getByTestId('unread-mentions').waitFor({ state: 'detached' });

    // Bob keeps only mentions, then mutes the room for an hour: the list marks it.
    assert.equal(await b.getByTestId('notification-level').inputValue(), 'all');
    assert.equal(await item(b, 'Plans').getByTestId('muted').count(), 0);
    const level = await choose(b, 'notification-level', 'mentions', room.id);
    assert.deepEqual(level, { level: 'mentions', muted_until: null });
    const muted = await choose(b, 'mute-select', 'hour', room.id);
    assert.equal(muted.level, 'mentions');
    const ahead = Date.parse(muted.muted_until) - Date.now();
    assert.ok(ahead > 55 * 60_000 && ahead <= 60 * 60_000, `muted for an hour, not ${ahead} ms`);
    await item(b, 'Plans').getByTestId('muted').waitFor();
    await b.getByTestId('mute-status').filter({ hasText: 'Muted until' }).waitFor({ state: 'attached' });

    // Alice calls the whole room with the keyboard (Enter picks the highlighted `@room`).
    await input.pressSequentially('@ro', { delay: 20 });
    await suggestions.filter({ hasText: '@room' }).waitFor();
    await input.press('Enter');
    await input.pressSequentially('standup moved to 10', { delay: 5 });
    const call = await send(a, room.id);
    assert.equal(call.mention_room, true);
    assert.equal(call.mentions, undefined, 'nobody picked by name this time');
    const roomCall = b.getByTestId('message-body').filter({ hasText: '@room standup moved to 10' });
    await roomCall.locator('.mention.mention-me').filter({ hasText: '@room' }).waitFor();
    assert.equal(await a.getByTestId('message-body').filter({ hasText: '@room standup' }).locator('.mention-me').count(), 0,
      'the author is not called by their own @room');

    // After a reload the menu shows what was saved.
    await b.reload();
    await b.getByTestId('room-title').filter({ hasText: 'Plans' }).waitFor();
    await b.locator('[data-testid="notification-menu"][data-level="mentions"][data-muted="true"]').waitFor();
    assert.equal(await b.getByTestId('notification-level').inputValue(), 'mentions');
    assert.match(await b.getByTestId('mute-status').textContent(), /^🔕 Muted until /);
    await item(b, 'Plans').getByTestId('muted').waitFor();
    await b.screenshot({ path: path.join(ARTIFACTS, 'browser-mentions-menu.png') });

    // Unmuting takes the marker away (the level stays).
    const unmuted = await choose(b, 'mute-select', 'off', room.id);
    assert.deepEqual(unmuted, { level: 'mentions', muted_until: null });
    await item(b, 'Plans').getByTestId('muted').waitFor({ state: 'detached' });
    await b.getByTestId('mute-status').filter({ hasText: 'Not muted' }).waitFor({ state: 'attached' });
    for (const page of [a, b]) assert.equal(await page.evaluate(() => window.injected), undefined);
  } finally {
    await a.context().close();
    await b.context().close();
  }
});
