// Confab demo client, the envelope WebSocket (/ws): one socket per page, reconnecting with
// back-off; joins every listed room (so news elsewhere bumps unread counts) and, after a
// reconnect, asks the open room for what it missed; hands what arrives to the module that draws
// it — messages.js for room events, typing.js for typing, threads.js for replies in threads and
// typing there, notifications.js for the user's own `notification`s, profile.js for `user.updated`
// (a new name or picture, from any room). Loaded after app.js; classic scripts sharing `state`,
// `api` and `$`.
'use strict';

let nextId = 0;
const envelopeId = () => `web-${Date.now().toString(36)}-${++nextId}`;

function setLive(text, stateName) {
  $('live').textContent = text;
  $('live').dataset.state = stateName;
}

// One socket per page; joins the listed rooms on open, reconnects with back-off (1 s … 30 s).
function connect() {
  if (!state.token || state.socket) return;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(state.token)}`);
  state.socket = socket;
  setLive('connecting…', 'connecting');
  socket.onopen = () => {
    state.backoff = 1000;
    setLive('live', 'open');
    state.conversations.forEach((c) => join(c.id));
    if (state.current) join(state.current.id);
  };
  socket.onmessage = (event) => {
    try { receive(JSON.parse(event.data)); } catch (error) { console.warn('bad envelope', error); }
  };
  socket.onclose = (event) => {
    if (state.socket !== socket) return; // logged out
    state.socket = null;
    state.joined.clear();
    state.pending.clear();
    markJoined();
    // 1008 = policy violation (token refused), 4009 = session ended (logged out elsewhere, or a
    // password change): if the token no longer works, go back to the login form.
    if (event.code === 1008 || event.code === 4009) {
      api('GET', '/user/me').catch((e) => { if (e.status === 401) logout(); });
    }
    const delay = state.backoff;
    state.backoff = Math.min(state.backoff * 2, 30000);
    setLive(`offline, retrying in ${Math.round(delay / 1000)} s`, 'closed');
    setTimeout(() => { if (state.token) connect(); }, delay);
  };
}

function send(envelope) {
  if (state.socket?.readyState !== WebSocket.OPEN) return false;
  state.socket.send(JSON.stringify({ id: envelopeId(), ...envelope }));
  return true;
}

// Rejoining the open room after a reconnect asks for what was missed (`since` the newest message
// shown): the server sends those first, then live ones, with no gap and no duplicate.
function join(id) {
  const to = `conversation:${id}`;
  if (state.joined.has(to) || [...state.pending.values()].includes(to)) return;
  const ref = envelopeId();
  const open = state.current?.id === id && state.seen.size > 0;
  const payload = open ? { since: Math.max(...state.seen) } : {};
  if (send({ id: ref, type: 'join', to, payload })) state.pending.set(ref, to);
}

// data-joined="true" once the server acked the join of the open room (the test waits for it).
function markJoined() {
  $('room').dataset.joined = String(Boolean(state.current && state.joined.has(`conversation:${state.current.id}`)));
}

function receive(envelope) {
  const payload = envelope.payload || {};
  if (envelope.type === 'ack' || envelope.type === 'error') {
    const to = state.pending.get(payload.ack);
    if (to && state.pending.delete(payload.ack) && envelope.type === 'ack') state.joined.add(to);
    markJoined();
    if (envelope.type === 'ack' && to && to === `conversation:${thread.conversationId}`) quietly(catchUpThread());
    // Away too long for one catch-up: reload the open room rather than show a gap.
    if (payload.has_more && state.current && to === `conversation:${state.current.id}`) openConversation(state.current.id);
    return;
  }
  const currentTo = state.current && `conversation:${state.current.id}`;
  if (envelope.type === 'message' && payload.event === 'typing') {
    if (envelope.to === currentTo && !payload.thread_id) showTyping(payload.user?.id);
    else if (envelope.to === currentTo) showThreadTyping(payload); // in a thread: its panel shows it
  } else if (envelope.type === 'message' && payload.event === 'notification') {
    notify(payload); // to `user:{me}`: someone named you, called the room, wrote to you…
  } else if (envelope.type === 'message' && payload.event === 'user.updated') {
    applyUserUpdate(payload.user); // profile.js: a member of any of my rooms (or I) has a new name or picture
  } else if (envelope.type === 'message' && payload.event && payload.event !== 'message.sent') {
    if (envelope.to === currentTo) applyRoomEvent(payload);
  } else if (envelope.type === 'message' && payload.message) {
    const m = payload.message;
    const here = state.current && m.conversation_id === state.current.id;
    // A reply in a thread goes to the thread's panel; the room shows it only if it is the room's
    // too, which the refreshed list tells (threads.js).
    if (here && m.thread_id) threadMessage(m);
    else if (here) { stopTyping(m.user_id); appendMessage(m); }
    // Read first (the open room), then refresh the list's unread counts and previews.
    const refreshed = quietly((here && m.user_id !== state.me.id ? markRead() : Promise.resolve()).then(loadConversations));
    if (here && m.thread_id) refreshed.then(() => showIfInRoom(m));
  } else if (envelope.type === 'ping' && payload.typing && envelope.to === currentTo) {
    // What older pages sent before `POST …/typing`: still shown.
    showTyping(Number(String(envelope.from || '').replace('user:', '')));
  }
}
