// Confab demo client, @-mentions: completing `@name` in the composer from the open room's
// participants (and `@room`, everyone), the `mentions` / `mention_room` a send carries, and how a
// message's mentions are highlighted. The server does not read names out of the text: the page
// sends the ids of the people picked whose `@Name` is still in it. Loaded after app.js; classic
// scripts sharing `state`, `el` and `$`. Names and text only ever go through textContent.
'use strict';

const MAX_SUGGESTIONS = 8;
const ROOM = { id: 'room', name: 'room', hint: 'everyone in this room' };

// Picked for the draft: user id → the name inserted. A send keeps those still in the text.
const picked = new Map();
const completion = { start: -1, options: [], active: 0 };

// `@Name` starts at `index` of `text` and is not the start of a longer word (`@Bobby` is not `@Bob`).
function mentionAt(text, index, name) {
  const token = `@${name}`;
  if (text.slice(index, index + token.length).toLowerCase() !== token.toLowerCase()) return false;
  return !/[\p{L}\p{N}_]/u.test(text.charAt(index + token.length));
}
const mentions = (text, name) => [...text.matchAll(/@/g)].some((m) => mentionAt(text, m.index, name));

// What a send of `text` adds to its body: only the fields that name someone.
function mentionFields(text) {
  const inRoom = new Set(state.current?.participants.map((p) => p.id));
  const ids = [...picked].filter(([id, name]) => inRoom.has(id) && mentions(text, name)).map(([id]) => id);
  return { ...(ids.length ? { mentions: ids } : {}), ...(state.current?.type === 'group' && mentions(text, ROOM.name) ? { mention_room: true } : {}) };
}

function forgetMentions() {
  picked.clear();
  closeSuggestions();
}

// The `@query` just before the caret, if the caret ends one: `@` at the start or after a space,
// then anything but another `@` or a line break (names have spaces).
function queryAtCaret(input) {
  const before = input.value.slice(0, input.selectionStart);
  const match = /(^|\s)@([^@\n]{0,40})$/.exec(before);
  return match ? { start: before.length - match[2].length - 1, query: match[2].toLowerCase() } : null;
}

// A name matches when it, or one of its words, starts with the query.
const matches = (name, query) => name.toLowerCase().startsWith(query)
  || name.toLowerCase().split(/\s+/).some((word) => word.startsWith(query));

function suggest() {
  const input = $('composer-input');
  const found = state.current && input.selectionStart === input.selectionEnd ? queryAtCaret(input) : null;
  if (!found) { closeSuggestions(); return; }
  const people = state.current.participants.filter((p) => p.id !== state.me.id && matches(p.name, found.query));
  const room = state.current.type === 'group' && (matches(ROOM.name, found.query) || matches('everyone', found.query)) ? [ROOM] : [];
  const options = [...people, ...room].slice(0, MAX_SUGGESTIONS);
  if (!options.length) { closeSuggestions(); return; }
  const same = completion.start === found.start && completion.options.length === options.length
    && completion.options.every((o, i) => o.id === options[i].id);
  Object.assign(completion, { start: found.start, options, active: same ? completion.active : 0 });
  renderSuggestions();
}

function renderSuggestions() {
  const list = $('mention-suggestions');
  list.replaceChildren(...completion.options.map((option, i) => el('li', {
    id: `mention-option-${i}`, role: 'option', 'data-testid': 'mention-suggestion', 'data-user-id': String(option.id),
    'aria-selected': String(i === completion.active),
    onmousedown: (event) => event.preventDefault(), // keep the caret in the composer
    onclick: () => choose(option),
  }, el('strong', { text: `@${option.name}` }), option.hint ? el('span', { class: 'muted', text: ` ${option.hint}` }) : '')));
  list.hidden = false;
  const input = $('composer-input');
  input.setAttribute('aria-expanded', 'true');
  input.setAttribute('aria-activedescendant', `mention-option-${completion.active}`);
}

function closeSuggestions() {
  Object.assign(completion, { start: -1, options: [], active: 0 });
  $('mention-suggestions').hidden = true;
  $('mention-suggestions').replaceChildren();
  $('composer-input').setAttribute('aria-expanded', 'false');
  $('composer-input').removeAttribute('aria-activedescendant');
}

// Replaces the `@query` with `@Name ` and remembers whom it names.
function choose(option) {
  const input = $('composer-input');
  const text = `@${option.name} `;
  input.setRangeText(text, completion.start, input.selectionStart, 'end');
  if (option !== ROOM) picked.set(option.id, option.name);
  closeSuggestions();
  input.focus();
}

$('composer-input').setAttribute('aria-controls', 'mention-suggestions');
$('composer-input').setAttribute('aria-autocomplete', 'list');
$('composer-input').addEventListener('input', suggest);
$('composer-input').addEventListener('click', suggest);
$('composer-input').addEventListener('blur', closeSuggestions);
window.addEventListener('hashchange', closeSuggestions);

// On the form, in the capture phase: while the list is open, Enter and Tab pick and the arrows
// move, before the composer's own Enter-sends handler sees the key.
$('composer').addEventListener('keydown', (event) => {
  if ($('mention-suggestions').hidden || event.isComposing) return;
  const n = completion.options.length;
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    completion.active = (completion.active + (event.key === 'ArrowDown' ? 1 : n - 1)) % n;
    renderSuggestions();
  } else if ((event.key === 'Enter' && !event.shiftKey) || event.key === 'Tab') {
    choose(completion.options[completion.active]);
  } else if (event.key === 'Escape') {
    closeSuggestions();
  } else {
    return;
  }
  event.preventDefault();
  event.stopPropagation();
}, true);

// A message's text with its mentions highlighted: `@Name` of each person it names, `@room` when
// it calls the room; `mention-me` when that is the signed-in user (the room calls everyone but
// its author).
function bodyNode(m) {
  const names = (m.mentions || []).map((p) => ({ name: p.name, me: p.id === state.me.id, id: p.id }));
  if (m.mention_room) names.push({ name: ROOM.name, me: m.user_id !== state.me.id, id: ROOM.id });
  names.sort((x, y) => y.name.length - x.name.length); // `@Bob Stone` before `@Bob`
  const text = m.body;
  const parts = [];
  let from = 0;
  for (const at of text.matchAll(/@/g)) {
    if (at.index < from) continue;
    const hit = names.find((n) => mentionAt(text, at.index, n.name));
    if (!hit) continue;
    const end = at.index + hit.name.length + 1;
    if (at.index > from) parts.push(text.slice(from, at.index));
    parts.push(el('span', {
      class: hit.me ? 'mention mention-me' : 'mention', 'data-testid': 'mention', 'data-user-id': String(hit.id),
      text: text.slice(at.index, end),
    }));
    from = end;
  }
  if (from < text.length) parts.push(text.slice(from));
  return el('div', { class: 'body', 'data-testid': 'message-body' }, ...parts);
}
