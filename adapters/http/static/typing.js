// Confab demo client, typing: "… is typing" under the open room. The composer tells the server
// (`POST …/typing`, which sends the others at most one `typing` event per 2 s); app.js hands the
// `typing` events it receives to showTyping. Loaded after app.js; classic scripts sharing
// `state`, `api`, `quietly`, `nameOf` and `$`. Names only ever go through textContent.
'use strict';

// A burst of key presses signals at its start and, while it goes on, once more each time the
// interval has passed. The server lets one `typing` event through per 2 s and answers every call
// alike, so a signal may be dropped unseen (one right after a sent message, say): the trailing
// signal is the one that shows. 2.1 s rather than 2, so that two requests' different trips to
// the server cannot land the second inside the first's interval.
const TYPING_EVERY_MS = 2100;
let trailingSignal = 0;
$('composer-input').addEventListener('input', () => {
  if (!state.current || !$('composer-input').value) return;
  const wait = state.typingSent + TYPING_EVERY_MS - Date.now();
  if (wait <= 0) {
    signalTyping(state.current.id);
  } else if (!trailingSignal) {
    const room = state.current.id;
    trailingSignal = setTimeout(() => {
      trailingSignal = 0;
      if (state.current?.id === room && $('composer-input').value) signalTyping(room);
    }, wait);
  }
});

function signalTyping(room) {
  state.typingSent = Date.now();
  quietly(api('POST', `/conversations/${room}/typing`, {}));
}

// After a send (or on opening a room), the next key press signals at once; a trailing signal of
// the last draft must not stand in for the next one's.
function resetTyping() {
  clearTimeout(trailingSignal);
  trailingSignal = 0;
  state.typingSent = 0;
}

// Someone is typing in the open room: shown until they send, or 3 s pass without a new signal.
function showTyping(userId) {
  if (!userId || userId === state.me.id) return;
  clearTimeout(state.typers.get(userId));
  state.typers.set(userId, setTimeout(() => stopTyping(userId), 3000));
  renderTyping();
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
