// Swagger UI at /docs in a real headless Chromium (Debian's package), driven by playwright-core:
// a new user authorizes with a token and executes "Send message" against the server that served
// the page, wherever it listens. Started by tests/realtime/browser.rs with the server on a random
// port (CONFAB_API); writes swagger.png to ARTIFACTS_DIR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { BASE, WAIT, launchChromium, rest } from './browser_harness.mjs';

const ARTIFACTS = path.resolve(process.env.ARTIFACTS_DIR || '../artifacts');

let browser;

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

test('Swagger UI executes "Send message" against the server that serves it', { timeout: 90_000 }, async () => {
  const email = `swagger.${Date.now()}@example.com`;
  const alice = await rest('POST', '/user/register', null,
    { name: 'Swagger Alice', email, password: 'secret-pass' });
  const bob = await rest('POST', '/user/register', null,
    { name: 'Swagger Bob', email: `bob.${email}`, password: 'secret-pass' });
  const room = await rest('POST', '/conversations', alice.token,
    { type: 'group', name: 'Docs room', user_ids: [bob.user.id] });

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const failed = [];
  page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
  assert.equal((await page.goto(`${BASE}/docs`))?.status(), 200);

  // Authorize: the bearer token, as a user copies it from the login response.
  await page.locator('.scheme-container button.authorize').click();
  await page.locator('.modal-ux input').first().fill(alice.token);
  await page.locator('.modal-ux .auth-btn-wrapper button.authorize').click();
  await page.locator('.modal-ux button.btn-done').click();

  // "Send message": Try it out, the room's id and a body, Execute.
  const operation = page.locator('#operations-Messages-sendMessage');
  await operation.locator('.opblock-summary').click();
  await operation.locator('button.try-out__btn').click();
  await operation.locator('tr[data-param-name="id"] input').fill(String(room.id));
  const text = 'Sent from Swagger UI';
  await operation.locator('.body-param textarea').fill(JSON.stringify({ body: text }));
  await operation.locator('button.execute').click();

  const status = operation.locator('.live-responses-table tbody td.response-col_status').first();
  await status.waitFor();
  assert.equal((await status.textContent()).trim(), '201', `requests that failed: ${failed.join('; ')}`);
  await status.scrollIntoViewIfNeeded();
  const curl = await operation.locator('.curl-command').textContent();
  assert.ok(curl.includes(`${BASE}/api/v1/conversations/${room.id}/messages`),
    `the curl line names this server: ${curl}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'swagger.png'), fullPage: false });
  await context.close();

  // Stored: Bob reads it through the API.
  const messages = await rest('GET', `/conversations/${room.id}/messages`, bob.token);
  assert.ok(messages.some((m) => m.body === text), `stored: ${JSON.stringify(messages)}`);
});
