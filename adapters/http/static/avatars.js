// Confab demo client, people's pictures: the small round avatar beside a name (message authors,
// the member list, the thread panel, your own header), your initials on a tinted disc while you
// have none (or while a picture fails to load), and the profile panel's picture with "Change
// picture" (`PUT /user/avatar`, multipart `file`) and "Remove picture" (`DELETE /user/avatar`).
// Someone else's new picture arrives as `user.updated` (profile.js redraws what shows them).
// Loaded before profile.js; classic scripts sharing `state`, `api`, `el`, `$`, `adoptMe`,
// `applyUserUpdate` and `fieldError`. An avatar URL and initials only ever go into attributes.
'use strict';

// "Ann Lee" → "AL", "bob" → "B"; by code point, so an emoji or an accented letter stays whole.
function initials(name) {
  const words = String(name ?? '').trim().split(/\s+/).filter(Boolean);
  return words.slice(0, 2).map((word) => Array.from(word)[0]).join('').toUpperCase() || '?';
}

// One steady tint per person, so two people's discs tell apart at a glance.
const avatarTint = (id) => `hsl(${(Number(id) * 47) % 360} 45% 48%)`;

// `url` at `size` px (the server keeps 256, the default, and 64).
const sizedAvatar = (url, size) => (size === 256 ? url : `${url}${url.includes('?') ? '&' : '?'}size=${size}`);

// The initials disc (drawn by app.css from `data-initials`, so no text joins the name's own).
function initialsNode(user) {
  return el('span', {
    class: 'avatar initials', 'data-testid': 'avatar', 'data-initials': initials(user?.name),
    style: `background-color: ${avatarTint(user?.id ?? 0)}`, 'aria-hidden': 'true',
  });
}

// `user`'s picture at 64 px, shown at 24 (`{id, name, avatar_url}`), or their initials; a picture
// that no longer loads (replaced or removed meanwhile) becomes the initials.
function avatarNode(user) {
  if (!user?.avatar_url) return initialsNode(user);
  const img = el('img', {
    class: 'avatar', 'data-testid': 'avatar', src: sizedAvatar(user.avatar_url, 64), alt: '',
    width: '24', height: '24', decoding: 'async',
  });
  img.addEventListener('error', () => img.replaceWith(initialsNode(user)), { once: true });
  return img;
}

// Beside my name in the header.
function renderMyAvatar() {
  $('me-avatar').replaceChildren(...(state.me ? [avatarNode(state.me)] : []));
}

// ---- The profile panel's picture -----------------------------------------------------------

// My picture at 256 px (shown at 64), or my initials; "Remove picture" only when there is one.
function renderProfilePicture() {
  const me = state.me;
  if (!me) return;
  const img = $('profile-avatar');
  const url = me.avatar_url || '';
  if (url && img.getAttribute('src') !== url) img.src = url;
  if (!url) img.removeAttribute('src');
  const placeholder = $('profile-avatar-initials');
  placeholder.dataset.initials = initials(me.name);
  placeholder.style.backgroundColor = avatarTint(me.id);
  showProfilePicture(Boolean(url));
  $('avatar-remove').hidden = !url;
}

function showProfilePicture(loaded) {
  $('profile-avatar').hidden = !loaded;
  $('profile-avatar-initials').hidden = loaded;
}
$('profile-avatar').addEventListener('error', () => { if ($('profile-avatar').getAttribute('src')) showProfilePicture(false); });
$('profile-avatar').addEventListener('load', () => { if (state.me?.avatar_url) showProfilePicture(true); });

// The panel opens (or the page logs out): no earlier outcome stays.
function clearPictureMessages() {
  $('avatar-error').textContent = $('avatar-status').textContent = '';
}

// What an upload's refusal says: the server's word on `file` (not a picture: 422), its message
// (too large: 413), or — a body over the limit may be cut off before any answer — a guess.
function pictureError(error) {
  if (error instanceof TypeError) return 'The picture could not be sent; it may be too large.';
  return fieldError(error, 'file') || error.message || String(error);
}

// One change at a time: the answer is my profile after it, which the page adopts everywhere it
// shows me (the rooms hear it from the server too, as `user.updated`).
async function changePicture(request, done) {
  clearPictureMessages();
  $('avatar-file').disabled = $('avatar-remove').disabled = true;
  $('profile-picture').dataset.busy = 'true';
  try {
    const json = await request();
    adoptMe(json.data);
    applyUserUpdate({ id: json.data.id, name: json.data.name, avatar_url: json.data.avatar_url ?? null });
    $('avatar-status').textContent = done;
  } catch (error) {
    $('avatar-error').textContent = pictureError(error);
  } finally {
    $('avatar-file').disabled = $('avatar-remove').disabled = false;
    $('profile-picture').dataset.busy = 'false';
  }
}

// The server reads the type from the bytes: `accept` only narrows the browser's picker.
$('avatar-file').addEventListener('change', async (event) => {
  const input = event.target;
  const file = input.files?.[0];
  if (!file) return;
  const form = new FormData();
  form.append('file', file, file.name);
  await changePicture(() => api('PUT', '/user/avatar', form), 'Picture updated.');
  input.value = ''; // picking the same file again is a change too
});

$('avatar-remove').addEventListener('click', () => changePicture(() => api('DELETE', '/user/avatar'), 'Picture removed.'));
