// Confab demo client: plain JavaScript, no build step. REST for everything stored, the envelope
// WebSocket (/ws) for live messages and typing. User text only ever goes through textContent.
'use strict';

const API = '/api/v1';
const PER_PAGE = 30;
const $ = (id) => document.getElementById(id);

const state = {
  token: sessionStorage.getItem('confab.token'),
  me: null,
  conversations: [],
  current: null, // the open conversation (as the API returns it)
  page: 0, lastPage: 1, loading: false, seen: new Set(),
  socket: null, backoff: 1000, joined: new Set(), pending: new Map(),
  typingSent: 0, typers: new Map(),
};

// ---------- helpers ----------

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

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(API + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) {
    let message = json.message || `${response.status} ${response.statusText}`;
    const retry = response.headers.get('Retry-After');
    if (response.status === 429 && retry) message += ` (retry in ${retry} s)`;
    if (response.status === 401 && state.token && !path.startsWith('/user/')) logout();
    throw new ApiError(response.status, message);
  }
  return json;
}

function showError(id, error) {
  $(id).textContent = error ? error.message || String(error) : '';
}

function nameOf(userId) {
  const user = state.current?.participants.find((p) => p.id === userId);
  return user ? user.name : `user ${userId}`;
}

function title(c) {
  if (c.name) return c.name;
  const other = c.participants.find((p) => p.id !== state.me?.id);
  return other ? other.name : 'Direct chat';
}

function time(iso) {
  const d = new Date(iso);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}

// ---------- session ----------

$('auth-toggle').addEventListener('click', () => {
  const form = $('auth-form');
  const register = form.dataset.mode === 'login';
  form.dataset.mode = register ? 'register' : 'login';
  $('auth-title').textContent = register ? 'Register' : 'Log in';
  form.querySelector('[type=submit]').textContent = register ? 'Register' : 'Log in';
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

$('logout').addEventListener('click', logout);

function logout() {
  sessionStorage.removeItem('confab.token');
  state.token = null;
  state.me = null;
  state.current = null;
  const socket = state.socket;
  state.socket = null;
  if (socket) socket.close();
  $('chat').hidden = true;
  $('session').hidden = true;
  $('auth').hidden = false;
  location.hash = '';
}

async function start(me) {
  state.me = me || (await api('GET', '/user/me')).data;
  $('me').textContent = state.me.name;
  $('auth').hidden = true;
  $('chat').hidden = false;
  $('session').hidden = false;
  connect();
  await loadConversations();
  route();
}

// ---------- conversations ----------

async function loadConversations() {
  const json = await api('GET', '/conversations');
  state.conversations = json.data;
  renderConversations();
  joinAll();
}

function renderConversations() {
  const items = state.conversations.map((c) => {
    const unread = c.unread_count > 0
      ? el('span', { class: 'badge', 'data-testid': 'unread-count', 'aria-label': `${c.unread_count} unread`, text: String(c.unread_count) })
      : '';
    const preview = c.last_message ? `${c.last_message.user.name}: ${c.last_message.body}` : 'No messages yet';
    const link = el('a', {
      href: `#/c/${c.id}`, 'data-testid': 'conversation-item', 'data-conversation-id': String(c.id),
      ...(state.current?.id === c.id ? { 'aria-current': 'page' } : {}),
    },
    el('span', { class: 'row' }, el('strong', { text: title(c) }), unread),
    el('span', { class: 'preview muted', text: c.is_closed ? `(closed) ${preview}` : preview }));
    return el('li', {}, link);
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
window.addEventListener('focus', () => { if (state.me) loadConversations().catch(() => {}); });

function route() {
  const match = /^#\/c\/(\d+)$/.exec(location.hash);
  if (state.me && match) openConversation(Number(match[1]));
}

async function openConversation(id) {
  let json;
  try {
    json = await api('GET', `/conversations/${id}`);
  } catch (error) {
    $('empty').textContent = error.message;
    return;
  }
  state.current = json.data;
  Object.assign(state, { page: 0, lastPage: 1, loading: false, seen: new Set(), typingSent: 0 });
  state.typers.forEach((t) => clearTimeout(t));
  state.typers.clear();
  $('empty').hidden = true;
  $('room-body').hidden = false;
  $('messages').replaceChildren();
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
  const c = state.current;
  $('room-title').textContent = title(c) + (c.is_closed ? ' (closed)' : '');
  $('participants').textContent = c.participants.map((p) => p.name).join(', ');
  $('invite-form').hidden = !(c.type === 'group' && c.is_creator && !c.is_closed);
  $('invite-search').value = '';
  $('invite-results').replaceChildren();
}

async function markRead() {
  const c = state.current;
  if (!c) return;
  await api('POST', `/conversations/${c.id}/read`).catch(() => {});
  const listed = state.conversations.find((x) => x.id === c.id);
  if (listed && listed.unread_count) { listed.unread_count = 0; renderConversations(); }
}

// ---------- messages ----------

function messageNode(m) {
  const mine = m.user_id === state.me.id;
  return el('li', { class: mine ? 'message mine' : 'message', 'data-testid': 'message', 'data-message-id': String(m.id) },
    el('div', { class: 'meta' },
      el('span', { class: 'author', 'data-testid': 'message-author', text: m.user.name }),
      el('time', { datetime: m.created_at, text: time(m.created_at) })),
    el('div', { class: 'body', 'data-testid': 'message-body', text: m.body }));
}

// Loads the next older page (page 1 is the newest) and prepends it, keeping the scroll position.
async function loadOlder() {
  const c = state.current;
  if (!c || state.loading || state.page >= state.lastPage) return;
  state.loading = true;
  try {
    const json = await api('GET', `/conversations/${c.id}/messages?page=${state.page + 1}&per_page=${PER_PAGE}`);
    if (state.current !== c) return;
    state.page = json.meta.current_page;
    state.lastPage = json.meta.last_page;
    const list = $('messages');
    const fresh = json.data.filter((m) => !state.seen.has(m.id)).reverse();
    fresh.forEach((m) => state.seen.add(m.id));
    const before = list.scrollHeight;
    const first = state.page === 1;
    list.prepend(...fresh.map(messageNode));
    list.scrollTop = first ? list.scrollHeight : list.scrollTop + list.scrollHeight - before;
    list.dataset.complete = String(state.page >= state.lastPage);
  } catch (error) {
    showError('send-error', error);
  } finally {
    state.loading = false;
  }
  // Keep going until the list can scroll (or the history is exhausted).
  const list = $('messages');
  if (state.current === c && list.scrollHeight <= list.clientHeight && state.page < state.lastPage) loadOlder();
}

$('messages').addEventListener('scroll', () => {
  if ($('messages').scrollTop < 60) loadOlder();
});

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
  if (!c || !input.value.trim()) return;
  showError('send-error');
  try {
    const json = await api('POST', `/conversations/${c.id}/messages`, { body: input.value });
    input.value = '';
    state.typingSent = 0;
    if (state.current === c) appendMessage(json.data);
    loadConversations().catch(() => {});
  } catch (error) {
    showError('send-error', error);
  }
});

$('composer-input').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $('composer').requestSubmit();
  }
});

$('composer-input').addEventListener('input', () => {
  const now = Date.now();
  if (!state.current || !$('composer-input').value || now - state.typingSent < 2000) return;
  if (send({ type: 'ping', to: `conversation:${state.current.id}`, payload: { typing: true } })) state.typingSent = now;
});

// ---------- invite ----------

let searchTimer = 0;
$('invite-form').addEventListener('submit', (event) => event.preventDefault());
$('invite-search').addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(searchUsers, 250);
});

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
    loadConversations().catch(() => {});
  } catch (error) {
    $('invite-results').replaceChildren(el('li', { class: 'error', text: error.message }));
  }
}

// ---------- live: the envelope WebSocket ----------

let nextId = 0;
const envelopeId = () => `web-${Date.now().toString(36)}-${++nextId}`;

function setLive(text, stateName) {
  $('live').textContent = text;
  $('live').dataset.state = stateName;
}

function connect() {
  if (!state.token || state.socket) return;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(state.token)}`);
  state.socket = socket;
  setLive('connecting…', 'connecting');
  socket.onopen = () => {
    state.backoff = 1000;
    setLive('live', 'open');
    joinAll();
    if (state.current) join(state.current.id);
  };
  socket.onmessage = (event) => {
    let envelope;
    try { envelope = JSON.parse(event.data); } catch { return; }
    receive(envelope);
  };
  socket.onclose = (event) => {
    if (state.socket !== socket) return; // logged out
    state.socket = null;
    state.joined.clear();
    state.pending.clear();
    markJoined();
    if (event.code === 1008) { // policy violation: the token is no longer accepted
      setLive('signed out', 'closed');
      api('GET', '/user/me').catch((e) => { if (e.status === 401) logout(); });
    }
    const delay = state.backoff;
    state.backoff = Math.min(state.backoff * 2, 30000);
    setLive(`offline, retrying in ${Math.round(delay / 1000)} s`, 'closed');
    setTimeout(() => { if (state.token) connect(); }, delay);
  };
}

function send(envelope) {
  const socket = state.socket;
  if (!socket || socket.readyState !== WebSocket.OPEN) return false;
  socket.send(JSON.stringify({ id: envelopeId(), ...envelope }));
  return true;
}

// Joins every listed conversation, so messages elsewhere can refresh the unread counts.
function joinAll() {
  state.conversations.forEach((c) => join(c.id));
}

function join(id) {
  const to = `conversation:${id}`;
  if (state.joined.has(to) || [...state.pending.values()].includes(to)) return;
  const envelopeIdValue = envelopeId();
  if (!state.socket || state.socket.readyState !== WebSocket.OPEN) return;
  state.pending.set(envelopeIdValue, to);
  state.socket.send(JSON.stringify({ id: envelopeIdValue, type: 'join', to }));
}

function markJoined() {
  const joined = Boolean(state.current && state.joined.has(`conversation:${state.current.id}`));
  $('room').dataset.joined = String(joined);
}

function receive(envelope) {
  const payload = envelope.payload || {};
  if (envelope.type === 'ack' || envelope.type === 'error') {
    const to = state.pending.get(payload.ack);
    if (to) {
      state.pending.delete(payload.ack);
      if (envelope.type === 'ack') state.joined.add(to);
      markJoined();
    }
    return;
  }
  const currentTo = state.current && `conversation:${state.current.id}`;
  if (envelope.type === 'message' && payload.message) {
    const m = payload.message;
    if (state.current && m.conversation_id === state.current.id) {
      stopTyping(m.user_id);
      appendMessage(m);
      if (m.user_id !== state.me.id) markRead();
    }
    loadConversations().catch(() => {});
  } else if (envelope.type === 'ping' && payload.typing && envelope.to === currentTo) {
    const userId = Number(String(envelope.from || '').replace('user:', ''));
    if (!userId || userId === state.me.id) return;
    clearTimeout(state.typers.get(userId));
    state.typers.set(userId, setTimeout(() => stopTyping(userId), 3000));
    renderTyping();
  }
}

function stopTyping(userId) {
  clearTimeout(state.typers.get(userId));
  if (state.typers.delete(userId)) renderTyping();
}

function renderTyping() {
  const names = [...state.typers.keys()].map(nameOf);
  $('typing').textContent = names.length === 0 ? ''
    : names.length === 1 ? `${names[0]} is typing…` : `${names.join(', ')} are typing…`;
}

// ---------- boot ----------

if (state.token) {
  start().catch(() => logout());
}
