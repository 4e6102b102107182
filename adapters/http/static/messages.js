// Confab demo client, messages in the open room: how one is drawn (quote, edited mark, tombstone,
// reactions, files through attachments.js, mentions through mentions.js), what can be done with
// it (reply, reply in its thread through threads.js, react, edit, delete; pin and report through
// moderation.js), how live changes from the envelope socket apply to it, and message search.
// Loaded after app.js (whose start waits for every script) and attachments.js; all are classic
// scripts sharing `state`, `api`, `el` and `$` (and `avatarNode` from avatars.js). User text only ever goes through textContent.
'use strict';

const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉'];

// The open room's messages by id, as last drawn, so a live change can redraw one.
const shown = new Map();

const isDeleted = (m) => Boolean(m.deleted_at);
// Your own, or anyone's in a group you run (the owner and admins: moderation.js).
const mayDelete = (m) => m.user_id === state.me.id || isModerator(state.current);

function messageNode(m) {
  shown.set(m.id, m);
  const mine = m.user_id === state.me.id;
  const node = el('li', {
    class: mine ? 'message mine' : 'message', 'data-testid': 'message', 'data-message-id': String(m.id),
    'data-deleted': String(isDeleted(m)), 'data-pinned': String(Boolean(m.pinned_at) && !isDeleted(m)),
  }, el('div', { class: 'meta' },
    avatarNode(m.user), // avatars.js: their picture, or their initials
    el('span', { class: 'author', 'data-testid': 'message-author', text: m.user.name }),
    el('time', { datetime: m.created_at, text: time(m.created_at) }),
    m.edited_at && !isDeleted(m) ? el('span', { 'data-testid': 'message-edited', text: '(edited)' }) : '',
    pinMarker(m))); // moderation.js: 📌 while pinned
  if (m.reply_to) {
    // An empty quote is a deleted message, or one with only files: the page may have it.
    const original = shown.get(m.reply_to.id);
    const quoted = m.reply_to.body !== '' ? m.reply_to.body
      : original && !isDeleted(original) && original.attachments?.length ? summary(original) : 'deleted message';
    node.append(el('blockquote', { class: 'quote', 'data-testid': 'message-quote', text: `${m.reply_to.user.name}: ${quoted}` }));
  }
  if (isDeleted(m)) {
    node.append(el('div', { class: 'body deleted muted', 'data-testid': 'message-body', text: 'This message was deleted.' }), threadLine(m));
    return node;
  }
  node.append(bodyNode(m)); // mentions.js: the text, its mentions highlighted
  if (m.attachments?.length) node.append(attachmentsNode(m.attachments));
  const reactions = (m.reactions || []).map((r) => el('button', {
    type: 'button', class: 'reaction', 'data-testid': 'reaction', 'data-emoji': r.emoji, 'aria-pressed': String(Boolean(r.me)),
    'aria-label': `${r.emoji} ${r.count}`, onclick: () => react(m, r.emoji, !r.me),
  }, `${r.emoji} ${r.count}`));
  if (reactions.length) node.append(el('div', { class: 'reactions', 'data-testid': 'reactions' }, ...reactions));
  node.append(threadLine(m)); // threads.js: "3 replies · last 14:02", or the thread a reply is in
  const open = !state.current?.is_closed;
  const actions = el('div', { class: 'actions' });
  if (open) {
    actions.append(el('button', { type: 'button', class: 'link', 'data-testid': 'reply-button', onclick: () => startReply(m) }, 'Reply'));
    actions.append(el('button', {
      type: 'button', class: 'link', 'data-testid': 'thread-open', onclick: () => openThread(m.conversation_id, m.thread_id ?? m.id),
    }, 'Reply in thread'));
    for (const emoji of QUICK_REACTIONS) {
      actions.append(el('button', {
        type: 'button', class: 'link', 'data-testid': 'react-button', 'data-emoji': emoji, 'aria-label': `React ${emoji}`,
        onclick: () => react(m, emoji, true),
      }, emoji));
    }
    if (mine) actions.append(el('button', { type: 'button', class: 'link', 'data-testid': 'edit-button', onclick: () => startEdit(m, node) }, 'Edit'));
  }
  if (mayDelete(m)) actions.append(el('button', { type: 'button', class: 'link', 'data-testid': 'delete-button', onclick: () => remove(m) }, 'Delete'));
  actions.append(...messageModeration(m)); // moderation.js: Pin / Unpin when allowed, Report on others'
  node.append(actions);
  return node;
}

// Draws `m` again where it is shown (nothing when it is not in the open room), and the quotes of
// it in the replies shown (an edit shows in them; a deletion leaves them quoting a tombstone).
function redraw(m) {
  const old = $('messages').querySelector(`[data-message-id="${m.id}"]`);
  if (old) old.replaceWith(messageNode(m));
  for (const reply of shown.values()) {
    if (reply.reply_to?.id === m.id && (reply.reply_to.body !== m.body || isDeleted(m))) {
      redraw({ ...reply, reply_to: { ...reply.reply_to, body: m.body } });
    }
  }
}

function startEdit(m, node) {
  const input = el('textarea', { 'data-testid': 'edit-input', rows: '2', 'aria-label': 'Edit message' });
  input.value = m.body;
  const form = el('form', { class: 'edit', 'data-testid': 'edit-form' }, input,
    el('button', { type: 'submit', 'data-testid': 'edit-save' }, 'Save'),
    el('button', { type: 'button', class: 'link', onclick: () => redraw(m) }, 'Cancel'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const json = await api('PATCH', `/conversations/${m.conversation_id}/messages/${m.id}`, { body: input.value });
      redraw(json.data);
    } catch (error) {
      showError('send-error', error);
    }
  });
  node.querySelector('.body').replaceWith(form);
  input.focus();
}

async function remove(m) {
  try {
    await api('DELETE', `/conversations/${m.conversation_id}/messages/${m.id}`);
    redraw({ ...m, body: '', deleted_at: new Date().toISOString(), reactions: [] });
    quietly(loadConversations());
  } catch (error) {
    showError('send-error', error);
  }
}

async function react(m, emoji, add) {
  try {
    const path = `/conversations/${m.conversation_id}/messages/${m.id}/reactions/${encodeURIComponent(emoji)}`;
    redraw((await api(add ? 'PUT' : 'DELETE', path)).data);
  } catch (error) {
    showError('send-error', error);
  }
}

function startReply(m) {
  state.replyTo = m;
  $('reply-text').textContent = `Replying to ${m.user.name}: ${summary(m)}`;
  $('reply-preview').hidden = false;
  $('composer-input').focus();
}

function cancelReply() {
  state.replyTo = null;
  $('reply-preview').hidden = true;
}
$('reply-cancel').addEventListener('click', cancelReply);

// A message as an event tells it, of one the page shows (`old`): events carry reaction counts
// without `me`, so the page keeps its own `me` for each emoji.
function liveCopy(old, message) {
  const mine = new Set((old.reactions || []).filter((r) => r.me).map((r) => r.emoji));
  const reactions = (message.reactions || []).map((r) => ({ ...r, me: mine.has(r.emoji) }));
  return { ...message, reactions, thread: message.thread ?? old.thread };
}

// A room event other than a new message, from the envelope socket: `payload.event` names it and
// the rest is what Pusher clients get. The page learns its own reactions from `user_id`.
// threads.js sees each too (`thread.updated`, and changes to what its panel shows), and so does
// moderation.js (roles, settings, pins).
function applyRoomEvent(payload) {
  const event = payload.event;
  applyThreadEvent(payload);
  applyModerationEvent(payload);
  if (event === 'message.updated') {
    const old = shown.get(payload.message.id);
    if (old) redraw(liveCopy(old, payload.message));
  } else if (event === 'message.deleted') {
    const old = shown.get(payload.message_id);
    if (old) redraw({ ...old, body: '', deleted_at: payload.deleted_at, reactions: [] });
    quietly(loadConversations());
  } else if (event === 'message.reacted') {
    const old = shown.get(payload.message_id);
    if (!old || isDeleted(old)) return;
    const mine = new Set((old.reactions || []).filter((r) => r.me).map((r) => r.emoji));
    if (payload.user_id === state.me.id) {
      if (payload.action === 'added') mine.add(payload.emoji); else mine.delete(payload.emoji);
    }
    redraw({ ...old, reactions: payload.reactions.map((r) => ({ ...r, me: mine.has(r.emoji) })) });
  }
}

// Search: every conversation you are in, newest first; a result opens its room.
let searchRun = 0;
$('search-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const q = $('search-input').value.trim();
  const results = $('search-results');
  if (!q) { results.replaceChildren(); return; }
  const run = ++searchRun;
  try {
    const json = await api('GET', `/messages/search?q=${encodeURIComponent(q)}&per_page=20`);
    if (run !== searchRun) return;
    const rows = json.data.map((m) => {
      const room = state.conversations.find((c) => c.id === m.conversation_id);
      return el('li', {}, el('a', { href: `#/c/${m.conversation_id}`, 'data-testid': 'search-result', 'data-message-id': String(m.id) },
        el('strong', { text: room ? title(room) : `Conversation ${m.conversation_id}` }),
        el('span', { class: 'preview muted', text: `${m.user.name}: ${m.body}` })));
    });
    results.replaceChildren(...(rows.length ? rows : [el('li', { class: 'muted', 'data-testid': 'search-empty', text: 'No messages found.' })]));
  } catch (error) {
    results.replaceChildren(el('li', { class: 'error', text: error.message }));
  }
});
