// Confab demo client, threads: the line under a message that holds a thread ("3 replies · last
// 14:02 · Bob, Ann"), the "Reply in thread" action, and the thread panel beside the room — the
// root and its replies (oldest at the top, older ones on demand), a composer that replies in the
// thread (and, if asked, in the room too), Follow / Unfollow, read on opening, and who is typing
// there. Live: `thread.updated` redraws a root's line; a `message.sent` with `thread_id` goes to
// the panel when it shows that thread, and to the room's timeline only once the room's list says
// it is the room's last message (the message object does not tell whether it was sent
// `also_in_room`). Loaded after messages.js; classic scripts sharing `state`, `api`, `el`, `$`,
// `time`, `shown`, `redraw`, `bodyNode`, `attachmentsNode`. User text only goes through textContent.
'use strict';

const THREAD_PAGE = 30;

// The open thread: its room and root, the replies drawn (id → message), paging, following.
const thread = {
  conversationId: null, rootId: null, root: null, replies: new Map(), complete: true, loading: false,
  following: null, typers: new Map(), draftId: null, typingSent: 0, trailing: 0, run: 0,
};
// What this page did or learned about following: root id → bool (a thread with no reply yet is in
// no list the server gives, so only the page knows it followed one).
const followed = new Map();

const threadPath = () => `/conversations/${thread.conversationId}/messages/${thread.rootId}/thread`;
const threadIsOpen = (rootId) => thread.rootId === rootId && !$('thread-panel').hidden;
const repliesText = (n) => `${n} ${n === 1 ? 'reply' : 'replies'}`;

// Under a room message: the summary of the thread it holds (opens it), or, for a reply that was
// also sent to the room, a link to its thread.
function threadLine(m) {
  if (m.thread) {
    const t = m.thread;
    const who = t.participants.map((p) => p.name).join(', ');
    return el('button', {
      type: 'button', class: 'link thread-summary', 'data-testid': 'thread-summary', 'data-root-id': String(m.id),
      onclick: () => openThread(m.conversation_id, m.id),
    }, el('strong', { text: repliesText(t.reply_count) }),
    el('span', { class: 'muted', text: ` · last ${time(t.last_reply_at)}${who ? ` · ${who}` : ''}` }));
  }
  if (m.thread_id) {
    return el('button', {
      type: 'button', class: 'link thread-summary', 'data-testid': 'thread-reply-link',
      onclick: () => openThread(m.conversation_id, m.thread_id),
    }, '↳ Replied in a thread');
  }
  return '';
}

// A message as the panel draws it: author, time, text, files (its actions stay in the room).
function threadNode(m, testId) {
  const node = el(testId === 'thread-message' ? 'li' : 'div', {
    class: m.user_id === state.me.id ? 'message mine' : 'message', 'data-testid': testId,
    'data-message-id': String(m.id), 'data-deleted': String(isDeleted(m)),
  }, el('div', { class: 'meta' },
    avatarNode(m.user), el('span', { class: 'author', text: m.user.name }),
    el('time', { datetime: m.created_at, text: time(m.created_at) }),
    m.edited_at && !isDeleted(m) ? el('span', { text: '(edited)' }) : ''));
  if (isDeleted(m)) {
    node.append(el('div', { class: 'body deleted muted', 'data-testid': 'thread-message-body', text: 'This message was deleted.' }));
    return node;
  }
  const body = bodyNode(m);
  body.dataset.testid = 'thread-message-body';
  node.append(body);
  if (m.attachments?.length) node.append(attachmentsNode(m.attachments));
  return node;
}

function drawRoot() {
  const root = thread.root;
  const count = root.thread ? repliesText(root.thread.reply_count) : 'No replies yet';
  $('thread-root').replaceChildren(threadNode(root, 'thread-root-message'),
    el('p', { class: 'thread-count muted', 'data-testid': 'thread-count', text: count }));
}

// Puts a reply in id order (ids grow with time), or redraws it in place.
function placeReply(m) {
  const list = $('thread-replies');
  const node = threadNode(m, 'thread-message');
  const old = list.querySelector(`[data-message-id="${m.id}"]`);
  thread.replies.set(m.id, m);
  if (old) { old.replaceWith(node); return; }
  const next = [...list.children].find((child) => Number(child.dataset.messageId) > m.id);
  list.insertBefore(node, next ?? null);
}

function renderOlder() {
  $('thread-older').hidden = thread.complete;
  $('thread-older').disabled = thread.loading;
}

function renderFollow() {
  const button = $('thread-follow');
  const on = thread.following === true;
  button.textContent = on ? 'Unfollow' : 'Follow';
  button.title = on ? 'Stop being notified of its replies' : 'Be notified of its replies';
  button.setAttribute('aria-pressed', String(on));
  button.dataset.following = thread.following === null ? 'unknown' : String(on);
  button.disabled = thread.following === null;
}

// Whether I follow the thread: the server lists the followed threads that have replies (most
// recently active first); for one without replies, only what this page did counts.
async function isFollowing(root) {
  if (!root.thread) return followed.get(root.id) ?? false;
  let cursor = '';
  for (let page = 0; page < 5; page += 1) {
    const json = await api('GET', `/user/threads?limit=100${cursor}`);
    if (json.data.some((t) => t.root.id === root.id)) return true;
    if (!json.meta.has_more || !json.data.length) return false;
    cursor = `&before=${json.data[json.data.length - 1].root.thread.last_reply_id}`;
  }
  return followed.get(root.id) ?? false;
}

// Opens the panel on the thread under `rootId` of room `conversationId`: the root, the newest
// replies, read from now on.
async function openThread(conversationId, rootId) {
  const run = ++thread.run;
  clearThreadTyping();
  Object.assign(thread, { conversationId, rootId, root: null, replies: new Map(), complete: true, loading: false, following: null, draftId: null });
  $('thread-root').replaceChildren();
  $('thread-replies').replaceChildren();
  $('thread-input').value = '';
  $('thread-also').checked = false;
  showError('thread-error');
  const room = state.conversations.find((c) => c.id === conversationId) ?? state.current;
  $('thread-composer').hidden = Boolean(room?.is_closed);
  renderOlder();
  renderFollow();
  $('thread-panel').hidden = false;
  $('chat').dataset.thread = 'open';
  try {
    const json = await api('GET', `${threadPath()}?limit=${THREAD_PAGE}`);
    if (run !== thread.run) return;
    thread.root = json.root;
    thread.complete = !json.meta.has_more;
    drawRoot();
    json.data.forEach(placeReply);
    renderOlder();
    $('thread-scroll').scrollTop = $('thread-scroll').scrollHeight;
    if (!$('thread-composer').hidden) $('thread-input').focus();
    quietly(api('POST', `${threadPath()}/read`));
    const following = await isFollowing(json.root).catch(() => followed.get(rootId) ?? false);
    if (run === thread.run && thread.following === null) { thread.following = following; renderFollow(); }
  } catch (error) {
    if (run === thread.run) showError('thread-error', error);
  }
}

function closeThread() {
  thread.run += 1;
  clearThreadTyping();
  Object.assign(thread, { conversationId: null, rootId: null, root: null, replies: new Map(), following: null, draftId: null });
  $('thread-panel').hidden = true;
  $('chat').dataset.thread = 'closed';
  $('thread-root').replaceChildren();
  $('thread-replies').replaceChildren();
}

// Another room (or logging out) closes the panel; the thread's own room keeps it.
function closeThreadUnless(conversationId) {
  if (thread.conversationId !== conversationId) closeThread();
}

async function loadOlderReplies() {
  if (thread.loading || thread.complete || !thread.root || !thread.replies.size) return;
  const run = thread.run;
  thread.loading = true;
  renderOlder();
  try {
    const json = await api('GET', `${threadPath()}?before=${Math.min(...thread.replies.keys())}&limit=${THREAD_PAGE}`);
    if (run !== thread.run) return;
    const box = $('thread-scroll');
    const before = box.scrollHeight;
    json.data.forEach(placeReply);
    thread.complete = !json.meta.has_more;
    box.scrollTop += box.scrollHeight - before;
  } catch (error) {
    showError('thread-error', error);
  } finally {
    if (run === thread.run) { thread.loading = false; renderOlder(); }
  }
}

// After the socket (re)joined the thread's room: the replies sent while it was away.
async function catchUpThread() {
  if (!thread.root) return;
  const run = thread.run;
  const query = thread.replies.size ? `after=${Math.max(...thread.replies.keys())}&limit=100` : `limit=${THREAD_PAGE}`;
  const json = await api('GET', `${threadPath()}?${query}`);
  if (run !== thread.run) return;
  thread.root = json.root;
  drawRoot();
  json.data.forEach(placeReply);
}

// A new reply, live (from live.js) or just sent: the panel shows it when it shows its thread.
function threadMessage(m) {
  if (m.conversation_id !== thread.conversationId || m.thread_id !== thread.rootId) return;
  stopThreadTyping(m.user_id);
  const box = $('thread-scroll');
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  placeReply(m);
  if (atBottom || m.user_id === state.me.id) box.scrollTop = box.scrollHeight;
  if (m.user_id !== state.me.id && !$('thread-panel').hidden) quietly(api('POST', `${threadPath()}/read`));
}

// After the room list was refreshed: a live reply also sent to the room is the room's last
// message (one only in its thread never is); the room shows it then. (Missed when another room
// message came first: the room shows it on its next load.)
function showIfInRoom(m) {
  const listed = state.conversations.find((c) => c.id === m.conversation_id);
  if (state.current?.id === m.conversation_id && listed?.last_message?.id === m.id) appendMessage(m);
}

// Room events (messages.js hands them over): `thread.updated` redraws the root's line in the room
// and the panel's count; an edit or deletion of a message the panel shows redraws it there.
function applyThreadEvent(payload) {
  const inPanel = (id) => thread.conversationId === state.current?.id && (id === thread.rootId || thread.replies.has(id));
  if (payload.event === 'thread.updated') {
    const old = shown.get(payload.root_id);
    if (old) redraw({ ...old, thread: payload.thread });
    if (thread.root && payload.root_id === thread.rootId && payload.conversation_id === thread.conversationId) {
      thread.root = { ...thread.root, thread: payload.thread };
      drawRoot();
    }
  } else if (payload.event === 'message.updated' && inPanel(payload.message.id)) {
    changeInPanel(payload.message.id, (old) => ({ ...old, body: payload.message.body, edited_at: payload.message.edited_at, mentions: payload.message.mentions }));
  } else if (payload.event === 'message.deleted' && inPanel(payload.message_id)) {
    changeInPanel(payload.message_id, (old) => ({ ...old, body: '', deleted_at: payload.deleted_at }));
  }
}

function changeInPanel(id, change) {
  if (id === thread.rootId && thread.root) {
    thread.root = change(thread.root);
    drawRoot();
  } else if (thread.replies.has(id)) {
    placeReply(change(thread.replies.get(id)));
  }
}

// Who is typing in the open thread (`typing` events with its `thread_id`), for 3 s per signal.
function showThreadTyping(payload) {
  const user = payload.user;
  if (!user || user.id === state.me.id || payload.thread_id !== thread.rootId) return;
  clearTimeout(thread.typers.get(user.id)?.timer);
  thread.typers.set(user.id, { name: user.name, timer: setTimeout(() => stopThreadTyping(user.id), 3000) });
  renderThreadTyping();
}

function stopThreadTyping(userId) {
  clearTimeout(thread.typers.get(userId)?.timer);
  if (thread.typers.delete(userId)) renderThreadTyping();
}

function clearThreadTyping() {
  thread.typers.forEach((t) => clearTimeout(t.timer));
  thread.typers.clear();
  renderThreadTyping();
  clearTimeout(thread.trailing);
  Object.assign(thread, { trailing: 0, typingSent: 0 });
}

function renderThreadTyping() {
  const names = [...thread.typers.values()].map((t) => t.name);
  $('thread-typing').textContent = names.length === 0 ? ''
    : names.length === 1 ? `${names[0]} is typing…` : `${names.join(', ')} are typing…`;
}

function signalThreadTyping() {
  thread.typingSent = Date.now();
  quietly(api('POST', `/conversations/${thread.conversationId}/typing`, { thread_id: thread.rootId }));
}

// As the room's composer (typing.js): a signal at a burst's start, then one per interval.
$('thread-input').addEventListener('input', () => {
  if (!thread.rootId || !$('thread-input').value) return;
  const wait = thread.typingSent + TYPING_EVERY_MS - Date.now();
  if (wait <= 0) {
    signalThreadTyping();
  } else if (!thread.trailing) {
    const rootId = thread.rootId;
    thread.trailing = setTimeout(() => {
      thread.trailing = 0;
      if (thread.rootId === rootId && $('thread-input').value) signalThreadTyping();
    }, wait);
  }
});

$('thread-input').addEventListener('keydown', (event) => { // Enter sends, Shift+Enter is a new line
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) { event.preventDefault(); $('thread-composer').requestSubmit(); }
});

$('thread-composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('thread-input');
  const { conversationId, rootId } = thread;
  if (!rootId || !input.value.trim()) return;
  const alsoInRoom = $('thread-also').checked;
  showError('thread-error');
  // One client id per draft, kept until a send of it succeeds (as the room's composer).
  thread.draftId ||= envelopeId();
  try {
    const json = await api('POST', `/conversations/${conversationId}/messages`, {
      body: input.value, client_id: thread.draftId, thread_id: rootId, also_in_room: alsoInRoom,
    });
    followed.set(rootId, true); // replying follows the thread
    if (thread.rootId !== rootId) return;
    thread.draftId = null;
    input.value = '';
    $('thread-also').checked = false;
    clearThreadTyping();
    thread.following = true;
    renderFollow();
    threadMessage(json.data);
    if (alsoInRoom) {
      if (state.current?.id === conversationId) appendMessage(json.data);
      quietly(loadConversations());
    }
  } catch (error) {
    showError('thread-error', error);
  }
});

$('thread-follow').addEventListener('click', async () => {
  if (!thread.rootId || thread.following === null) return;
  const { rootId, run } = thread;
  const follow = !thread.following;
  $('thread-follow').disabled = true;
  showError('thread-error');
  try {
    await api(follow ? 'PUT' : 'DELETE', `${threadPath()}/follow`);
    followed.set(rootId, follow);
    if (run === thread.run) thread.following = follow;
  } catch (error) {
    showError('thread-error', error);
  } finally {
    if (run === thread.run) renderFollow();
  }
});

$('thread-older').addEventListener('click', loadOlderReplies);
$('thread-scroll').addEventListener('scroll', () => { if ($('thread-scroll').scrollTop < 40) loadOlderReplies(); });
$('thread-close').addEventListener('click', closeThread);
$('thread-panel').addEventListener('keydown', (event) => { if (event.key === 'Escape') closeThread(); });
