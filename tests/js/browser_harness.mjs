// What the browser suites (browser.test.mjs, swagger.test.mjs) share: Debian's Chromium started
// headless by playwright-core, and REST calls to the server under test (CONFAB_API) for the set-up
// a person would have done before opening the page.
import assert from 'node:assert/strict';
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
