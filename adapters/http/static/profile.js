// Confab demo client, your account: the profile panel (name, email and whether it is verified, a
// new verification link, a form to change your name or email that shows the server's field
// errors, your picture through avatars.js, exporting your data through export.js, deleting your
// account with your password),
// "Forgot password?" on the login form, the links mails bring (`#verify-email?token=…`,
// `#reset-password?email=…&token=…`), and `user.updated` — someone's new name or picture, live,
// everywhere the page shows it (members, authors and quotes on screen, the thread panel, pins, the
// room list and a direct chat's title, your own header). Loaded last; classic scripts sharing
// `state`, `api`, `el`, `$`, `quietly`, `logout`, `renderConversations`, `shown`, `messageNode`,
// `adoptRoom`, `governance`, `renderPins`, `thread`, `drawRoot`, `placeReply`,
// `renderMyAvatar`, `renderProfilePicture`, `clearPictureMessages`, and `openExport` and
// `forgetExport` (export.js: the panel's "Your data"). Names and text only ever go through
// textContent.
'use strict';

const AUTH_FORMS = ['auth-form', 'forgot-form', 'reset-form'];
let resendTimer = 0;

// The message for `field` in an API error's `errors`, if any.
const fieldError = (error, field) => error?.errors?.[field]?.[0] ?? '';

// Shows each field's error under it (and marks the field); what no field claims goes to `general`.
function showFieldErrors(form, prefix, fields, error, general) {
  let claimed = false;
  for (const field of fields) {
    const message = fieldError(error, field);
    $(`${prefix}-${field}-error`).textContent = message;
    if (form.elements[field]?.type !== 'hidden') form.elements[field]?.setAttribute('aria-invalid', String(Boolean(message)));
    claimed ||= Boolean(message);
  }
  $(general).textContent = error && !claimed ? error.message || String(error) : '';
}

// ---- The profile panel ---------------------------------------------------------------------

// What the server says of me now (a save, a verification, a fresh GET): the header and the panel.
function adoptMe(data) {
  if (!data || !state.me || data.id !== state.me.id) return;
  Object.assign(state.me, data);
  $('me').textContent = state.me.name;
  renderMyAvatar();
  renderProfile();
}

function renderProfile() {
  const me = state.me;
  if (!me) return;
  const verified = Boolean(me.email_verified_at);
  $('profile-name').textContent = me.name;
  $('profile-email').textContent = me.email ?? '';
  $('profile-verified').textContent = verified ? 'Verified' : 'Not verified';
  $('profile-verified').dataset.verified = String(verified);
  $('profile-resend').hidden = verified;
  renderProfilePicture(); // avatars.js
}

function openProfile() {
  if (!state.me) return;
  const form = $('profile-form');
  form.elements.name.value = state.me.name;
  form.elements.email.value = state.me.email ?? '';
  showFieldErrors(form, 'profile', ['name', 'email'], null, 'profile-error');
  $('profile-status').textContent = $('resend-status').textContent = $('resend-error').textContent = '';
  clearPictureMessages();
  forgetDeletion();
  renderProfile();
  $('profile-dialog').showModal();
  $('profile-toggle').setAttribute('aria-expanded', 'true');
  openExport(); // export.js: your latest data export
  // Verified meanwhile (the mail's link in another tab)? The server knows.
  quietly(api('GET', '/user/me').then((json) => adoptMe(json.data)));
}

// Logging out: the panel closes, and a mail link's outcome (the last person's) goes, so do the
// header's picture, the data export's status and a password typed to delete the account.
function forgetProfile() {
  showNotice('', '');
  clearTimeout(resendTimer);
  $('profile-resend').disabled = false;
  clearPictureMessages();
  forgetExport();
  forgetDeletion();
  renderMyAvatar();
  if ($('profile-dialog').open) $('profile-dialog').close();
}

$('profile-toggle').addEventListener('click', openProfile);
$('profile-close').addEventListener('click', () => $('profile-dialog').close());
$('profile-dialog').addEventListener('close', () => $('profile-toggle').setAttribute('aria-expanded', 'false'));

// Only what changed is sent; a new email is unverified until its mail's link is opened.
$('profile-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const name = form.elements.name.value.trim();
  const email = form.elements.email.value.trim();
  const body = {};
  if (name !== state.me.name) body.name = name;
  if (email !== (state.me.email ?? '')) body.email = email;
  showFieldErrors(form, 'profile', ['name', 'email'], null, 'profile-error');
  $('profile-status').textContent = '';
  if (!Object.keys(body).length) { $('profile-status').textContent = 'Nothing to change.'; return; }
  $('profile-save').disabled = true;
  try {
    const json = await api('PATCH', '/user/me', body);
    adoptMe(json.data);
    applyUserUpdate({ id: json.data.id, name: json.data.name, avatar_url: json.data.avatar_url ?? null }); // the rooms hear it too, live
    form.elements.name.value = json.data.name;
    form.elements.email.value = json.data.email;
    $('profile-status').textContent = body.email !== undefined && !json.data.email_verified_at
      ? `Saved. We sent a verification link to ${json.data.email}.` : 'Saved.';
  } catch (error) {
    showFieldErrors(form, 'profile', ['name', 'email'], error, 'profile-error');
  } finally {
    $('profile-save').disabled = false;
  }
});

// A new verification link: the server's answer, or how long to wait (the button waits too).
$('profile-resend').addEventListener('click', async () => {
  const button = $('profile-resend');
  $('resend-status').textContent = $('resend-error').textContent = '';
  button.disabled = true;
  let wait = 0;
  try {
    const json = await api('POST', '/user/email/resend');
    $('resend-status').textContent = json.message || 'Verification link sent.';
    if (/already verified/i.test(json.message || '')) quietly(api('GET', '/user/me').then((me) => adoptMe(me.data)));
  } catch (error) {
    wait = error.status === 429 ? error.retryAfter || 60 : 0;
    $('resend-error').textContent = wait
      ? `A link was sent moments ago: please wait ${wait} s before asking for another.` : error.message;
  } finally {
    clearTimeout(resendTimer);
    if (wait) resendTimer = setTimeout(() => { button.disabled = false; }, wait * 1000);
    else button.disabled = false;
  }
});

// ---- Deleting the account -----------------------------------------------------------------

function forgetDeletion() {
  const form = $('delete-form');
  form.reset();
  showFieldErrors(form, 'delete', ['password'], null, 'delete-error');
}

// For good, with the password and a confirmation; then the token is dead and the sockets closed,
// so the page forgets the session as logging out does, and says why it is at the login form.
$('delete-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const password = form.elements.password.value;
  showFieldErrors(form, 'delete', ['password'], null, 'delete-error');
  if (!password) {
    showFieldErrors(form, 'delete', ['password'], { errors: { password: ['Enter your password to delete your account.'] } }, 'delete-error');
    form.elements.password.focus();
    return;
  }
  if (!confirm('Delete your account for good? You leave every room, your messages are emptied and your files and picture are removed. This cannot be undone.')) return;
  $('delete-account').disabled = true;
  try {
    const json = await api('DELETE', '/user', { password });
    form.reset();
    logout(); // app.js: the token, the socket, the rooms and this panel go
    showLogin(undefined, json.message || 'Account deleted.');
  } catch (error) {
    showFieldErrors(form, 'delete', ['password'], error, 'delete-error');
    if (fieldError(error, 'password')) form.elements.password.select();
  } finally {
    $('delete-account').disabled = false;
  }
});

// ---- Logged out: forgot password, the links mails bring ------------------------------------

function showAuthForm(id) {
  for (const form of AUTH_FORMS) $(form).hidden = form !== id;
}

function showLogin(email, status) {
  const form = $('auth-form');
  if (form.dataset.mode === 'register') $('auth-toggle').click(); // back to "Log in"
  showAuthForm('auth-form');
  if (email !== undefined) form.elements.email.value = email;
  $('auth-status').textContent = status || '';
  (email ? form.elements.password : form.elements.email).focus();
}

function showNotice(text, kind) {
  $('account-notice-text').textContent = text;
  $('account-notice').dataset.state = kind;
  $('account-notice').hidden = !text;
}
$('account-notice-close').addEventListener('click', () => showNotice('', ''));

// The login form's status (a reset's success) is for the next attempt only.
$('auth-form').addEventListener('submit', () => { $('auth-status').textContent = ''; });

$('forgot-open').addEventListener('click', () => {
  const form = $('forgot-form');
  form.elements.email.value = $('auth-form').elements.email.value.trim();
  $('forgot-status').textContent = $('forgot-error').textContent = '';
  showAuthForm('forgot-form');
  form.elements.email.focus();
});
$('forgot-back').addEventListener('click', () => showLogin($('forgot-form').elements.email.value.trim() || undefined));
$('reset-back').addEventListener('click', () => showLogin());

// The server answers the same whether or not the address has an account.
$('forgot-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  $('forgot-status').textContent = $('forgot-error').textContent = '';
  form.querySelector('[type=submit]').disabled = true;
  try {
    const json = await api('POST', '/user/password/forgot', { email: form.elements.email.value.trim() }, { anonymous: true });
    $('forgot-status').textContent = json.message;
  } catch (error) {
    $('forgot-error').textContent = fieldError(error, 'email') || error.message;
  } finally {
    form.querySelector('[type=submit]').disabled = false;
  }
});

function showResetForm(email, token) {
  const form = $('reset-form');
  form.reset();
  form.elements.email.value = email;
  form.elements.token.value = token;
  showFieldErrors(form, 'reset', ['email', 'password'], null, 'reset-error');
  showAuthForm('reset-form');
  form.elements.password.focus();
}

// A reset ends every session of the account; the login form follows, the email filled in.
$('reset-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const body = { email: form.elements.email.value.trim(), token: form.elements.token.value, password: form.elements.password.value };
  showFieldErrors(form, 'reset', ['email', 'password'], null, 'reset-error');
  form.querySelector('[type=submit]').disabled = true;
  try {
    const json = await api('POST', '/user/password/reset', body, { anonymous: true });
    form.reset();
    showLogin(body.email, json.message || 'Your password has been reset.');
  } catch (error) {
    // A used or expired token is the link's fault, not a field's: ask for a new one.
    const token = fieldError(error, 'token');
    showFieldErrors(form, 'reset', ['email', 'password'], token ? null : error, 'reset-error');
    if (token) $('reset-error').textContent = `${token} Use "Forgot password?" to get a new link.`;
  } finally {
    form.querySelector('[type=submit]').disabled = false;
  }
});

// `#verify-email?…` or `#reset-password?…`, as a mail's link opens the page.
function accountLink() {
  const match = /^#(verify-email|reset-password)\?(.*)$/.exec(location.hash);
  return match && { kind: match[1], params: new URLSearchParams(match[2]) };
}

const clearHash = () => history.replaceState(null, '', location.pathname + location.search);

async function verifyEmail(token) {
  const hash = location.hash;
  showNotice('Verifying your email…', 'pending');
  try {
    const json = await api('POST', '/user/email/verify', { token }, { anonymous: true });
    showNotice(json.message || 'Email verified.', 'ok');
    adoptMe(json.data); // when it is the account signed in here
  } catch (error) {
    showNotice(fieldError(error, 'token') || error.message, 'error');
  }
  if (location.hash === hash) clearHash(); // unless the page went elsewhere meanwhile
}

// A mail's link in the address (when the page loads: app.js; or pasted into an open page): a
// verification is done in place; a reset shows its form, whoever was signed in here stepping
// aside first (the reset ends the account's sessions anyway). True when the page stays at the
// reset form rather than start.
function followAccountLink() {
  const link = accountLink();
  if (!link) return false;
  if (link.kind === 'verify-email') {
    verifyEmail(link.params.get('token') || '');
    return false;
  }
  const email = link.params.get('email') || '';
  const token = link.params.get('token') || '';
  if (state.token) {
    quietly(api('POST', '/user/logout'));
    logout(); // app.js: clears the address too
  }
  clearHash(); // the token is not left in the address bar or the history
  showResetForm(email, token);
  return true;
}
window.addEventListener('hashchange', followAccountLink);

// ---- user.updated: a new name or picture everywhere the page shows it ----------------------

// `{id, name, avatar_url}`: from every room the person shares with me (so more than once), and
// from my own saves; redraws only what still shows the old name or picture. (An event without
// `avatar_url`, from an older server, leaves the picture shown as it is.) A deleted account is
// `{name: "Deleted user", avatar_url: null}`.
function applyUserUpdate(user) {
  if (!user || typeof user.id !== 'number' || typeof user.name !== 'string') return;
  const { id, name } = user;
  const pictured = 'avatar_url' in user;
  const fresh = pictured ? { name, avatar_url: user.avatar_url ?? null } : { name };
  const stale = (p) => p?.id === id && (p.name !== name || (pictured && (p.avatar_url ?? null) !== fresh.avatar_url));
  const rename = (p) => (stale(p) ? { ...p, ...fresh } : p);
  if (stale(state.me)) adoptMe({ id, ...fresh });

  let listChanged = false;
  for (const c of state.conversations) {
    if (c.participants?.some(stale)) { c.participants = c.participants.map(rename); listChanged = true; }
    if (stale(c.last_message?.user)) { c.last_message = { ...c.last_message, user: rename(c.last_message.user) }; listChanged = true; }
  }
  const c = state.current;
  if (c?.participants.some(stale)) adoptRoom({ participants: c.participants.map(rename) }); // members, title, list
  else if (listChanged) renderConversations();

  // Messages on screen: authors, the quotes of replies, who is in a thread.
  const renamed = (m) => ({
    ...m, user: rename(m.user),
    ...(m.reply_to ? { reply_to: { ...m.reply_to, user: rename(m.reply_to.user) } } : {}),
    ...(m.thread?.participants ? { thread: { ...m.thread, participants: m.thread.participants.map(rename) } } : {}),
  });
  const touches = (m) => stale(m.user) || stale(m.reply_to?.user) || Boolean(m.thread?.participants?.some(stale));
  for (const m of [...shown.values()]) {
    if (!touches(m)) continue;
    const node = $('messages').querySelector(`[data-message-id="${m.id}"]`);
    if (node) node.replaceWith(messageNode(renamed(m))); // messageNode keeps it in `shown`
    else shown.set(m.id, renamed(m));
  }
  if (thread.root && touches(thread.root)) { thread.root = renamed(thread.root); drawRoot(); }
  for (const m of [...thread.replies.values()]) if (touches(m)) placeReply(renamed(m));
  if (governance.pins.some((m) => stale(m.user))) {
    governance.pins = governance.pins.map((m) => (stale(m.user) ? { ...m, user: rename(m.user) } : m));
    renderPins();
  }
}
