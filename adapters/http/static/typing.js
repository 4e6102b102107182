// Confab demo client, typing: "… is typing" under the open room. The composer tells the server
// (`POST …/typing`, which sends the others at most one `typing` event per 2 s); app.js hands the
// `typing` events it receives to showTyping. Loaded after app.js; classic scripts sharing
// `state`, `api`, `quietly`, `nameOf` and `$`. Names only ever go through textContent.
'use strict';

// A burst of key presses signals at its start and, if it goes on, once more when 2 s have
// passed: the server lets one `typing` event through per 2 s (a signal right after sending a
// message may be inside the last one's interval), so the trailing signal is the one that shows.
let trailingSignal = 0;
$('composer-input').addEventListener('input', () => {
  if (!state.current || !$('composer-input').value) return;
  const wait = state.typingSent + 2000 - Date.now();
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
