// Your account in the browser client at `/`, in a real headless Chromium driven by
// playwright-core: Bob opens his profile panel (his email, not yet verified, a verification link
// asked for again), is told under the field that Ann's email is taken, then renames himself; his
// header follows, and Ann's page shows the new name in the member list, on his earlier message
// and in the room list, live, without a reload. Then a logged-out page asks "Forgot password?" for
// Ann and shows the server's answer; the reset link of the mail (read from the server's log: the
// server runs without SMTP) opens the "Choose a new password" form, the new password is set, and
// Ann logs in with it in the same page, while her earlier page, whose session the reset ended, is
// back at the login form. Started by tests/realtime/browser.rs, which passes the server's address
// in CONFAB_API, where to put screenshots in ARTIFACTS_DIR, and the server's log file in
// CONFAB_LOG_FILE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
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
