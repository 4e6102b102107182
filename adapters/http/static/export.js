// Confab demo client, your data: the profile panel's "Your data" section. "Export my data" asks
// for a ZIP of everything you have here (`POST /user/export`); a server builds it in the
// background and mails a link. The status line shows your latest export (`GET /user/export`,
// asked when the panel opens, then every 2 s while it is queued or being built), and once it is
// ready "Download" fetches it with the bearer token (the page keeps the token in JS, so a plain
// link could not carry it) and saves the blob as `confab-export.zip`. Loaded before profile.js,
// which calls `openExport` when the panel opens and `forgetExport` when the page logs out;
// classic scripts sharing `state`, `api`, `API`, `el` and `$`. Server text only ever goes
// through textContent.
'use strict';

const EXPORT_POLL = 2000;
const EXPORT_FILE = 'confab-export.zip';
const exporting = { timer: 0, generation: 0 };

// "Ready: …" names when the link stops working, in the reader's own time and language.
const until = (iso) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

// `export` (the API's object), or null for none yet: the status line, and "Download" when ready.
function renderExport(data) {
  const line = $('export-status');
  const ready = data?.state === 'ready';
  line.dataset.state = data?.state ?? 'none';
  switch (data?.state) {
    case 'queued':
    case 'building': line.textContent = 'Preparing your export…'; break;
    case 'ready': line.textContent = data.expires_at
      ? `Ready: we mailed you a link (valid until ${until(data.expires_at)})` : 'Ready: we mailed you a link'; break;
    case 'failed': line.textContent = 'The export failed; try again.'; break;
    case 'expired': line.textContent = 'Your last export expired.'; break;
    default: line.textContent = 'No export yet.';
  }
  $('export-download').hidden = !ready;
}

const preparing = (data) => data?.state === 'queued' || data?.state === 'building';

// Shows `data`, and while it is being prepared asks again in 2 s (as long as the panel is open
// and the same session is here).
function followExport(data) {
  clearTimeout(exporting.timer);
  renderExport(data);
  if (!preparing(data)) return;
  const generation = exporting.generation;
  exporting.timer = setTimeout(async () => {
    if (generation !== exporting.generation || !$('profile-dialog').open || !state.token) return;
    try {
      const json = await api('GET', '/user/export');
      if (generation !== exporting.generation) return;
      $('export-error').textContent = ''; // an earlier failed look is past
      followExport(json.data);
    } catch (error) {
      if (generation !== exporting.generation) return;
      if (error.status === 404) followExport(null);
      else { $('export-error').textContent = error.message; followExport(data); } // try again
    }
  }, EXPORT_POLL);
}

// The panel opens: the latest export (404: none yet).
async function openExport() {
  const generation = ++exporting.generation;
  clearTimeout(exporting.timer);
  $('export-status').textContent = $('export-note').textContent = $('export-error').textContent = '';
  $('export-status').dataset.state = '';
  $('export-download').hidden = true;
  try {
    const json = await api('GET', '/user/export');
    if (generation === exporting.generation) followExport(json.data);
  } catch (error) {
    if (generation !== exporting.generation) return;
    if (error.status === 404) renderExport(null);
    else $('export-error').textContent = error.message;
  }
}

// Logging out (or the panel closing): no more polling, and nothing of this account stays shown.
function forgetExport() {
  exporting.generation += 1;
  clearTimeout(exporting.timer);
  $('export-status').textContent = $('export-note').textContent = $('export-error').textContent = '';
  $('export-status').dataset.state = '';
  $('export-download').hidden = true;
  $('export-request').disabled = $('export-download').disabled = false;
}

$('profile-dialog').addEventListener('close', () => {
  exporting.generation += 1; // reopening asks afresh
  clearTimeout(exporting.timer);
});

// Asking while one is being prepared answers with that one; another may be asked for 10 minutes
// after the last (a 429, whose message api() gives with the seconds to wait).
$('export-request').addEventListener('click', async () => {
  const button = $('export-request');
  const generation = ++exporting.generation; // what an earlier look or poll answers is stale now
  clearTimeout(exporting.timer);
  $('export-note').textContent = $('export-error').textContent = '';
  button.disabled = true;
  try {
    const json = await api('POST', '/user/export');
    if (generation !== exporting.generation) return;
    $('export-note').textContent = json.message || 'Data export requested.';
    followExport(json.data);
  } catch (error) {
    if (generation === exporting.generation) $('export-error').textContent = error.message;
  } finally {
    button.disabled = false;
  }
});

// The ZIP as a blob (the server answers it, or a 302 to a presigned link that fetch follows),
// saved through a temporary `<a download>` inside the panel (the rest of the page is inert while
// the modal is open); its object URL is revoked once the browser has had time to start saving.
$('export-download').addEventListener('click', async () => {
  const button = $('export-download');
  $('export-error').textContent = '';
  if (!state.token) return;
  button.disabled = true;
  try {
    const response = await fetch(`${API}/user/export/download`, { headers: { Authorization: `Bearer ${state.token}` } });
    if (!response.ok) {
      const json = await response.json().catch(() => ({}));
      throw new Error(json.message || `${response.status} ${response.statusText}`);
    }
    const url = URL.createObjectURL(await response.blob());
    const link = el('a', { href: url, download: EXPORT_FILE, hidden: '' });
    $('export-section').append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    $('export-error').textContent = error instanceof TypeError ? 'The export could not be downloaded.' : error.message;
  } finally {
    button.disabled = false;
  }
});
