// Confab demo client: plain JavaScript, no build step. REST for everything stored, the envelope
// WebSocket (/ws, in live.js) for live messages and typing; the messages themselves are drawn
// and acted on in messages.js, files in attachments.js, who is typing in typing.js, @-mentions in
// mentions.js, threads (their panel) in threads.js, notification settings and toasts in
// notifications.js, roles, moderation, room settings, pins and reports in moderation.js, people's
// pictures (avatars beside names, your own in the profile panel) in avatars.js, your account
// (profile panel, deleting it, "Forgot password?", the links mails bring, others' new names and
// pictures) in profile.js, exporting your data (the panel's "Your data") in export.js. User text
// only ever goes through textContent.
'use strict';

const API = '/api/v1';
const PER_PAGE = 30;
const $ = (id) => document.getElementById(id);

const state = {
  token: sessionStorage.getItem('confab.token'), me: null, conversations: [],
  current: null, complete: false, loading: false, seen: new Set(), // the open conversation
  socket: null, backoff: 1000, joined: new Set(), pending: new Map(), typingSent: 0, typers: new Map(),
};

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

// The REST API; a non-2xx answer throws with the server's JSON `message`, its field `errors` and,
// on a 429, `retryAfter` (seconds). `anonymous` leaves the token out (a mail's link is anyone's).
// A `FormData` body goes as it is (multipart, its boundary set by the browser); any other as JSON.
async function api(method, path, body, { anonymous = false } = {}) {
  const headers = { Accept: 'application/json' };
  const multipart = body instanceof FormData;
  if (state.token && !anonymous) headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined && !multipart) headers['Content-Type'] = 'application/json';
  const response = await fetch(API + path, { method, headers, body: body === undefined || multipart ? body : JSON.stringify(body) });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) {
    let message = json.message || `${response.status} ${response.statusText}`;
    const retry = response.headers.get('Retry-After');
    if (response.status === 429 && retry) message += ` (retry in ${retry} s)`;
    if (response.status === 401 && state.token && !anonymous && !path.startsWith('/user/')) logout();
    throw Object.assign(new Error(message), { status: response.status, errors: json.errors || {}, retryAfter: Number(retry) || 0 });
  }
  return json;
}

const showError = (id, error) => { $(id).textContent = error ? error.message || String(error) : ''; };
const quietly = (promise) => promise.catch(() => {});

const nameOf = (userId) => state.current?.participants.find((p) => p.id === userId)?.name ?? `user ${userId}`;
// A group's name, or for a direct chat the other person's.
const title = (c) => c.name || c.participants.find((p) => p.id !== state.me?.id)?.name || 'Direct chat';

function time(iso) {
  const d = new Date(iso);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' })
    : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}

$('auth-toggle').addEventListener('click', () => {
  const form = $('auth-form');
  const register = form.dataset.mode === 'login';
  form.dataset.mode = register ? 'register' : 'login';
  $('auth-title').textContent = form.querySelector('[type=submit]').textContent = register ? 'Register' : 'Log in';
  $('auth-toggle').textContent = register ? 'Have an account? Log in' : 'No account? Register';
  form.elements.name.required = register;
  form.elements.password.autocomplete = register ? 'new-password' : 'current-password';
  showError('auth-error');
});

$('auth-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const register = form.dataset.mode === 'register';
  const body = { email: form.elements.email.value.trim(), password: form.elements.password.value };
  if (register) body.name = form.elements.name.value.trim();
  showError('auth-error');
  try {
    const json = await api('POST', register ? '/user/register' : '/user/login', body);
    state.token = json.data.token;
    sessionStorage.setItem('confab.token', state.token);
    form.reset();
    await start(json.data.user);
  } catch (error) {
    showError('auth-error', error);
  }
});

// Ends the session on the server too (the token stops working everywhere, and the session's
// other sockets close), then forgets it here.
$('logout').addEventListener('click', () => {
  if (state.token) api('POST', '/user/logout').catch(() => {});
  logout();
});

function showChat(on) {
  $('auth').hidden = on;
  $('chat').hidden = $('session').hidden = !on;
}

function logout() {
  const socket = state.socket;
  sessionStorage.removeItem('confab.token');
  Object.assign(state, { token: null, me: null, current: null, conversations: [], socket: null });
  if (socket) socket.close();
  dropUploads(() => true);
  forgetMentions();
  forgetModeration();
  forgetProfile(); // profile.js: its panel closes
  closeThread();
  $('toasts').replaceChildren(); // the next person to log in here does not see them
  $('room-body').hidden = true;
  $('empty').hidden = false;
  $('messages').replaceChildren();
  showChat(false);
  history.replaceState(null, '', location.pathname);
}

async function start(me) {
  state.me = me || (await api('GET', '/user/me')).data;
  $('me').textContent = state.me.name;
  renderMyAvatar(); // avatars.js
  showChat(true);
  connect();
  await loadConversations();
  route();
}

async function loadConversations() {
  state.conversations = (await api('GET', '/conversations')).data;
  renderConversations();
  state.conversations.forEach((c) => join(c.id)); // so messages elsewhere bump unread counts
}

function renderConversations() {
  const items = state.conversations.map((c) => {
    const preview = c.last_message ? `${c.last_message.user.name}: ${summary(c.last_message)}` : 'No messages yet';
    return el('li', {}, el('a', {
      href: `#/c/${c.id}`, 'data-testid': 'conversation-item', 'data-conversation-id': String(c.id),
      ...(state.current?.id === c.id ? { 'aria-current': 'page' } : {}),
    }, el('span', { class: 'row' }, el('strong', { text: title(c) }), listBadges(c)),
    el('span', { class: 'preview muted', text: c.is_closed ? `(closed) ${preview}` : preview })));
  });
  $('conversations').replaceChildren(...items);
  if (!items.length) $('conversations').append(el('li', { class: 'muted', text: 'No conversations yet.' }));
}

$('group-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('group-error');
  try {
    const json = await api('POST', '/conversations', { type: 'group', name: $('group-name').value.trim(), user_ids: [] });
    $('group-name').value = '';
    await loadConversations();
    location.hash = `#/c/${json.data.id}`;
  } catch (error) {
    showError('group-error', error);
  }
});

window.addEventListener('hashchange', route);
// New rooms (someone invited us) show up on focus and every 30 s.
const refresh = () => { if (state.me) quietly(loadConversations()); };
window.addEventListener('focus', refresh);
setInterval(refresh, 30000);

function route() {
  const match = /^#\/c\/(\d+)$/.exec(location.hash);
  if (state.me && match) openConversation(Number(match[1]));
}

async function openConversation(id) {
  const json = await api('GET', `/conversations/${id}`).catch((error) => { $('empty').textContent = error.message; });
  if (!json) return;
  state.typers.forEach((t) => clearTimeout(t));
  state.typers.clear();
  Object.assign(state, { current: json.data, complete: false, loading: false, seen: new Set() });
  resetTyping();
  shown.clear();
  cancelReply();
  dropUploads((u) => u.conversationId !== id); // an upload belongs to its room
  closeThreadUnless(id); // a thread's panel belongs to its room
  resetModeration(); // so do the member menus, the settings form and the pins panel; its pins load
  $('empty').hidden = true;
  $('room-body').hidden = false;
  $('messages').replaceChildren();
  $('messages').dataset.complete = 'false';
  showError('send-error');
  renderTyping();
  renderRoomHead();
  renderConversations();
  markJoined();
  join(id);
  await loadOlder();
  markRead();
  $('composer-input').focus();
}

function renderRoomHead() {
  renderRoomState();
  $('invite-search').value = '';
  $('invite-results').replaceChildren();
  renderNotificationMenu();
}

// What a live change of the room (its settings, someone's role) redraws too: not the invite search.
function renderRoomState() {
  const c = state.current;
  $('room-title').textContent = title(c) + (c.is_closed ? ' (closed)' : '');
  $('invite-form').hidden = !(isModerator(c) && !c.is_closed); // the owner and admins invite
  renderGovernance(); // moderation.js: members with roles and menus, description, slow mode
}

async function markRead() {
  const c = state.current;
  if (!c) return;
  await quietly(api('POST', `/conversations/${c.id}/read`));
  const listed = state.conversations.find((x) => x.id === c.id);
  if (listed?.unread_count || listed?.unread_mentions) { Object.assign(listed, { unread_count: 0, unread_mentions: 0 }); renderConversations(); }
}

// Loads the next older messages and prepends them, keeping the scroll position: the newest page
// first, then `before` the oldest one shown (a cursor, so messages arriving meanwhile shift nothing).
async function loadOlder() {
  const c = state.current;
  if (!c || state.loading || state.complete) return;
  state.loading = true;
  const first = state.seen.size === 0;
  try {
    const query = first ? `per_page=${PER_PAGE}` : `before=${Math.min(...state.seen)}&limit=${PER_PAGE}`;
    const json = await api('GET', `/conversations/${c.id}/messages?${query}`);
    if (state.current !== c) return;
    state.complete = first ? json.meta.last_page <= 1 : !json.meta.has_more;
    const list = $('messages');
    const fresh = json.data.filter((m) => !state.seen.has(m.id)).reverse();
    fresh.forEach((m) => state.seen.add(m.id));
    const before = list.scrollHeight;
    list.prepend(...fresh.map(messageNode));
    list.scrollTop = first ? list.scrollHeight : list.scrollTop + list.scrollHeight - before;
    list.dataset.complete = String(state.complete);
  } catch (error) {
    showError('send-error', error);
  } finally {
    state.loading = false;
  }
  // Keep going until the list can scroll (or the history is exhausted).
  const list = $('messages');
  if (state.current === c && list.scrollHeight <= list.clientHeight && !state.complete) loadOlder();
}

$('messages').addEventListener('scroll', () => { if ($('messages').scrollTop < 60) loadOlder(); });

function appendMessage(m) {
  if (state.seen.has(m.id)) return;
  state.seen.add(m.id);
  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.append(messageNode(m));
  if (atBottom || m.user_id === state.me.id) list.scrollTop = list.scrollHeight;
}

$('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const c = state.current;
  const input = $('composer-input');
  if (!c) return;
  showError('send-error');
  try {
    const files = attachmentIds(); // throws while one is still uploading
    if (!input.value.trim() && !files.length) return;
    // One client id per draft, kept until a send of it succeeds: sending again after an error
    // or a timeout whose answer never came stores the message only once.
    state.draftId ||= envelopeId();
    const body = { body: input.value.trim() ? input.value : '', client_id: state.draftId, reply_to: state.replyTo?.id ?? null, attachment_ids: files, ...mentionFields(input.value) };
    const json = await api('POST', `/conversations/${c.id}/messages`, body);
    state.draftId = null;
    input.value = '';
    forgetMentions();
    dropUploads((u) => files.includes(u.attachment?.id));
    cancelReply();
    resetTyping();
    if (state.current === c) appendMessage(json.data);
    quietly(loadConversations());
  } catch (error) {
    showError('send-error', error);
  }
});

$('composer-input').addEventListener('keydown', (event) => { // Enter sends, Shift+Enter is a new line
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) { event.preventDefault(); $('composer').requestSubmit(); }
});

let searchTimer = 0;
$('invite-form').addEventListener('submit', (event) => event.preventDefault());
$('invite-search').addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(searchUsers, 250); });

async function searchUsers() {
  const q = $('invite-search').value.trim();
  const results = $('invite-results');
  if (!q) { results.replaceChildren(); return; }
  try {
    const json = await api('GET', `/users?search=${encodeURIComponent(q)}&per_page=8`);
    if ($('invite-search').value.trim() !== q) return;
    const inRoom = new Set(state.current.participants.map((p) => p.id));
    const rows = json.data.map((u) => el('li', { 'data-testid': 'invite-result' },
      el('span', { text: u.name }),
      inRoom.has(u.id)
        ? el('span', { class: 'muted', text: 'in the room' })
        : el('button', { type: 'button', 'data-testid': 'invite-button', 'aria-label': `Invite ${u.name}`, onclick: () => invite(u) }, 'Invite')));
    results.replaceChildren(...(rows.length ? rows : [el('li', { class: 'muted', text: 'Nobody found.' })]));
  } catch (error) {
    results.replaceChildren(el('li', { class: 'error', text: error.message }));
  }
}

async function invite(user) {
  const c = state.current;
  try {
    const json = await api('POST', `/conversations/${c.id}/invite`, { user_ids: [user.id] });
    if (state.current === c) { state.current = json.data; renderRoomHead(); }
    quietly(loadConversations());
  } catch (error) {
    $('invite-results').replaceChildren(el('li', { class: 'error', text: error.message }));
  }
}

// Once every script of the page has run (start's first await may end before the last one loads).
// A mail's link in the address comes first (profile.js): a reset link keeps the page at its form.
document.addEventListener('DOMContentLoaded', () => {
  if (!followAccountLink() && state.token) start().catch(logout);
});
