// The browser client at `/` in a real headless Chromium (Debian's package), driven by
// playwright-core. Started by tests/realtime/browser.rs, which passes the server's address in
// CONFAB_API and where to put screenshots in ARTIFACTS_DIR.
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
  assert.ok(BASE, 'CONFAB_API must name the server, e.g. http://127.0.0.1:8000');
  await mkdir(ARTIFACTS, { recursive: true });
  const page = await fetch(`${BASE}/`, { signal: AbortSignal.timeout(WAIT) });
  const html = await page.text();
  assert.ok(page.ok && html.includes('data-testid="auth-form"'),
    `GET / should serve the browser client, got ${page.status}: ${html.slice(0, 200)}`);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

const item = (page, name) => page.getByTestId('conversation-item').filter({ hasText: name });

async function openRoom(page, name) {
  await item(page, name).click();
  await page.getByTestId('room-title').filter({ hasText: name }).waitFor();
}

/** Joined over the envelope WebSocket: the server acked the page's `join`. */
async function live(page) {
  await page.locator('[data-testid="room"][data-joined="true"]').waitFor();
}

test('two people chat live in two browser contexts', { timeout: 90_000 }, async () => {
  const alice = await register('Alice Martin');
  const bob = await register('Bob Stone');
  const room = await rest('POST', '/conversations', alice.token,
    { type: 'group', name: 'Project Alpha', user_ids: [bob.id] });
  const other = await rest('POST', '/conversations', alice.token,
    { type: 'group', name: 'Release 1.0', user_ids: [bob.id] });
  await rest('POST', `/conversations/${room.id}/messages`, alice.token, { body: 'Morning! Demo at 3pm?' });
  await rest('POST', `/conversations/${room.id}/messages`, bob.token, { body: 'Works for me. I will bring the slides.' });

  const a = await newPage();
  const b = await newPage();
  try {
    await logIn(a, alice);
    await logIn(b, bob);
    // Alice has one unread message (Bob's); Bob has read up to his own.
    await item(a, 'Project Alpha').getByTestId('unread-count').filter({ hasText: '1' }).waitFor();
    await openRoom(a, 'Project Alpha');
    await openRoom(b, 'Project Alpha');
    await item(a, 'Project Alpha').getByTestId('unread-count').waitFor({ state: 'detached' });
    // The history loads after the room opens: wait for it, then check nothing more came.
    await b.locator('[data-testid="message-list"][data-complete="true"]').waitFor();
    assert.equal(await b.getByTestId('message').count(), 2);
    await live(a);
    await live(b);
    await b.evaluate(() => { window.notReloaded = true; });

    const text = "Perfect. I'll book the big room & send the invite.";
    await a.getByTestId('composer-input').pressSequentially(text.slice(0, 12), { delay: 20 });
    await b.getByTestId('typing-indicator').filter({ hasText: 'Alice Martin is typing…' }).waitFor();
    await a.getByTestId('composer-input').pressSequentially(text.slice(12), { delay: 5 });
    await a.getByTestId('send-button').click();

    const arrived = b.getByTestId('message-body').filter({ hasText: text });
    await arrived.waitFor();
    assert.equal(await arrived.textContent(), text);
    assert.equal(await b.evaluate(() => window.notReloaded), true, 'Bob’s page was not reloaded');
    await b.getByTestId('typing-indicator').filter({ hasText: /^$/ }).waitFor();
    await a.getByTestId('message-body').filter({ hasText: text }).waitFor();
    assert.equal(await a.getByTestId('composer-input').inputValue(), '');
    assert.equal(await a.getByTestId('message').filter({ hasText: text }).count(), 1, 'no duplicate');

    // Bob answers on the keyboard (Enter sends); Alice sees it live.
    await b.getByTestId('composer-input').fill('Got it, thanks!');
    await b.getByTestId('composer-input').press('Enter');
    await a.getByTestId('message-body').filter({ hasText: 'Got it, thanks!' }).waitFor();
    await a.getByTestId('typing-indicator').filter({ hasText: /^$/ }).waitFor();

    // News in the other room shows up in Bob's list; Alice starts another message.
    await rest('POST', `/conversations/${other.id}/messages`, alice.token, { body: 'Release notes draft is up.' });
    await item(b, 'Release 1.0').getByTestId('unread-count').filter({ hasText: '1' }).waitFor();
    await a.getByTestId('composer-input').pressSequentially('See you at 3', { delay: 20 });
    await b.getByTestId('typing-indicator').filter({ hasText: 'Alice Martin is typing…' }).waitFor();

    await a.screenshot({ path: path.join(ARTIFACTS, 'browser-a.png') });
    await b.screenshot({ path: path.join(ARTIFACTS, 'browser-b.png') });
  } finally {
    await a.context().close();
    await b.context().close();
  }
});

test('a message for another room bumps its unread count live', { timeout: 60_000 }, async () => {
  const carol = await register('Carol Reyes');
  const dan = await register('Dan Okafor');
  const first = await rest('POST', '/conversations', carol.token, { type: 'group', name: 'Room One', user_ids: [dan.id] });
  const second = await rest('POST', '/conversations', carol.token, { type: 'group', name: 'Room Two', user_ids: [dan.id] });
  const page = await newPage();
  try {
    await logIn(page, dan);
    await openRoom(page, 'Room One');
    await live(page);
    await rest('POST', `/conversations/${second.id}/messages`, carol.token, { body: 'Over here' });
    await item(page, 'Room Two').getByTestId('unread-count').filter({ hasText: '1' }).waitFor();
    const markup = '<img src=x onerror="window.injected=1"> & <b>friends</b>';
    await rest('POST', `/conversations/${first.id}/messages`, carol.token, { body: markup });
    const shown = page.getByTestId('message-body').filter({ hasText: 'friends' });
    await shown.waitFor();
    assert.equal(await shown.textContent(), markup, 'user text is shown as text, never as markup');
    assert.equal(await shown.locator('img, b').count(), 0);
    assert.equal(await page.evaluate(() => window.injected), undefined);
    assert.equal(await item(page, 'Room One').getByTestId('unread-count').count(), 0, 'the open room is read');
  } finally {
    await page.context().close();
  }
});

test('history loads upward page by page, and send errors are shown', { timeout: 60_000 }, async () => {
  const erin = await register('Erin Walsh');
  const room = await rest('POST', '/conversations', erin.token, { type: 'group', name: 'Archive', user_ids: [] });
  for (let i = 1; i <= 45; i++) {
    await rest('POST', `/conversations/${room.id}/messages`, erin.token, { body: `message ${i}` });
  }
  const page = await newPage();
  try {
    await logIn(page, erin);
    await openRoom(page, 'Archive');
    const bodies = page.getByTestId('message-body');
    await bodies.filter({ hasText: /^message 45$/ }).waitFor();
    assert.equal(await bodies.count(), 30, 'one page of 30');
    assert.equal(await bodies.first().textContent(), 'message 16');
    await page.getByTestId('message-list').evaluate((list) => { list.scrollTop = 0; });
    await page.locator('[data-testid="message-list"][data-complete="true"]').waitFor();
    assert.equal(await bodies.count(), 45);
    assert.deepEqual((await bodies.allTextContents()).slice(0, 3), ['message 1', 'message 2', 'message 3']);
    assert.equal(await bodies.last().textContent(), 'message 45', 'oldest at the top, newest at the bottom');

    // The room closes behind the page's back: the API's 422 message is shown.
    await rest('POST', `/conversations/${room.id}/close`, erin.token);
    await page.getByTestId('composer-input').fill('anyone?');
    await page.getByTestId('send-button').click();
    const error = page.getByTestId('send-error');
    await error.filter({ hasText: /closed/i }).waitFor();
    assert.equal(await page.getByTestId('composer-input').inputValue(), 'anyone?', 'the draft is kept');
  } finally {
    await page.context().close();
  }
});

test('after a dropped connection the open room catches up on what it missed, once each', { timeout: 60_000 }, async () => {
  const fay = await register('Fay Moss');
  const gus = await register('Gus Hale');
  const room = await rest('POST', '/conversations', fay.token, { type: 'group', name: 'Tunnel', user_ids: [gus.id] });
  await rest('POST', `/conversations/${room.id}/messages`, gus.token, { body: 'before the tunnel' });
  const page = await newPage();
  try {
    await logIn(page, fay);
    await openRoom(page, 'Tunnel');
    await live(page);
    const bodies = page.getByTestId('message-body');
    await bodies.filter({ hasText: 'before the tunnel' }).waitFor();
    // The socket drops; three messages are sent while the page is offline (it retries after 1 s).
    await page.evaluate(() => state.socket.close());
    await page.locator('[data-testid="room"][data-joined="false"]').waitFor();
    for (const n of [1, 2, 3]) {
      await rest('POST', `/conversations/${room.id}/messages`, gus.token, { body: `missed ${n}` });
    }
    await live(page);
    await bodies.filter({ hasText: 'missed 3' }).waitFor();
    await rest('POST', `/conversations/${room.id}/messages`, gus.token, { body: 'live again' });
    await bodies.filter({ hasText: 'live again' }).waitFor();
    assert.deepEqual(await bodies.allTextContents(),
      ['before the tunnel', 'missed 1', 'missed 2', 'missed 3', 'live again'], 'in order, none twice');
  } finally {
    await page.context().close();
  }
});

test('register, create a group and invite someone found by search, all in the page', { timeout: 60_000 }, async () => {
  const guest = await register('Frank Ishikawa');
  const page = await newPage();
  try {
    const email = `grace.${Date.now()}@example.com`;
    await page.getByTestId('auth-toggle').click();
    await page.getByTestId('auth-name').fill('Grace Hopper');
    await page.getByTestId('auth-email').fill(email);
    await page.getByTestId('auth-password').fill('short');
    await page.getByTestId('auth-submit').click(); // the browser refuses a 5-character password
    await page.getByTestId('auth-password').fill(PASSWORD);
    await page.getByTestId('auth-submit').click();
    await page.getByTestId('current-user').filter({ hasText: 'Grace Hopper' }).waitFor();

    await page.getByTestId('new-group-name').fill('Compilers');
    await page.getByTestId('new-group-submit').click();
    await page.getByTestId('room-title').filter({ hasText: 'Compilers' }).waitFor();
    await page.getByTestId('invite-search').fill(guest.email);
    await page.getByRole('button', { name: 'Invite Frank Ishikawa' }).click();
    await page.getByTestId('participants').filter({ hasText: 'Frank Ishikawa' }).waitFor();

    const rooms = await rest('GET', '/conversations', guest.token);
    assert.ok(rooms.some((c) => c.name === 'Compilers'), 'Frank is in the new room');

    // The session survives a reload (token in sessionStorage) and the open room is in the URL.
    await page.reload();
    await page.getByTestId('room-title').filter({ hasText: 'Compilers' }).waitFor();
    const token = await page.evaluate(() => sessionStorage.getItem('confab.token'));
    await page.getByTestId('logout').click();
    await page.getByTestId('auth-form').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('confab.token')), null);
    // Logging out ended the session on the server too: the page's token is refused everywhere.
    let status = 200;
    for (let i = 0; i < 50 && status !== 401; i += 1) {
      const response = await fetch(`${BASE}/api/v1/user/me`, { headers: { Authorization: `Bearer ${token}` } });
      status = response.status;
      if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(status, 401, 'the logged-out token is refused');
  } finally {
    await page.context().close();
  }
});

test('reply, react, edit, delete and search, each seen live in the other browser', { timeout: 90_000 }, async () => {
  const alice = await register('Alice Reed');
  const bob = await register('Bob Grant');
  const room = await rest('POST', '/conversations', alice.token,
    { type: 'group', name: 'Features', user_ids: [bob.id] });
  await rest('POST', `/conversations/${room.id}/messages`, bob.token, { body: 'Lunch at the noodle place?' });

  const a = await newPage();
  const b = await newPage();
  try {
    await logIn(a, alice);
    await logIn(b, bob);
    await openRoom(a, 'Features');
    await openRoom(b, 'Features');
    await live(a);
    await live(b);
    // By its own body: the reply quotes the same text.
    const bobsMessage = (page) => page.getByTestId('message')
      .filter({ has: page.getByTestId('message-body').filter({ hasText: 'Lunch at the noodle place?' }) });

    // Alice replies to Bob's message: the quote shows in both pages.
    await bobsMessage(a).getByTestId('reply-button').click();
    await a.getByTestId('reply-preview').filter({ hasText: 'Replying to Bob Grant' }).waitFor();
    await a.getByTestId('composer-input').fill('Yes, noon works');
    await a.getByTestId('send-button').click();
    await a.getByTestId('reply-preview').waitFor({ state: 'hidden' });
    const reply = (page) => page.getByTestId('message').filter({ hasText: 'Yes, noon works' });
    await reply(b).getByTestId('message-quote').filter({ hasText: 'Bob Grant: Lunch at the noodle place?' }).waitFor();

    // Bob reacts; Alice sees the count, adds hers, and Bob's count follows.
    await reply(b).locator('[data-testid="react-button"][data-emoji="👍"]').click();
    await reply(b).locator('[data-testid="reaction"][data-emoji="👍"][aria-pressed="true"]').filter({ hasText: '👍 1' }).waitFor();
    await reply(a).locator('[data-testid="reaction"][data-emoji="👍"][aria-pressed="false"]').filter({ hasText: '👍 1' }).waitFor();
    await reply(a).locator('[data-testid="reaction"][data-emoji="👍"]').click();
    await reply(a).locator('[data-testid="reaction"][aria-pressed="true"]').filter({ hasText: '👍 2' }).waitFor();
    await reply(b).locator('[data-testid="reaction"][aria-pressed="true"]').filter({ hasText: '👍 2' }).waitFor();

    // Alice edits her reply; Bob sees the new text marked as edited.
    await reply(a).getByTestId('edit-button').click();
    await a.getByTestId('edit-input').fill('Yes, 12:30 works');
    await a.getByTestId('edit-save').click();
    const edited = b.getByTestId('message').filter({ hasText: 'Yes, 12:30 works' });
    await edited.getByTestId('message-edited').waitFor();
    assert.equal(await edited.locator('[data-testid="reaction"]').filter({ hasText: '👍 2' }).getAttribute('aria-pressed'), 'true',
      'an edit keeps Bob’s own reaction marked');

    // Search finds the edited text and opens its room.
    await b.getByTestId('search-input').fill('12:30');
    await b.getByTestId('search-submit').click();
    await b.getByTestId('search-result').filter({ hasText: 'Yes, 12:30 works' }).waitFor();

    // Alice, the room's creator, deletes Bob's message: a tombstone in both pages, quote included.
    await bobsMessage(a).getByTestId('delete-button').click();
    await b.locator('[data-testid="message"][data-deleted="true"]').filter({ hasText: 'This message was deleted.' }).waitFor();
    assert.equal(await bobsMessage(b).count(), 0);
    await edited.getByTestId('message-quote').filter({ hasText: 'Bob Grant: deleted message' }).waitFor();
    await b.getByTestId('search-input').fill('noodle');
    await b.getByTestId('search-submit').click();
    await b.getByTestId('search-empty').waitFor();
    assert.equal(await b.getByTestId('message').count(), 2, 'the tombstone keeps its place');

    await a.screenshot({ path: path.join(ARTIFACTS, 'browser-features-a.png') });
    await b.screenshot({ path: path.join(ARTIFACTS, 'browser-features-b.png') });
  } finally {
    await a.context().close();
    await b.context().close();
  }
});

// A 1×1 PNG: a real image, so the server reads its size and makes a thumbnail of it.
const PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==', 'base64');

test('files are uploaded with progress, sent without text and shown live in the other browser', { timeout: 90_000 }, async () => {
  const alice = await register('Alice Byrne');
  const bob = await register('Bob Ferris');
  const room = await rest('POST', '/conversations', alice.token, { type: 'group', name: 'Photos', user_ids: [bob.id] });
  // A file name is user input: markup in it must stay text. (No quotes: a browser sends `"` in
  // a multipart file name as %22.)
  const notesName = 'Q3 notes <img src=x onerror=window.injected=1>.txt';
  const notes = Buffer.from('Agenda: ship it.\n'.repeat(150)); // 2,550 bytes
  const uploads = '**/api/v1/conversations/*/attachments';

  const a = await newPage();
  const b = await newPage();
  try {
    await logIn(a, alice);
    await logIn(b, bob);
    await openRoom(a, 'Photos');
    await openRoom(b, 'Photos');
    await live(a);
    await live(b);
    await b.evaluate(() => { window.notReloaded = true; });

    // Uploads are held back at first, to see the page while they are on their way.
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await a.route(uploads, async (route) => { await held; await route.continue().catch(() => {}); });
    await a.getByTestId('attach-input').setInputFiles([
      { name: 'dot.png', mimeType: 'image/png', buffer: PIXEL_PNG },
      { name: notesName, mimeType: 'text/plain', buffer: notes },
    ]);
    await a.getByTestId('attach-input').setInputFiles([{ name: 'scratch.txt', mimeType: 'text/plain', buffer: Buffer.from('oops') }]);
    const chips = a.getByTestId('pending-attachment');
    await chips.nth(2).waitFor();
    assert.deepEqual(await chips.evaluateAll((nodes) => nodes.map((n) => n.dataset.state)), ['uploading', 'uploading', 'uploading']);
    assert.equal(await chips.nth(1).locator('.name').textContent(), notesName);
    assert.equal(await chips.locator('img').count(), 0, 'a file name never becomes markup');

    // Send waits for the files (the empty text is allowed, the browser does not refuse it).
    await a.getByTestId('send-button').click();
    await a.getByTestId('send-error').filter({ hasText: 'Wait for the files to finish uploading.' }).waitFor();
    assert.equal(await a.getByTestId('message').count(), 0);
    // × drops a file (this one while it is still uploading).
    await chips.filter({ hasText: 'scratch.txt' }).getByTestId('remove-attachment').click();
    await chips.filter({ hasText: 'scratch.txt' }).waitFor({ state: 'detached' });
    assert.equal(await chips.count(), 2);

    // Let them through: each chip's progress (set by XMLHttpRequest's upload.onprogress only)
    // reaches 100 and it becomes ready.
    release();
    await a.waitForFunction(() =>
      document.querySelectorAll('[data-testid="pending-attachment"][data-state="ready"][data-progress="100"]').length === 2);
    await a.unroute(uploads);
    await chips.filter({ hasText: 'Q3 notes' }).getByTestId('upload-status').filter({ hasText: '2.5 KB' }).waitFor();
    assert.equal(await a.getByTestId('composer-input').inputValue(), '');

    // Sent with no text at all.
    const [sendResponse] = await Promise.all([
      a.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/conversations/${room.id}/messages`)),
      a.getByTestId('send-button').click(),
    ]);
    assert.equal(sendResponse.status(), 201);
    const sent = (await sendResponse.json()).data;
    assert.equal(sent.body, '');
    assert.deepEqual(sent.attachments.map((f) => f.name), ['dot.png', notesName], 'the removed file was not sent');
    const [image, file] = sent.attachments;
    assert.equal(image.content_type, 'image/png');
    assert.ok(image.thumbnail_url, 'an image has a thumbnail');
    await a.getByTestId('pending-attachments').waitFor({ state: 'hidden' });
    await a.getByTestId('send-error').waitFor({ state: 'hidden' });

    // Both pages show the image inline (its thumbnail, loaded, linking to the file in a new tab)
    // and the other file as a link with its name and size — Bob's live, without reloading.
    for (const [page, who] of [[a, 'Alice'], [b, 'Bob']]) {
      const message = page.getByTestId('message').filter({ has: page.getByTestId('message-attachments') });
      await message.waitFor();
      const link = message.getByTestId('attachment-image');
      const img = link.locator('img');
      const src = await img.getAttribute('src');
      if (page === a) {
        assert.equal(src, image.thumbnail_url, 'the thumbnail the send answered');
        assert.equal(await link.getAttribute('href'), image.url);
      } else { // the event's links are signed when it is sent: same file, perhaps a later expiry
        assert.match(src, new RegExp(`^/api/v1/attachments/${image.id}/thumbnail\\?expires=\\d+&signature=[0-9a-f]+$`));
        assert.match(await link.getAttribute('href'), new RegExp(`^/api/v1/attachments/${image.id}\\?expires=\\d+&signature=[0-9a-f]+$`));
      }
      assert.equal(await link.getAttribute('target'), '_blank');
      await page.waitForFunction((node) => node.complete && node.naturalWidth > 0, await img.elementHandle());
      const download = message.getByTestId('attachment-file');
      assert.equal(await download.count(), 1, `${who}: one file link`);
      assert.equal(await download.textContent(), `${notesName} · 2.5 KB`);
      assert.equal(await download.locator('img').count(), 0, `${who}: the name is text`);
      assert.match(await download.getAttribute('href'), new RegExp(`^/api/v1/attachments/${file.id}\\?`));
      assert.equal(await message.getByTestId('message-body').isVisible(), false, 'no empty text bubble');
      await item(page, 'Photos').filter({ hasText: `Alice Byrne: 📎 dot.png, ${notesName}` }).waitFor();
      assert.equal(await page.evaluate(() => window.injected), undefined);
    }
    assert.equal(await b.evaluate(() => window.notReloaded), true, 'Bob’s page was not reloaded');

    // The links work without a token: the file's bytes, and a new tab showing the image.
    const href = await b.getByTestId('attachment-file').getAttribute('href');
    const fetched = await fetch(`${BASE}${href}`, { signal: AbortSignal.timeout(WAIT) });
    assert.equal(fetched.status, 200);
    assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), notes);
    const [tab] = await Promise.all([b.context().waitForEvent('page'), b.getByTestId('attachment-image').click()]);
    const opened = await tab.waitForLoadState().then(() => tab.evaluate(() => document.contentType));
    assert.equal(opened, 'image/png');
    await tab.close();

    // Bob answers the files-only message: the quote names the files, in both pages.
    await b.getByTestId('message').filter({ has: b.getByTestId('message-attachments') }).getByTestId('reply-button').click();
    await b.getByTestId('reply-preview').filter({ hasText: 'Replying to Alice Byrne: 📎 dot.png' }).waitFor();
    await b.getByTestId('composer-input').fill('Nice dot');
    await b.getByTestId('send-button').click();
    await a.getByTestId('message').filter({ hasText: 'Nice dot' }).getByTestId('message-quote')
      .filter({ hasText: 'Alice Byrne: 📎 dot.png' }).waitFor();

    await a.screenshot({ path: path.join(ARTIFACTS, 'browser-files-a.png') });
    await b.screenshot({ path: path.join(ARTIFACTS, 'browser-files-b.png') });
  } finally {
    await a.context().close();
    await b.context().close();
  }
});
