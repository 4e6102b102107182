// Confab demo client, notifications: the conversation list's markers (unread count, `@n` unread
// mentions, 🔕 muted), the open room's notification menu (level, mute for an hour or until
// tomorrow morning, unmute; `PUT …/notifications`) and a short toast for each `notification`
// event about a room that is not open. Nothing asks for the browser's Notification permission.
// Loaded last; classic scripts sharing `state`, `api`, `el`, `$`, `title`, `time` and `summary`.
// Names and text only ever go through textContent.
'use strict';

const TOAST_MS = 6000;
const MAX_TOASTS = 3;

// Level `none`, or a mute still running: nothing about this room alerts you.
const isMuted = (c) => c.notifications?.level === 'none' || mutedNow(c.notifications);
const mutedNow = (settings) => Boolean(settings?.muted_until) && Date.parse(settings.muted_until) > Date.now();

// The markers after a conversation's name in the list.
function listBadges(c) {
  const unread = c.unread_count;
  const mentioned = c.unread_mentions;
  return el('span', { class: 'badges' },
    isMuted(c) ? el('span', { class: 'muted-marker', 'data-testid': 'muted', title: 'Muted', 'aria-label': 'muted', text: '🔕' }) : '',
    mentioned > 0 ? el('span', {
      class: 'badge mention-badge', 'data-testid': 'unread-mentions', 'aria-label': `${mentioned} unread mentions`, text: `@${mentioned}`,
    }) : '',
    unread > 0 ? el('span', { class: 'badge', 'data-testid': 'unread-count', 'aria-label': `${unread} unread`, text: String(unread) }) : '');
}

// The menu shows the open room's saved settings.
function renderNotificationMenu() {
  const settings = state.current?.notifications;
  if (!settings) return;
  const muted = mutedNow(settings);
  $('notification-level').value = settings.level;
  $('mute-status').textContent = muted ? `🔕 Muted until ${time(settings.muted_until)}` : '🔔 Not muted';
  $('mute-select').value = '';
  $('mute-select').querySelector('[value="off"]').hidden = !muted;
  $('notify-menu').dataset.muted = String(muted);
  $('notify-menu').dataset.level = settings.level;
}

function tomorrowMorning() {
  const at = new Date();
  at.setDate(at.getDate() + 1);
  at.setHours(8, 0, 0, 0);
  return at;
}

$('notification-level').addEventListener('change', (event) => {
  const settings = state.current?.notifications;
  saveNotifications({ level: event.target.value, muted_until: mutedNow(settings) ? settings.muted_until : null });
});

$('mute-select').addEventListener('change', (event) => {
  const until = { hour: () => new Date(Date.now() + 3600 * 1000).toISOString(), tomorrow: () => tomorrowMorning().toISOString(), off: () => null }[event.target.value];
  if (!until || !state.current) return;
  saveNotifications({ level: state.current.notifications?.level ?? 'all', muted_until: until() });
});

async function saveNotifications(body) {
  const c = state.current;
  if (!c) return;
  showError('send-error');
  for (const control of ['notification-level', 'mute-select']) $(control).disabled = true;
  try {
    const saved = (await api('PUT', `/conversations/${c.id}/notifications`, body)).data;
    c.notifications = saved;
    const listed = state.conversations.find((x) => x.id === c.id);
    if (listed) listed.notifications = saved;
    renderConversations();
  } catch (error) {
    showError('send-error', error);
  } finally {
    for (const control of ['notification-level', 'mute-select']) $(control).disabled = false;
    if (state.current === c) renderNotificationMenu(); // the saved settings, or back to them
  }
}

// What the toast says, by the event's `type`; an unknown type still says who wrote where.
function headline(type, who, where) {
  switch (type) {
    case 'mention': return `${who} mentioned you in ${where}`;
    case 'room_mention': return `${who} mentioned everyone in ${where}`;
    case 'thread_reply': return `${who} replied in a thread in ${where}`;
    case 'direct': return `${who} sent you a message`;
    default: return `${who} in ${where}`;
  }
}

// A `notification` event: `{type, conversation_id, user_id, message}`. The open room shows the
// message itself; any other room gets a toast linking to it for a few seconds. A reply in a thread
// shows only in its thread: a toast unless that thread is open, and the toast opens it.
function notify(payload) {
  const m = payload.message;
  const threadReply = payload.type === 'thread_reply' && m?.thread_id;
  if (!m || (threadReply ? threadIsOpen(m.thread_id) : state.current?.id === payload.conversation_id)) return;
  const room = state.conversations.find((c) => c.id === payload.conversation_id);
  if (!room) quietly(loadConversations()); // a room new to this page: list it
  const where = room ? title(room) : 'a conversation';
  const toast = el('a', {
    href: `#/c/${payload.conversation_id}`, class: 'toast', role: 'status', 'data-testid': 'notification-toast',
    'data-type': String(payload.type), 'data-conversation-id': String(payload.conversation_id),
  }, el('strong', { text: headline(payload.type, m.user?.name ?? 'Someone', where) }),
  el('span', { class: 'preview muted', text: summary(m) }));
  toast.addEventListener('click', () => {
    toast.remove();
    if (threadReply) openThread(payload.conversation_id, m.thread_id);
  });
  const toasts = $('toasts');
  toasts.append(toast);
  while (toasts.children.length > MAX_TOASTS) toasts.firstElementChild.remove();
  setTimeout(() => toast.remove(), TOAST_MS);
}
