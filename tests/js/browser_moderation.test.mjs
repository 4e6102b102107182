// Running a room from the browser client at `/`, in a real headless Chromium driven by
// playwright-core: the owner makes a member an admin from the member's menu (the member's page
// shows the badge live, and the actions an admin gets), pins a message from its actions (📌 and
// the member's open pins panel follow live), describes the room and turns slow mode on in its
// settings (the member's header shows both live), times a third person out and lifts it (the
// marker comes and goes live; the API refuses their send meanwhile), then makes the admin a member
// again, whose page shows slow mode's refusal where it shows send errors. Started by
// tests/realtime/browser.rs, which passes the server's address in CONFAB_API and where to put
// screenshots in ARTIFACTS_DIR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, BASE, WAIT, conversationItem as item, logIn, register, rest, roomMessage, sharedBrowser } from './browser_harness.mjs';


const newPage = sharedBrowser();
/** `user`'s row in the open room's member list. */
const member = (page, user) => page.getByTestId('participants').locator(`[data-testid="member"][data-user-id="${user.id}"]`);
const menuAction = (page, user, action) => member(page, user).locator(`[data-testid="member-action"][data-action="${action}"]`);
const myRole = (page, role) => page.locator(`[data-testid="room"][data-my-role="${role}"]`);

async function openRoom(page, name) {
  await item(page, name).click();
  await page.getByTestId('room-title').filter({ hasText: name }).waitFor();
  await page.locator('[data-testid="room"][data-joined="true"]').waitFor();
}

/** Picks `action` from `user`'s menu on `page`; the response to the request whose URL ends in `urlEnd`. */
async function moderate(page, user, action, method, urlEnd) {
  await member(page, user).getByTestId('member-menu-button').click();
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && r.url().endsWith(urlEnd)),
    menuAction(page, user, action).click(),
  ]);
  assert.equal(response.status(), 200, `${action}: ${await response.text()}`);
  return response;
}

/** `POST …/messages` as `user`, whatever the answer: its status and JSON (for a refusal). */
async function trySend(room, user, body) {
  const response = await fetch(`${BASE}/api/v1/conversations/${room.id}/messages`, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bearer ${user.token}` },
    body: JSON.stringify({ body }),
    signal: AbortSignal.timeout(WAIT),
  });
  return { status: response.status, json: await response.json() };
}

test('the owner runs the room from the page; roles, pins and settings show live on a member’s page', { timeout: 120_000 }, async () => {
  const olivia = await register('Olivia Park'); // the owner
  const mark = await register('Mark Lee'); // a member, made an admin, then a member again
  const otto = await register('Otto Berg'); // a member, timed out for a while
  const room = await rest('POST', '/conversations', olivia.token, { type: 'group', name: 'Town Hall', user_ids: [mark.id, otto.id] });
  const rules = await rest('POST', `/conversations/${room.id}/messages`, olivia.token, { body: 'House rules: be kind.' });
  await rest('POST', `/conversations/${room.id}/messages`, otto.token, { body: 'Hello from Otto' });

  const o = await newPage();
  const m = await newPage();
  try {
    await logIn(o, olivia);
    await logIn(m, mark);
    await openRoom(o, 'Town Hall');
    await openRoom(m, 'Town Hall');
    await roomMessage(o, 'House rules').waitFor();
    await roomMessage(m, 'House rules').waitFor();

    // Roles as both pages show them: the owner's badge; only she gets menus, and none on herself.
    await member(o, olivia).getByTestId('member-role').filter({ hasText: 'owner' }).waitFor();
    await member(m, olivia).getByTestId('member-role').filter({ hasText: 'owner' }).waitFor();
    await myRole(o, 'owner').waitFor();
    await myRole(m, 'member').waitFor();
    assert.equal(await member(m, mark).getByTestId('member-role').count(), 0, 'a member has no badge');
    assert.equal(await m.getByTestId('member-menu-button').count(), 0, 'a member moderates nobody');
    assert.equal(await member(o, olivia).getByTestId('member-menu-button').count(), 0, 'nobody moderates themself');
    assert.equal(await roomMessage(m, 'House rules').getByTestId('pin-button').count(), 0, 'a member pins nothing in a group');
    assert.equal(await m.getByTestId('room-settings-toggle').isVisible(), false, 'a member has no settings');

    // Olivia makes Mark an admin from his menu: his badge shows on both pages without a reload,
    // and his page now offers what an admin may do (pin, act on members but not the owner).
    const promoted = await moderate(o, mark, 'make-admin', 'PUT', `/conversations/${room.id}/participants/${mark.id}/role`);
    assert.deepEqual(promoted.request().postDataJSON(), { role: 'admin' });
    await member(o, mark).getByTestId('member-role').filter({ hasText: 'admin' }).waitFor();
    await member(m, mark).getByTestId('member-role').filter({ hasText: 'admin' }).waitFor();
    await myRole(m, 'admin').waitFor();
    await roomMessage(m, 'House rules').getByTestId('pin-button').waitFor();
    await member(m, otto).getByTestId('member-menu-button').waitFor();
    assert.equal(await member(m, olivia).getByTestId('member-menu-button').count(), 0, 'an admin does not act on the owner');
    await m.getByTestId('room-settings-toggle').waitFor();

    // Mark opens the pins panel: nothing pinned yet.
    await m.getByTestId('pins-toggle').click();
    await m.getByTestId('pins-panel').getByTestId('pins-empty').waitFor();

    // Olivia pins her rules from the message's actions: 📌 on both pages, and Mark's open panel
    // lists it, live.
    const [pinned] = await Promise.all([
      o.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith(`/conversations/${room.id}/messages/${rules.id}/pin`)),
      roomMessage(o, 'House rules').getByTestId('pin-button').click(),
    ]);
    assert.equal(pinned.status(), 200);
    await roomMessage(o, 'House rules').getByTestId('pinned-marker').waitFor();
    await roomMessage(o, 'House rules').locator('[data-testid="pin-button"][data-pinned="true"]').filter({ hasText: 'Unpin' }).waitFor();
    await roomMessage(m, 'House rules').getByTestId('pinned-marker').waitFor();
    await m.getByTestId('pins-panel').getByTestId('pinned-message').filter({ hasText: 'House rules: be kind.' }).waitFor();
    await m.getByTestId('pins-count').filter({ hasText: '1' }).waitFor();
    assert.equal(await m.getByTestId('pins-panel').getByTestId('pins-empty').count(), 0);
    assert.equal(await roomMessage(m, 'Hello from Otto').getByTestId('pinned-marker').count(), 0, 'only the pinned one');

    // Olivia describes the room and turns slow mode on in its settings: Mark's header shows both, live.
    await o.getByTestId('room-settings-toggle').click();
    await o.getByTestId('settings-description').fill('Decisions and announcements');
    await o.getByTestId('settings-slow-mode').fill('30');
    const [patched] = await Promise.all([
      o.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith(`/api/v1/conversations/${room.id}`)),
      o.getByTestId('settings-save').click(),
    ]);
    assert.equal(patched.status(), 200);
    assert.deepEqual(patched.request().postDataJSON(), { description: 'Decisions and announcements', slow_mode_seconds: 30 });
    await o.getByTestId('room-settings-form').waitFor({ state: 'hidden' });
    await o.getByTestId('slow-mode').filter({ hasText: 'slow mode: 30s' }).waitFor();
    await m.getByTestId('room-description').filter({ hasText: 'Decisions and announcements' }).waitFor();
    await m.getByTestId('slow-mode').filter({ hasText: 'slow mode: 30s' }).waitFor();

    // Olivia times Otto out for ten minutes: the marker shows on Mark's page, live, and the API
    // refuses Otto's messages (a timeout is asked before slow mode).
    const timedOut = await moderate(o, otto, 'timeout', 'PUT', `/conversations/${room.id}/participants/${otto.id}/timeout`);
    const until = Date.parse(timedOut.request().postDataJSON().until);
    assert.ok(until > Date.now() + 9 * 60_000 && until < Date.now() + 11 * 60_000, 'ten minutes from now');
    await member(o, otto).getByTestId('member-timed-out').waitFor();
    await member(m, otto).getByTestId('member-timed-out').waitFor();
    await m.locator(`[data-testid="member"][data-user-id="${otto.id}"][data-timed-out="true"]`).waitFor();
    const refused = await trySend(room, otto, 'Can I still talk?');
    assert.equal(refused.status, 422, JSON.stringify(refused.json));
    assert.match(refused.json.message, /^You are timed out until /);
    await m.screenshot({ path: path.join(ARTIFACTS, 'moderation.png') });

    // She lifts it: the marker goes, live.
    await moderate(o, otto, 'lift-timeout', 'DELETE', `/conversations/${room.id}/participants/${otto.id}/timeout`);
    await member(m, otto).getByTestId('member-timed-out').waitFor({ state: 'detached' });
    await m.locator(`[data-testid="member"][data-user-id="${otto.id}"][data-timed-out="false"]`).waitFor();

    // Olivia makes Mark a member again: his badge goes, live, and slow mode now holds him to one
    // message per 30 s; his page shows the API's refusal where it shows send errors, and keeps
    // the draft.
    const demoted = await moderate(o, mark, 'make-member', 'PUT', `/conversations/${room.id}/participants/${mark.id}/role`);
    assert.deepEqual(demoted.request().postDataJSON(), { role: 'member' });
    await myRole(m, 'member').waitFor();
    await member(m, mark).getByTestId('member-role').waitFor({ state: 'detached' });
    await m.getByTestId('room-settings-toggle').waitFor({ state: 'hidden' });
    await m.getByTestId('moderation-notice').filter({ hasText: 'Slow mode: one message every 30 s.' }).waitFor();
    const statuses = [];
    for (const text of ['First under slow mode', 'Second under slow mode']) {
      await m.getByTestId('composer-input').fill(text);
      const [sent] = await Promise.all([
        m.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/api/v1/conversations/${room.id}/messages`)),
        m.getByTestId('send-button').click(),
      ]);
      statuses.push(sent.status());
    }
    assert.deepEqual(statuses, [201, 429], 'Mark had not sent before; the second comes too soon');
    await m.getByTestId('send-error').filter({ hasText: 'Slow mode is on in this room' }).waitFor();
    assert.equal(await m.getByTestId('composer-input').inputValue(), 'Second under slow mode');
    await roomMessage(o, 'First under slow mode').waitFor();

    // Mark reports Otto's message from its actions: the dialog says so, and Olivia finds the
    // report, open, among the room's reports.
    await roomMessage(m, 'Hello from Otto').getByTestId('report-button').click();
    await m.getByTestId('report-reason').selectOption('spam');
    await m.getByTestId('report-details').fill('Off topic');
    const [reported] = await Promise.all([
      m.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/report')),
      m.getByTestId('report-submit').click(),
    ]);
    assert.equal(reported.status(), 201);
    await m.getByTestId('report-status').filter({ hasText: 'Reported.' }).waitFor();
    assert.equal(await m.getByTestId('report-dialog').getAttribute('data-state'), 'reported');
    const reports = await rest('GET', `/conversations/${room.id}/reports`, olivia.token);
    assert.equal(reports.length, 1);
    assert.equal(reports[0].status, 'open');
    assert.equal(reports[0].reason, 'spam');
    assert.equal(reports[0].reporter.id, mark.id);
    assert.equal(reports[0].message.body, 'Hello from Otto');
  } finally {
    await o.context().close();
    await m.context().close();
  }
});
