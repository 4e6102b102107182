// Confab demo client, files in messages: the attach button, the files waiting to be sent (shown
// as chips above the composer, each uploaded as soon as it is picked), and how a message's files
// are drawn — images inline as their thumbnail linking to the file, anything else as a download
// link. Loaded after app.js and before messages.js; all three are classic scripts sharing `state`,
// `api`, `el` and `$`. File names are user input: they only go through textContent and attributes.
'use strict';

// Drawn inline (the API makes a thumbnail of these); any other type, SVG included, is a link.
const INLINE_IMAGES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const MAX_FILES = 10; // per message, as the API allows
const IMAGE_BOX = 240; // px: the longer side of an image drawn in a message

// The files picked for the next message of the open room, in the order picked.
const uploads = [];

function humanSize(bytes) {
  const units = ['B', 'KB', 'MB', 'GB'];
  let n = bytes;
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) { n /= 1024; unit += 1; }
  return `${unit === 0 || n >= 10 ? Math.round(n) : n.toFixed(1)} ${units[unit]}`;
}

// What a list, a quote or a reply preview shows of a message: its text, else its files' names.
function summary(m) {
  if (m.body || !m.attachments?.length) return m.body;
  return `📎 ${m.attachments.map((a) => a.name).join(', ')}`;
}

function attachmentsNode(files) {
  return el('div', { class: 'attachments', 'data-testid': 'message-attachments' }, ...files.map(fileNode));
}

// `url` and `thumbnail_url` are signed links that need no Authorization header, which is what
// lets an <img> or a plain link fetch them.
function fileNode(a) {
  const common = { href: a.url, 'data-attachment-id': String(a.id), title: `${a.name} · ${humanSize(a.size)}` };
  if (INLINE_IMAGES.has(a.content_type) && a.thumbnail_url) {
    const img = el('img', { src: a.thumbnail_url, alt: a.name, 'data-testid': 'attachment-thumbnail' });
    if (a.width && a.height) { // reserve the space, so a list scrolled to the bottom stays there
      const scale = Math.min(1, IMAGE_BOX / Math.max(a.width, a.height));
      img.width = Math.max(1, Math.round(a.width * scale));
      img.height = Math.max(1, Math.round(a.height * scale));
    }
    return el('a', { ...common, class: 'attachment image', target: '_blank', rel: 'noopener', 'data-testid': 'attachment-image' }, img);
  }
  return el('a', { ...common, class: 'attachment file', download: a.name, 'data-testid': 'attachment-file' },
    el('span', { class: 'name', text: a.name }), el('span', { class: 'muted', text: ` · ${humanSize(a.size)}` }));
}

$('attach-input').addEventListener('change', (event) => {
  const files = [...event.target.files];
  event.target.value = ''; // so that picking the same file again fires `change` again
  const c = state.current;
  if (!c) return;
  showError('send-error');
  const free = MAX_FILES - uploads.length;
  if (files.length > free) showError('send-error', `At most ${MAX_FILES} files per message.`);
  uploads.push(...files.slice(0, Math.max(0, free)).map((file) => startUpload(file, c.id)));
  renderUploads();
});

// One request per file, with XMLHttpRequest because fetch cannot report upload progress. The
// bearer token goes in the header, as for every other call.
function startUpload(file, conversationId) {
  const upload = { file, conversationId, status: 'uploading', progress: 0, attachment: null, error: '' };
  const xhr = new XMLHttpRequest();
  upload.xhr = xhr;
  xhr.open('POST', `${API}/conversations/${conversationId}/attachments`);
  xhr.setRequestHeader('Accept', 'application/json');
  xhr.setRequestHeader('Authorization', `Bearer ${state.token}`);
  xhr.responseType = 'json';
  xhr.upload.onprogress = (event) => {
    if (!event.lengthComputable) return;
    upload.progress = Math.floor((event.loaded / event.total) * 100);
    drawChip(upload);
  };
  xhr.onload = () => {
    if (xhr.status === 201 && xhr.response?.data) {
      Object.assign(upload, { status: 'ready', attachment: xhr.response.data });
    } else {
      const message = xhr.response?.message || `${xhr.status} ${xhr.statusText}`;
      Object.assign(upload, { status: 'failed', error: message });
      if (xhr.status === 401) logout();
    }
    drawChip(upload);
  };
  // A body over the server's limit may be cut off before any answer: that too ends up here.
  xhr.onerror = () => { Object.assign(upload, { status: 'failed', error: 'Upload failed.' }); drawChip(upload); };
  const form = new FormData();
  form.append('file', file, file.name);
  xhr.send(form);
  return upload;
}

// A chip is built once and updated in place, so progress events do not take the focus away
// from its remove button.
function drawChip(upload) {
  if (!upload.node) {
    upload.bar = el('progress', { max: '100', value: '0', 'aria-label': `Uploading ${upload.file.name}` });
    upload.statusText = el('span', { class: 'status', 'data-testid': 'upload-status' });
    upload.node = el('li', { class: 'chip', 'data-testid': 'pending-attachment' },
      el('span', { class: 'name', text: upload.file.name }), upload.bar, upload.statusText,
      el('button', {
        type: 'button', class: 'link', 'data-testid': 'remove-attachment', 'aria-label': `Remove ${upload.file.name}`,
        onclick: () => removeUpload(upload),
      }, '×'));
  }
  const { node, bar, statusText, attachment } = upload;
  node.dataset.state = upload.status;
  node.dataset.progress = String(upload.progress);
  bar.value = upload.progress;
  bar.hidden = upload.status !== 'uploading';
  statusText.className = upload.status === 'failed' ? 'status error' : 'status muted';
  statusText.textContent = upload.status === 'uploading' ? `${upload.progress}%`
    : upload.status === 'ready' ? humanSize(attachment.size) : upload.error;
  if (upload.status === 'ready' && attachment.thumbnail_url && !node.querySelector('img')) {
    node.prepend(el('img', { src: attachment.thumbnail_url, alt: '' }));
  }
  return node;
}

function renderUploads() {
  $('uploads').replaceChildren(...uploads.map(drawChip));
  $('uploads').hidden = uploads.length === 0;
  // With a file picked the text may stay empty; Send then says whether it must still wait.
  $('composer-input').required = uploads.length === 0;
}

// A file already uploaded but never sent is removed by the server after a day
// (CONFAB_UPLOAD_ORPHAN_TTL); the API has no call to drop it sooner.
function removeUpload(upload) {
  upload.xhr.abort();
  const index = uploads.indexOf(upload);
  if (index >= 0) uploads.splice(index, 1);
  renderUploads();
}

// The ids the next message carries. Throws while a file is still on its way, so that a message
// never leaves without a file its author attached.
function attachmentIds() {
  if (uploads.some((u) => u.status === 'uploading')) throw new Error('Wait for the files to finish uploading.');
  return uploads.filter((u) => u.status === 'ready').map((u) => u.attachment.id);
}

// Forgets the files `which` picks (those a send carried, those of a room no longer open, all at
// logout), stopping any still uploading.
function dropUploads(which) {
  uploads.filter(which).forEach(removeUpload);
}
