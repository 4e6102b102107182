// Confab demo client, running a room: the members of the open room with their role ("owner",
// "admin") and whether they are timed out, the moderation menu each one gets when your role
// allows it (roles, ownership, timeouts, removal, bans), the room's settings (description, slow
// mode) shown in its header and editable by the owner and admins, pins (a message's Pin / Unpin
// action, its 📌 marker and the pins panel), and reporting someone else's message. The server
// decides who may do what; the page only hides what it would refuse, and shows its refusals.
// Live: `participant.updated`, `conversation.updated`, `message.pinned` and `message.unpinned`
// (messages.js hands them over). Loaded after messages.js; classic scripts sharing `state`,
// `api`, `el`, `$`, `time`, `summary`, `shown`, `redraw`, `messageNode` and `liveCopy`. Names and
// text only ever go through textContent.
'use strict';

const TIMEOUT_MINUTES = 10;
const MAX_SLOW_MODE = 21600; // six hours, as the API allows
const ROLE_RANK = { owner: 3, admin: 2, member: 1 };

// The open room's moderation state: whose menu is open, which of its acts waits for a second
// click, the pins (newest pin first), and the message being reported.
const governance = {
  menuFor: null, armed: null, expiry: 0,
  pins: [], pinsLoading: false, pinsMissed: [], pinsRun: 0,
  reporting: null,
};

// The owner and admins of a group room run it; a direct chat has no roles.
const isModerator = (c) => c?.type === 'group' && (c.my_role === 'owner' || c.my_role === 'admin');
// Either person pins in a direct chat; the owner and admins in a group.
const mayPin = (c) => Boolean(c) && !c.is_closed && (c.type === 'direct' || isModerator(c));
const isTimedOut = (p) => Boolean(p?.timed_out_until) && Date.parse(p.timed_out_until) > Date.now();
// Acting on someone needs a higher role than theirs: admins act on members only, the owner on
// everyone but themself.
const mayActOn = (c, p) => isModerator(c) && !c.is_closed && p.id !== state.me.id
  && (ROLE_RANK[c.my_role] ?? 0) > (ROLE_RANK[p.role] ?? 0);

// What the room's answer or a live event tells, kept in the open room's own object (other code
// compares `state.current` by identity). Events carry no `my_role`: it follows my participant.
function adoptRoom(data) {
  const c = state.current;
  if (!c) return;
  const before = c.my_role;
  const known = new Map(c.participants.map((p) => [p.id, p]));
  const participants = data.participants ? data.participants.map((p) => ({ ...known.get(p.id), ...p })) : c.participants;
  Object.assign(c, data, { participants });
  const mine = c.type === 'group' ? participants.find((p) => p.id === state.me.id)?.role : null;
  if (mine) Object.assign(c, { my_role: mine, is_creator: mine === 'owner' });
  const listed = state.conversations.find((x) => x.id === c.id);
  if (listed) Object.assign(listed, { name: c.name, description: c.description, slow_mode_seconds: c.slow_mode_seconds, my_role: c.my_role, is_creator: c.is_creator });
  renderConversations();
  renderRoomState(); // app.js: the title, who may invite, and renderGovernance
  if (c.my_role !== before) redrawMessages(); // what their actions offer depends on the role
}

function redrawMessages() {
  for (const node of $('messages').querySelectorAll('[data-testid="message"]')) {
    const m = shown.get(Number(node.dataset.messageId));
    if (m) node.replaceWith(messageNode(m));
  }
}

// The header's part: description, slow mode, members, the settings button, my own standing.
function renderGovernance() {
  const c = state.current;
  if (!c) return;
  const slow = c.slow_mode_seconds > 0;
  $('room-description').textContent = c.description || '';
  $('room-description').hidden = !c.description;
  $('slow-mode').textContent = slow ? `slow mode: ${c.slow_mode_seconds}s` : '';
  $('slow-mode').hidden = !slow;
  $('room-info').hidden = !c.description && !slow;
  $('room').dataset.myRole = c.my_role ?? '';
  $('room-settings-toggle').hidden = !(isModerator(c) && !c.is_closed);
  if ($('room-settings-toggle').hidden) closeSettings();
  renderMembers();
  renderMyStanding();
  scheduleExpiry();
}

function renderMembers() {
  const c = state.current;
  if (!governance.menuFor || !c.participants.some((p) => p.id === governance.menuFor && mayActOn(c, p))) governance.menuFor = null;
  $('participants').replaceChildren(...c.participants.map((p) => memberNode(c, p)));
}

function memberNode(c, p) {
  const out = isTimedOut(p);
  const node = el('li', {
    class: 'member', 'data-testid': 'member', 'data-user-id': String(p.id), 'data-role': p.role ?? '', 'data-timed-out': String(out),
  }, avatarNode(p), el('span', { class: 'member-name', 'data-testid': 'member-name', text: p.name }),
  p.role === 'owner' || p.role === 'admin' ? el('span', { class: `role-badge ${p.role}`, 'data-testid': 'member-role', text: p.role }) : '',
  out ? el('span', {
    class: 'timeout-marker', 'data-testid': 'member-timed-out', title: `Timed out until ${time(p.timed_out_until)}`, text: '⏳ timed out',
  }) : '');
  const acts = memberActions(c, p);
  if (!acts.length) return node;
  const open = governance.menuFor === p.id;
  const button = el('button', {
    type: 'button', class: 'link member-menu-button', 'data-testid': 'member-menu-button', 'aria-haspopup': 'menu',
    'aria-expanded': String(open), 'aria-label': `Moderate ${p.name}`, onclick: () => toggleMemberMenu(p.id),
  }, '⋯');
  const menu = el('div', { class: 'member-menu', role: 'menu', 'data-testid': 'member-menu', 'aria-label': `Moderate ${p.name}` },
    ...acts.map((act) => {
      const key = `${p.id}:${act.action}`;
      const armed = governance.armed === key;
      return el('button', {
        type: 'button', role: 'menuitem', 'data-testid': 'member-action', 'data-action': act.action, 'data-armed': String(armed),
        onclick: () => {
          // Transfer, remove and ban ask once more, in the menu itself (no browser dialog).
          if (act.confirm && !armed) { governance.armed = key; renderMembers(); focusMenu(p.id, act.action); return; }
          moderate(c, act);
        },
      }, armed ? act.confirm : act.label);
    }));
  menu.hidden = !open;
  menu.addEventListener('keydown', (event) => { if (event.key === 'Escape') { toggleMemberMenu(p.id); focusMenu(p.id); } });
  node.append(button, menu);
  return node;
}

// What I may do to `p`, each with its request (every one answers the room as it is after).
function memberActions(c, p) {
  if (!mayActOn(c, p)) return [];
  const path = `/conversations/${c.id}/participants/${p.id}`;
  const owner = c.my_role === 'owner';
  const acts = [];
  if (owner && p.role === 'member') acts.push({ action: 'make-admin', label: 'Make admin', run: () => api('PUT', `${path}/role`, { role: 'admin' }) });
  if (owner && p.role === 'admin') acts.push({ action: 'make-member', label: 'Make member', run: () => api('PUT', `${path}/role`, { role: 'member' }) });
  if (owner) acts.push({ action: 'transfer', label: 'Transfer ownership', confirm: `Make ${p.name} the owner?`, run: () => api('POST', `/conversations/${c.id}/transfer`, { user_id: p.id }) });
  if (isTimedOut(p)) {
    acts.push({ action: 'lift-timeout', label: 'Lift timeout', run: () => api('DELETE', `${path}/timeout`) });
  } else {
    const until = () => new Date(Date.now() + TIMEOUT_MINUTES * 60000).toISOString();
    acts.push({ action: 'timeout', label: `Time out ${TIMEOUT_MINUTES} min`, run: () => api('PUT', `${path}/timeout`, { until: until() }) });
  }
  acts.push({ action: 'remove', label: 'Remove from room', confirm: `Remove ${p.name}?`, run: () => api('DELETE', path), gone: true });
  acts.push({ action: 'ban', label: 'Ban', confirm: `Ban ${p.name}?`, run: () => api('POST', `/conversations/${c.id}/ban/${p.id}`), gone: true });
  return acts;
}

function toggleMemberMenu(userId) {
  governance.menuFor = governance.menuFor === userId ? null : userId;
  governance.armed = null;
  renderMembers();
  if (governance.menuFor) focusMenu(userId, '');
}

// After a redraw: focus the act (or the menu's first item, or with `undefined` its button).
function focusMenu(userId, action) {
  const row = $('participants').querySelector(`[data-user-id="${userId}"]`);
  const target = action === undefined ? row?.querySelector('.member-menu-button')
    : row?.querySelector(action ? `[data-action="${action}"]` : '[role="menuitem"]');
  target?.focus();
}

async function moderate(c, act) {
  showError('members-error');
  Object.assign(governance, { menuFor: null, armed: null });
  renderMembers();
  try {
    const json = await act.run();
    if (state.current === c) adoptRoom(json.data);
    if (act.gone) quietly(loadConversations());
  } catch (error) {
    if (state.current === c) { showError('members-error', error); renderMembers(); }
  }
}

// A click anywhere but on a member closes the open menu.
document.addEventListener('click', (event) => {
  if (governance.menuFor !== null && !event.target.closest?.('.member')) {
    Object.assign(governance, { menuFor: null, armed: null });
    if (state.current) renderMembers();
  }
});

// Timed out, or a member of a room in slow mode: said above the composer.
function renderMyStanding() {
  const c = state.current;
  const mine = c.participants.find((p) => p.id === state.me.id);
  const text = isTimedOut(mine) ? `You are timed out until ${time(mine.timed_out_until)}: you can read, not send.`
    : c.slow_mode_seconds > 0 && c.my_role === 'member' ? `Slow mode: one message every ${c.slow_mode_seconds} s.` : '';
  $('moderation-notice').textContent = text;
  $('moderation-notice').hidden = !text;
}

// A timeout ends without an event: redraw when the first one runs out.
function scheduleExpiry() {
  clearTimeout(governance.expiry);
  const c = state.current;
  const ends = c.participants.filter(isTimedOut).map((p) => Date.parse(p.timed_out_until));
  if (!ends.length) return;
  const wait = Math.min(Math.min(...ends) - Date.now() + 250, 2 ** 31 - 1);
  governance.expiry = setTimeout(() => { if (state.current === c) renderGovernance(); }, wait);
}

// Room settings: description and slow mode, for the owner and admins (`PATCH /conversations/{id}`).
function openSettings() {
  const c = state.current;
  $('settings-description').value = c.description || '';
  $('settings-slow-mode').value = String(c.slow_mode_seconds || 0);
  showError('settings-error');
  $('room-settings-form').hidden = false;
  $('room-settings-toggle').setAttribute('aria-expanded', 'true');
  $('settings-description').focus();
}

function closeSettings() {
  $('room-settings-form').hidden = true;
  $('room-settings-toggle').setAttribute('aria-expanded', 'false');
}

$('room-settings-toggle').addEventListener('click', () => { if ($('room-settings-form').hidden) openSettings(); else closeSettings(); });
$('settings-cancel').addEventListener('click', closeSettings);

$('room-settings-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const c = state.current;
  if (!c) return;
  const seconds = Number($('settings-slow-mode').value);
  showError('settings-error');
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_SLOW_MODE) {
    showError('settings-error', `Slow mode is 0 (off) to ${MAX_SLOW_MODE} seconds.`);
    return;
  }
  $('settings-save').disabled = true;
  try {
    // An empty description clears it.
    const json = await api('PATCH', `/conversations/${c.id}`, { description: $('settings-description').value.trim(), slow_mode_seconds: seconds });
    if (state.current === c) { adoptRoom(json.data); closeSettings(); }
  } catch (error) {
    showError('settings-error', error);
  } finally {
    $('settings-save').disabled = false;
  }
});

// Pins: the marker in a message's meta line, its Pin / Unpin and Report actions.
const pinMarker = (m) => (m.pinned_at && !isDeleted(m)
  ? el('span', { class: 'pinned-marker', 'data-testid': 'pinned-marker', title: `Pinned ${time(m.pinned_at)}`, 'aria-label': 'pinned', text: '📌' }) : '');

function messageModeration(m) {
  if (isDeleted(m)) return [];
  const acts = [];
  if (mayPin(state.current)) {
    acts.push(el('button', {
      type: 'button', class: 'link', 'data-testid': 'pin-button', 'data-pinned': String(Boolean(m.pinned_at)),
      onclick: () => setPin(m, !m.pinned_at),
    }, m.pinned_at ? 'Unpin' : 'Pin'));
  }
  if (m.user_id !== state.me.id) acts.push(el('button', { type: 'button', class: 'link', 'data-testid': 'report-button', onclick: () => openReport(m) }, 'Report'));
  return acts;
}

async function setPin(m, on) {
  showError('send-error');
  try {
    const json = await api(on ? 'PUT' : 'DELETE', `/conversations/${m.conversation_id}/messages/${m.id}/pin`);
    if (state.current?.id === m.conversation_id) applyPin(json.data);
  } catch (error) {
    showError('send-error', error);
  }
}

// A message pinned or unpinned (an answer or an event): the panel's list and the message itself.
function applyPin(message) {
  if (governance.pinsLoading) governance.pinsMissed.push(message);
  governance.pins = governance.pins.filter((m) => m.id !== message.id);
  if (message.pinned_at && !isDeleted(message)) governance.pins.unshift(message);
  renderPins();
  const old = shown.get(message.id);
  if (old) redraw(liveCopy(old, message));
}

// The open room's pins, newest pin first; what changed while they loaded is applied again.
async function loadPins() {
  const c = state.current;
  const run = ++governance.pinsRun;
  Object.assign(governance, { pinsLoading: true, pinsMissed: [] });
  showError('pins-error');
  try {
    const json = await api('GET', `/conversations/${c.id}/pins`);
    if (run !== governance.pinsRun) return;
    governance.pins = json.data;
    const missed = governance.pinsMissed;
    Object.assign(governance, { pinsLoading: false, pinsMissed: [] });
    missed.forEach(applyPin);
    renderPins();
  } catch (error) {
    if (run === governance.pinsRun) showError('pins-error', error);
  } finally {
    if (run === governance.pinsRun) governance.pinsLoading = false;
  }
}

function renderPins() {
  const pins = governance.pins;
  $('pins-count').textContent = String(pins.length);
  $('pins-toggle').dataset.count = String(pins.length);
  const items = pins.map((m) => el('li', { class: 'pin', 'data-testid': 'pinned-message', 'data-message-id': String(m.id) },
    el('button', { type: 'button', class: 'link pin-jump', title: 'Show in the room', onclick: () => jumpToMessage(m.id) },
      el('strong', { text: `${m.user.name}: ` }), el('span', { text: summary(m) })),
    mayPin(state.current) ? el('button', { type: 'button', class: 'link', 'data-testid': 'pinned-unpin', onclick: () => setPin(m, false) }, 'Unpin') : ''));
  $('pins-list').replaceChildren(...(items.length ? items : [el('li', { class: 'muted', 'data-testid': 'pins-empty', text: 'No pinned messages.' })]));
}

// Scrolls to a pinned message when the room has loaded it.
function jumpToMessage(id) {
  const node = $('messages').querySelector(`[data-message-id="${id}"]`);
  if (!node) return;
  node.scrollIntoView({ block: 'center' });
  node.classList.add('flash');
  setTimeout(() => node.classList.remove('flash'), 1500);
}

$('pins-toggle').addEventListener('click', () => {
  const open = $('pins-panel').hidden;
  $('pins-panel').hidden = !open;
  $('pins-toggle').setAttribute('aria-expanded', String(open));
  if (open && state.current) quietly(loadPins()); // fresh when shown; kept live while open
});

// Reporting someone else's message to the room's moderators.
function openReport(m) {
  governance.reporting = m;
  $('report-form').reset();
  showError('report-error');
  $('report-status').textContent = '';
  $('report-quote').textContent = `${m.user.name}: ${summary(m)}`;
  $('report-submit').hidden = false;
  $('report-cancel').textContent = 'Cancel';
  $('report-dialog').dataset.state = 'open'; // 'reported' once sent
  $('report-dialog').showModal();
  $('report-reason').focus();
}

$('report-cancel').addEventListener('click', () => $('report-dialog').close());
$('report-dialog').addEventListener('close', () => { governance.reporting = null; });

$('report-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const m = governance.reporting;
  if (!m) return;
  const body = { reason: $('report-reason').value };
  const details = $('report-details').value.trim();
  if (details) body.details = details;
  showError('report-error');
  $('report-submit').disabled = true;
  try {
    await api('POST', `/conversations/${m.conversation_id}/messages/${m.id}/report`, body); // 201, or 200 again
    if (governance.reporting !== m) return;
    $('report-status').textContent = 'Reported.';
    $('report-submit').hidden = true;
    $('report-cancel').textContent = 'Close';
    $('report-dialog').dataset.state = 'reported';
  } catch (error) {
    showError('report-error', error);
  } finally {
    $('report-submit').disabled = false;
  }
});

// Logging out, or opening another room: no menu, form, panel or dialog of the last room stays
// open, and an answer about its pins still on its way is dropped.
function forgetModeration() {
  clearTimeout(governance.expiry);
  governance.pinsRun += 1;
  Object.assign(governance, { menuFor: null, armed: null, pins: [], pinsLoading: false, pinsMissed: [] });
  showError('members-error');
  closeSettings();
  $('pins-panel').hidden = true;
  $('pins-toggle').setAttribute('aria-expanded', 'false');
  if ($('report-dialog').open) $('report-dialog').close();
  renderPins();
}

// Opening a room: a clean slate, then its pins (the count on the button shows them).
function resetModeration() {
  forgetModeration();
  quietly(loadPins());
}

// Room events (messages.js hands them over). `conversation.updated` carries the room as everyone
// sees it; `participant.updated` one member's role and timeout.
function applyModerationEvent(payload) {
  const c = state.current;
  if (!c) return;
  if (payload.event === 'participant.updated' && payload.conversation_id === c.id) {
    const p = payload.participant;
    if (c.participants.some((x) => x.id === p.id)) adoptRoom({ participants: c.participants.map((x) => (x.id === p.id ? { ...x, ...p } : x)) });
  } else if (payload.event === 'conversation.updated' && payload.conversation?.id === c.id) {
    adoptRoom(payload.conversation); // my role follows my participant in it
  } else if ((payload.event === 'message.pinned' || payload.event === 'message.unpinned') && payload.message?.conversation_id === c.id) {
    applyPin(payload.message);
  } else if (payload.event === 'message.updated' && governance.pins.some((m) => m.id === payload.message.id)) {
    governance.pins = governance.pins.map((m) => (m.id === payload.message.id ? { ...m, ...payload.message } : m));
    renderPins();
  } else if (payload.event === 'message.deleted' && governance.pins.some((m) => m.id === payload.message_id)) {
    governance.pins = governance.pins.filter((m) => m.id !== payload.message_id); // a tombstone is not pinned
    renderPins();
  }
}
