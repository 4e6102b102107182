// What the browser suites (browser.test.mjs, browser_mentions.test.mjs, browser_threads.test.mjs,
// swagger.test.mjs) share:
// Debian's Chromium started headless by playwright-core, REST calls to the server under test
// (CONFAB_API) for the set-up a person would have done before opening the page, and opening the
// page and logging in through it.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const BASE = process.env.CONFAB_API;
export const WAIT = 15_000; // every wait ends by itself

/** Headless Chromium at CHROMIUM_PATH (default /usr/bin/chromium). */
export function launchChromium() {
  assert.ok(BASE, 'CONFAB_API must name the server, e.g. http://127.0.0.1:8000');
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: WAIT,
  });
}

/** `method /api/v1{url}` as `token`'s user; the response's `data`, after checking it succeeded. */
export async function rest(method, url, token, body) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${BASE}/api/v1${url}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(WAIT),
  });
  const json = await response.json();
  assert.ok(response.ok, `${method} ${url} → ${response.status} ${JSON.stringify(json)}`);
  return json.data;
}

export const PASSWORD = 'secret-pass';

let serial = 0;
/** A new account named `name` (a unique email), with its token. */
export async function register(name) {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '.').replace(/^\.+|\.+$/g, '') || 'user';
  const email = `${slug}.${Date.now()}.${++serial}@example.com`;
  const data = await rest('POST', '/user/register', null, { name, email, password: PASSWORD });
  return { ...data.user, email, token: data.token };
}

/** The page at `/` in a fresh browser context of `browser`. */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1040, height: 640 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.on('pageerror', (error) => console.error('page error:', error));
  const response = await page.goto(`${BASE}/`);
  assert.equal(response?.status(), 200);
  return page;
}

/** Logs `user` in through the page's form. */
export async function logIn(page, user) {
  await page.getByTestId('auth-email').fill(user.email);
  await page.getByTestId('auth-password').fill(PASSWORD);
  await page.getByTestId('auth-submit').click();
  await page.getByTestId('current-user').filter({ hasText: user.name }).waitFor();
}

/** Where screenshots go (ARTIFACTS_DIR, set by tests/realtime/browser.rs). */
export const ARTIFACTS = path.resolve(process.env.ARTIFACTS_DIR || '../artifacts');

/**
 * One Chromium for a suite file: started before its tests (with the screenshots' folder), closed
 * after them. Returns `newPage()`, the page at `/` in a fresh browser context.
 */
export function sharedBrowser() {
  let browser;
  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  return () => newPage(browser);
}

/** The entry named `name` in the page's conversation list. */
export const conversationItem = (page, name) => page.getByTestId('conversation-item').filter({ hasText: name });

/** The open room's message (in its timeline) that contains `text`. */
export const roomMessage = (page, text) => page.getByTestId('message-list').getByTestId('message').filter({ hasText: text });
