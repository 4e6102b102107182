// Your account in the browser client at `/`, in a real headless Chromium driven by
// playwright-core: Bob opens his profile panel (his email, not yet verified, a verification link
// asked for again), is told under the field that Ann's email is taken, then renames himself; his
// header follows, and Ann's page shows the new name in the member list, on his earlier message
// and in the room list, live, without a reload. Then a logged-out page asks "Forgot password?" for
// Ann and shows the server's answer; the reset link of the mail (read from the server's log: the
// server runs without SMTP) opens the "Choose a new password" form, the new password is set, and
// Ann logs in with it in the same page, while her earlier page, whose session the reset ended, is
// back at the login form. Then Cleo picks a picture in her panel (a file that is not one is refused
// inline first): it loads there at 256 px, and at 64 px beside her name on her message and in the
// member list, on her page and, live, on Dev's; she removes it (her initials come back, and its
// URL is gone), then deletes her account with her password (a wrong one is refused under the
// field, a dismissed confirmation sends nothing): her page is back at the login form, Dev's shows
// "Deleted user", and her old token and credentials no longer work. Then Finn, in his panel's
// "Your data", has no export yet, presses "Export my data", watches it being prepared until it is
// ready (until when the link works, in his local time), and downloads the ZIP with his bearer
// token (a blob saved as `confab-export.zip`); asking again so soon is refused, with the server's
// words. Started by
// tests/realtime/browser.rs, which passes the server's address in CONFAB_API, where to put
// screenshots in ARTIFACTS_DIR, and the server's log file in CONFAB_LOG_FILE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { ARTIFACTS, BASE, PASSWORD, WAIT, conversationItem as item, logIn, register, rest, roomMessage, sharedBrowser } from './browser_harness.mjs';

const newPage = sharedBrowser();
const LOG_FILE = process.env.CONFAB_LOG_FILE;
const NEW_PASSWORD = 'a-brand-new-secret';

/** `user`'s row in the open room's member list. */
const member = (page, user) => page.getByTestId('participants').locator(`[data-testid="member"][data-user-id="${user.id}"]`);

async function openRoom(page, name) {
  await item(page, name).click();
  await page.getByTestId('room-title').filter({ hasText: name }).waitFor();
  await page.locator('[data-testid="room"][data-joined="true"]').waitFor();
}

/** Clicks `button` on `page`; the response to the `method` request whose URL ends in `urlEnd`. */
async function respondedTo(page, method, urlEnd, button) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && r.url().endsWith(urlEnd)),
    button.click(),
  ]);
  return response;
}

/** Picks `file` in the panel's "Change picture"; the response to the `PUT /api/v1/user/avatar` it sends. */
async function picked(page, file) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith('/api/v1/user/avatar')),
    page.locator('#avatar-file').setInputFiles(file),
  ]);
  return response;
}

/** `img`'s width once decoded (rejects when it does not load). */
const loadedWidth = (img) => img.evaluate((node) => node.decode().then(() => node.naturalWidth));

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** A PNG chunk: length, type, data, CRC-32 of type and data. */
function pngChunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  let crc = 0xffffffff;
  for (const byte of body) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0, body.length + 4);
  return out;
}

/** A real `side`×`side` RGB PNG (a gradient), encoded here: the server reads the type from the bytes. */
function png(side) {
  const header = Buffer.alloc(13); // bit depth 8, colour type 2 (RGB); compression, filter, interlace 0
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 8;
  header[9] = 2;
  const rows = [];
  for (let y = 0; y < side; y += 1) {
    rows.push(0); // filter: none
    for (let x = 0; x < side; x += 1) rows.push(Math.round((255 * x) / (side - 1)), Math.round((255 * y) / (side - 1)), 160);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.from(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The token of the newest password reset link mailed to `email`, as the server logs mails when it
 * has no SMTP server (`…/#reset-password?email=<percent-encoded>&token=<hex>`, among ANSI colour
 * codes); waits up to 10 s for it.
 */
async function resetToken(email) {
  assert.ok(LOG_FILE, 'CONFAB_LOG_FILE must name the server’s log file (mails are logged there)');
  const deadline = Date.now() + 10_000;
  for (;;) {
    // eslint-disable-next-line no-control-regex
    const log = (await readFile(LOG_FILE, 'utf8').catch(() => '')).replace(/\x1b\[[0-9;]*m/g, '');
    const tokens = [...log.matchAll(/#reset-password\?email=([^&\s"']+)&token=([0-9a-fA-F]+)/g)]
      .filter((m) => decodeURIComponent(m[1]) === email)
      .map((m) => m[2]);
    if (tokens.length) return tokens[tokens.length - 1];
    assert.ok(Date.now() < deadline, `no reset link for ${email} in ${LOG_FILE} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('a new name from the profile panel shows live on others’ pages; a forgotten password is reset from the mail’s link', { timeout: 120_000 }, async () => {
  const ann = await register('Ann Lee');
  const bob = await register('Bob Stone');
  const room = await rest('POST', '/conversations', ann.token, { type: 'group', name: 'Book Club', user_ids: [bob.id] });
  await rest('POST', `/conversations/${room.id}/messages`, bob.token, { body: 'Hello from Bob' });

  const a = await newPage();
  const b = await newPage();
  let c;
  try {
    await logIn(a, ann);
    await logIn(b, bob);
    await openRoom(a, 'Book Club');
    await openRoom(b, 'Book Club');
    await roomMessage(a, 'Hello from Bob').getByTestId('message-author').filter({ hasText: 'Bob Stone' }).waitFor();
    await member(a, bob).getByTestId('member-name').filter({ hasText: 'Bob Stone' }).waitFor();
    await a.evaluate(() => { window.notReloaded = true; }); // gone if the page loads again

    // Bob's panel: his name and email, not verified yet. Asking for the link again answers with
    // the server's message, or (his registration's mail was sent moments ago) how long to wait.
    await b.getByTestId('profile-toggle').click();
    const panel = b.getByTestId('profile-panel');
    await panel.waitFor();
    await panel.getByTestId('profile-email').filter({ hasText: bob.email }).waitFor();
    await panel.locator('[data-testid="profile-verified"][data-verified="false"]').filter({ hasText: 'Not verified' }).waitFor();
    const resent = await respondedTo(b, 'POST', '/api/v1/user/email/resend', panel.getByTestId('profile-resend'));
    if (resent.status() === 200) {
      await panel.getByTestId('resend-status').filter({ hasText: (await resent.json()).message }).waitFor();
    } else {
      assert.equal(resent.status(), 429, await resent.text());
      await panel.getByTestId('resend-error').filter({ hasText: /wait \d+ s/ }).waitFor();
    }

    // Ann's email is taken: the server's words show under the email field, and nothing changes.
    await panel.getByTestId('profile-email-input').fill(ann.email);
    const taken = await respondedTo(b, 'PATCH', '/api/v1/user/me', panel.getByTestId('profile-save'));
    assert.equal(taken.status(), 422);
    assert.deepEqual(taken.request().postDataJSON(), { email: ann.email }, 'only what changed is sent');
    await panel.getByTestId('profile-email-error').filter({ hasText: 'The email has already been taken.' }).waitFor();
    assert.equal(await panel.getByTestId('profile-email-input').getAttribute('aria-invalid'), 'true');

    // He puts his email back and renames himself: his header and panel follow.
    await panel.getByTestId('profile-email-input').fill(bob.email);
    await panel.getByTestId('profile-name-input').fill('Robert Stone');
    const renamed = await respondedTo(b, 'PATCH', '/api/v1/user/me', panel.getByTestId('profile-save'));
    assert.equal(renamed.status(), 200, await renamed.text());
    assert.deepEqual(renamed.request().postDataJSON(), { name: 'Robert Stone' });
    await panel.getByTestId('profile-status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal(await panel.getByTestId('profile-email-error').textContent(), '');
    await panel.getByTestId('profile-name').filter({ hasText: 'Robert Stone' }).waitFor();
    await b.getByTestId('current-user').filter({ hasText: 'Robert Stone' }).waitFor();

    // Ann's page, live (`user.updated`): the member list, his earlier message, the room list.
    await member(a, bob).getByTestId('member-name').filter({ hasText: 'Robert Stone' }).waitFor();
    await roomMessage(a, 'Hello from Bob').getByTestId('message-author').filter({ hasText: 'Robert Stone' }).waitFor();
    await item(a, 'Book Club').filter({ hasText: 'Robert Stone: Hello from Bob' }).waitFor();
    assert.equal(await a.evaluate(() => window.notReloaded), true, 'Ann’s page was not reloaded');
    assert.equal(await a.getByTestId('participants').getByText('Bob Stone').count(), 0, 'the old name is gone');
    await roomMessage(b, 'Hello from Bob').getByTestId('message-author').filter({ hasText: 'Robert Stone' }).waitFor();
    await b.screenshot({ path: path.join(ARTIFACTS, 'profile.png') });
    await panel.getByTestId('profile-close').click();
    await panel.waitFor({ state: 'hidden' });

    // A logged-out page: "Forgot password?" for Ann; the server's answer shows.
    c = await newPage();
    await c.getByTestId('forgot-password').click();
    await c.getByTestId('forgot-form').waitFor();
    await c.getByTestId('forgot-email').fill(ann.email);
    const forgot = await respondedTo(c, 'POST', '/api/v1/user/password/forgot', c.getByTestId('forgot-submit'));
    assert.equal(forgot.status(), 200, await forgot.text());
    assert.equal(forgot.request().headers().authorization, undefined, 'no token');
    await c.getByTestId('forgot-status')
      .filter({ hasText: 'If an account with that email exists, we have sent it a password reset link.' }).waitFor();

    // The mail's link opens the page at "Choose a new password", the email filled in.
    const token = await resetToken(ann.email);
    await c.goto('about:blank');
    await c.goto(`${BASE}/#reset-password?email=${encodeURIComponent(ann.email)}&token=${token}`);
    await c.getByTestId('reset-form').waitFor();
    await c.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    assert.equal(await c.getByTestId('reset-email').inputValue(), ann.email);
    assert.ok(!c.url().includes(token), 'the token leaves the address bar');
    await c.getByTestId('reset-new-password').fill(NEW_PASSWORD);
    const reset = await respondedTo(c, 'POST', '/api/v1/user/password/reset', c.getByTestId('reset-submit'));
    assert.equal(reset.status(), 200, await reset.text());
    assert.deepEqual(reset.request().postDataJSON(), { email: ann.email, token, password: NEW_PASSWORD });

    // The result, then the login form (the email filled in): Ann logs in with the new password.
    await c.getByTestId('auth-status').filter({ hasText: 'Your password has been reset.' }).waitFor();
    await c.getByTestId('auth-form').waitFor();
    assert.equal(await c.getByTestId('reset-form').isVisible(), false);
    assert.equal(await c.getByTestId('auth-email').inputValue(), ann.email);
    await c.getByTestId('auth-password').fill(NEW_PASSWORD);
    await c.getByTestId('auth-submit').click();
    await c.getByTestId('current-user').filter({ hasText: ann.name }).waitFor();
    await item(c, 'Book Club').filter({ hasText: 'Robert Stone: Hello from Bob' }).waitFor();

    // The reset ended Ann's other session: her first page is back at the login form, and the old
    // password no longer works.
    await a.getByTestId('auth-form').waitFor({ timeout: WAIT * 2 });
    const old = await fetch(`${BASE}/api/v1/user/login`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: ann.email, password: PASSWORD }),
      signal: AbortSignal.timeout(WAIT),
    });
    assert.ok(!old.ok, `the old password is refused (${old.status})`);
  } finally {
    await a.context().close();
    await b.context().close();
    await c?.context().close();
  }
});

test('a picture from the profile panel shows beside the name, live; deleting the account ends its sessions and its login', { timeout: 120_000 }, async () => {
  const cleo = await register('Cleo Park');
  const dev = await register('Dev Rao');
  const room = await rest('POST', '/conversations', cleo.token, { type: 'group', name: 'Gallery', user_ids: [dev.id] });
  const hello = await rest('POST', `/conversations/${room.id}/messages`, cleo.token, { body: 'Hello from Cleo' });

  const a = await newPage();
  const b = await newPage();
  const sentDeletes = [];
  const countDeletes = (request) => {
    if (request.method() === 'DELETE' && request.url().endsWith('/api/v1/user')) sentDeletes.push(request);
  };
  try {
    await logIn(a, cleo);
    await logIn(b, dev);
    await openRoom(a, 'Gallery');
    await openRoom(b, 'Gallery');
    const hers = (page) => page.locator(`[data-testid="message"][data-message-id="${hello.id}"]`);

    // No picture yet: her initials beside her name, on her message and in the member list.
    await hers(b).locator('.avatar.initials[data-initials="CP"]').waitFor();
    await member(b, cleo).locator('.avatar.initials[data-initials="CP"]').waitFor();
    assert.equal(await hers(b).locator('img.avatar').count(), 0);

    await a.getByTestId('profile-toggle').click();
    const panel = a.getByTestId('profile-panel');
    await panel.waitFor();
    await a.locator('#profile-avatar-initials[data-initials="CP"]').waitFor();
    assert.equal(await a.locator('#profile-avatar').isVisible(), false);
    assert.equal(await a.locator('#avatar-remove').isVisible(), false, 'nothing to remove yet');

    // A file that is not a picture: the server's word on `file`, inline; nothing changes.
    const refused = await picked(a, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
    assert.equal(refused.status(), 422, await refused.text());
    const why = (await refused.json()).errors?.file?.[0];
    assert.ok(why, 'the 422 names `file`');
    await a.locator('#avatar-error').filter({ hasText: why }).waitFor();
    assert.equal(await a.locator('#profile-avatar').isVisible(), false);

    // A real PNG, sent as multipart `file`: the panel shows it, loaded, at 256 px.
    const uploaded = await picked(a, { name: 'me.png', mimeType: 'image/png', buffer: png(8) });
    assert.equal(uploaded.status(), 200, await uploaded.text());
    assert.match(uploaded.request().headers()['content-type'], /^multipart\/form-data; boundary=/);
    const url = (await uploaded.json()).data.avatar_url;
    assert.equal(typeof url, 'string', 'the answer is her profile with its new avatar_url');
    const avatarPath = new URL(url, BASE).pathname;
    assert.match(avatarPath, /^\/api\/v1\/avatars\/\d+-[0-9a-f]+\.(png|jpg)$/);
    const picture = a.locator('#profile-avatar');
    await picture.waitFor();
    assert.ok((await picture.evaluate((img) => img.src)).endsWith(avatarPath), 'the panel shows the new picture');
    assert.equal(await loadedWidth(picture), 256, 'it loads, 256 px');
    assert.equal(await a.locator('#profile-avatar-initials').isVisible(), false);
    await a.locator('#avatar-status').filter({ hasText: 'Picture updated.' }).waitFor();
    assert.equal(await a.locator('#avatar-error').textContent(), '');
    await a.locator('#avatar-remove').waitFor();

    // At 64 px beside her name: her own page (her header too) and Dev's, live (`user.updated`).
    const small = `img.avatar[src$="${avatarPath}?size=64"]`;
    await a.getByTestId('current-user-avatar').locator(small).waitFor();
    for (const [page, whose] of [[a, 'her page'], [b, 'Dev’s page']]) {
      await hers(page).locator(small).waitFor();
      assert.equal(await loadedWidth(hers(page).locator(small)), 64, `${whose}: the small one loads`);
      await member(page, cleo).locator(small).waitFor();
    }
    assert.equal(await b.getByTestId('participants').locator('.avatar.initials[data-initials="CP"]').count(), 0);
    await a.screenshot({ path: path.join(ARTIFACTS, 'profile-avatar.png') });

    // Removed: her initials again, everywhere; its URL is gone.
    const removed = await respondedTo(a, 'DELETE', '/api/v1/user/avatar', a.locator('#avatar-remove'));
    assert.equal(removed.status(), 200, await removed.text());
    assert.equal((await removed.json()).data.avatar_url, null);
    await a.locator('#profile-avatar-initials[data-initials="CP"]').waitFor();
    await a.locator('#avatar-remove').waitFor({ state: 'hidden' });
    assert.equal(await picture.isVisible(), false);
    await a.locator('#avatar-status').filter({ hasText: 'Picture removed.' }).waitFor();
    await hers(b).locator('.avatar.initials[data-initials="CP"]').waitFor();
    await member(b, cleo).locator('.avatar.initials[data-initials="CP"]').waitFor();
    assert.equal(await hers(b).locator('img.avatar').count(), 0);
    const gone = await fetch(new URL(url, BASE), { signal: AbortSignal.timeout(WAIT) });
    assert.equal(gone.status, 404, 'a removed picture’s URL is gone');

    // Deleting the account: a wrong password is refused under the field.
    const password = a.locator('#delete-password');
    a.on('request', countDeletes);
    await password.fill('not-her-password');
    a.once('dialog', (dialog) => dialog.accept());
    const wrong = await respondedTo(a, 'DELETE', '/api/v1/user', a.locator('#delete-account'));
    assert.equal(wrong.status(), 422, await wrong.text());
    await a.locator('#delete-password-error').filter({ hasText: 'The password is incorrect.' }).waitFor();
    assert.equal(await password.getAttribute('aria-invalid'), 'true');
    assert.equal(await panel.isVisible(), true);

    // A dismissed confirmation sends nothing.
    await password.fill(PASSWORD);
    const dismissed = new Promise((resolve) => { a.once('dialog', (dialog) => resolve(dialog.dismiss())); });
    await a.locator('#delete-account').click();
    await dismissed;
    await a.waitForTimeout(300);
    assert.equal(sentDeletes.length, 1, 'only the wrong password’s request was sent');
    assert.equal(await password.inputValue(), PASSWORD);
    assert.equal(await panel.isVisible(), true);

    // Confirmed with her password: the account is gone, her page is back at the login form.
    let asked = '';
    a.once('dialog', (dialog) => { asked = dialog.message(); return dialog.accept(); });
    const deleted = await respondedTo(a, 'DELETE', '/api/v1/user', a.locator('#delete-account'));
    assert.equal(deleted.status(), 200, await deleted.text());
    assert.deepEqual(deleted.request().postDataJSON(), { password: PASSWORD });
    assert.deepEqual(await deleted.json(), { status: true, message: 'Account deleted.' });
    assert.match(asked, /Delete your account/);
    await a.getByTestId('auth-form').waitFor();
    await a.getByTestId('auth-status').filter({ hasText: 'Account deleted.' }).waitFor();
    await panel.waitFor({ state: 'hidden' });
    assert.equal(await a.locator('#session').isVisible(), false);
    assert.equal(await a.evaluate(() => sessionStorage.getItem('confab.token')), null, 'the token is forgotten');
    assert.equal(await password.inputValue(), '', 'the password typed is not kept');

    // Dev's page, live: her message is under "Deleted user", with no picture.
    await hers(b).getByTestId('message-author').filter({ hasText: 'Deleted user' }).waitFor();
    await hers(b).locator('.avatar.initials[data-initials="DU"]').waitFor();

    // Her token is dead, and her old credentials no longer log in.
    const me = await fetch(`${BASE}/api/v1/user/me`, {
      headers: { Accept: 'application/json', Authorization: `Bearer ${cleo.token}` },
      signal: AbortSignal.timeout(WAIT),
    });
    assert.equal(me.status, 401, 'the old token is refused');
    await a.getByTestId('auth-email').fill(cleo.email);
    await a.getByTestId('auth-password').fill(PASSWORD);
    const again = await respondedTo(a, 'POST', '/api/v1/user/login', a.getByTestId('auth-submit'));
    assert.ok(!again.ok(), `logging in again is refused (${again.status()})`);
    await a.getByTestId('auth-error').filter({ hasText: /\S/ }).waitFor();
    assert.equal(await a.locator('#session').isVisible(), false, 'still logged out');
  } finally {
    a.off('request', countDeletes);
    await a.context().close();
    await b.context().close();
  }
});

test('“Export my data” in the profile panel is prepared, then ready, and downloads as a ZIP with the bearer token', { timeout: 120_000 }, async () => {
  const finn = await register('Finn Hale');
  const room = await rest('POST', '/conversations', finn.token, { type: 'group', name: 'Notebook', user_ids: [] });
  await rest('POST', `/conversations/${room.id}/messages`, finn.token, { body: 'Something worth keeping' });

  const a = await newPage();
  try {
    await logIn(a, finn);

    // Opening the panel asks for his latest export: none yet (404).
    const [first] = await Promise.all([
      a.waitForResponse((r) => r.request().method() === 'GET' && r.url().endsWith('/api/v1/user/export')),
      a.getByTestId('profile-toggle').click(),
    ]);
    assert.equal(first.status(), 404, await first.text());
    const panel = a.getByTestId('profile-panel');
    await panel.waitFor();
    const status = panel.getByTestId('export-status');
    await panel.locator('[data-testid="export-status"][data-state="none"]').filter({ hasText: 'No export yet.' }).waitFor();
    assert.equal(await panel.getByTestId('export-download').isVisible(), false, 'nothing to download yet');

    // "Export my data": 202, the server's message, and "Preparing…" until a server has built it.
    const asked = await respondedTo(a, 'POST', '/api/v1/user/export', panel.getByTestId('export-request'));
    assert.equal(asked.status(), 202, await asked.text());
    // The page's own session (it logged in), not the test's.
    assert.match(asked.request().headers().authorization ?? '', /^Bearer \S+$/);
    const requested = await asked.json();
    assert.equal(requested.message, 'Data export requested.');
    assert.ok(['queued', 'building'].includes(requested.data.state), requested.data.state);
    await panel.getByTestId('export-note').filter({ hasText: 'Data export requested.' }).waitFor();
    await status.filter({ hasText: 'Preparing your export…' }).waitFor();

    // Polled every 2 s: ready, until when the mailed link works (in the page's local time), and
    // a Download button.
    await panel.locator('[data-testid="export-status"][data-state="ready"]').waitFor({ timeout: 20_000 });
    const ready = await rest('GET', '/user/export', finn.token);
    assert.equal(ready.state, 'ready');
    assert.ok(ready.expires_at && ready.size > 0, JSON.stringify(ready));
    const until = await a.evaluate((iso) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }), ready.expires_at);
    assert.equal(await status.textContent(), `Ready: we mailed you a link (valid until ${until})`);
    const download = panel.getByTestId('export-download');
    await download.waitFor();
    await a.screenshot({ path: path.join(ARTIFACTS, 'profile-export.png') });

    // Download: fetched with the bearer token, saved from a blob as `confab-export.zip`.
    const [saved, fetched] = await Promise.all([
      a.waitForEvent('download'),
      a.waitForResponse((r) => r.request().method() === 'GET' && r.url().endsWith('/api/v1/user/export/download')),
      download.click(),
    ]);
    assert.equal(fetched.status(), 200);
    assert.match(fetched.request().headers().authorization ?? '', /^Bearer \S+$/);
    assert.match(fetched.headers()['content-type'], /^application\/zip/);
    assert.ok(saved.suggestedFilename().endsWith('.zip'), saved.suggestedFilename());
    const bytes = await readFile(await saved.path());
    assert.equal(bytes.length, ready.size, 'the whole archive');
    assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'a ZIP');
    assert.equal(await panel.getByTestId('export-error').textContent(), '');

    // Another one so soon is refused (429, Retry-After): the server's words show; it stays ready.
    const again = await respondedTo(a, 'POST', '/api/v1/user/export', panel.getByTestId('export-request'));
    assert.equal(again.status(), 429, await again.text());
    assert.ok(Number(again.headers()['retry-after']) > 0, 'Retry-After');
    const refusal = await again.json();
    assert.equal(refusal.status, false);
    await panel.getByTestId('export-error').filter({ hasText: refusal.message }).waitFor();
    assert.equal(await status.getAttribute('data-state'), 'ready');
    await download.waitFor();

    await panel.getByTestId('profile-close').click();
    await panel.waitFor({ state: 'hidden' });
  } finally {
    await a.context().close();
  }
});
