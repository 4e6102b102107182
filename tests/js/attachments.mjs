// Files in messages, as a browser app sends them: a multipart upload built with the platform's own
// FormData and Blob, and the attachment's signed `url` fetched the way `<img src>` would, with no
// token. Shared by echo.test.mjs and envelope.test.mjs.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

/// Uploads `bytes` as the `file` part named `name` to conversation `id`; returns the attachment.
export async function upload(api, token, id, name, bytes) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  const response = await fetch(`${api}/api/v1/conversations/${id}/attachments`, {
    method: 'POST',
    headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
    body: form,
  });
  const json = await response.json();
  assert.equal(response.status, 201, JSON.stringify(json));
  assert.equal(json.status, true);
  assert.equal(json.message, 'Attachment uploaded.');
  return json.data;
}

/// What a received message says about the file `uploaded`: the same file, and a `url` that, with
/// no `Authorization` header, serves exactly `bytes`.
export async function assertCarriesFile(message, uploaded, bytes, api) {
  assert.ok(Array.isArray(message.attachments), `attachments in ${JSON.stringify(message)}`);
  assert.equal(message.attachments.length, 1, JSON.stringify(message.attachments));
  const [file] = message.attachments;
  for (const field of ['id', 'conversation_id', 'user_id', 'name', 'content_type', 'size', 'sha256']) {
    assert.equal(file[field], uploaded[field], `attachments[0].${field}`);
  }
  assert.equal(file.size, bytes.length);
  assert.equal(file.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.equal(typeof file.url, 'string');
  const response = await fetch(new URL(file.url, api), { redirect: 'follow' });
  assert.equal(response.status, 200, `GET ${file.url} without a token`);
  assert.deepEqual(Buffer.from(await response.arrayBuffer()), Buffer.from(bytes), 'the bytes uploaded');
  // The signature is what lets it in: the same file without it and without a token is refused.
  const bare = await fetch(`${api}/api/v1/attachments/${file.id}`);
  assert.equal(bare.status, 401, 'no token, no signature');
}
