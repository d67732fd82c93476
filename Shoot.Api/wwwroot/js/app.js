// The Shoot web client: sign-in, rooms with live unread badges (SSE), and a chat view over SockJS + STOMP
// (messages with status ticks, typing, read counts, reactions, link previews, scheduled messages).
import { call, login, session, freshToken, whenSignedOut, ApiError } from './api.js';

const $ = (id) => document.getElementById(id);
const REACTIONS = [['thumbsup', '👍'], ['love', '❤️'], ['laugh', '😂']];
const ORDER = ['SENDING', 'SENT_TO_KAFKA', 'PROCESSING', 'SAVED'];
const TICKS = { SENDING: '…', SENT_TO_KAFKA: '✓', PROCESSING: '✓', SAVED: '✓✓', FAILED: '⚠' };

const state = {
  me: null, rooms: new Map(), roomId: null, names: new Map(), messages: new Map(), byTempId: new Map(),
  stomp: null, roomSubscriptions: [], typingTimers: new Map(), lastTypingSent: 0, stopTypingTimer: null,
  nextCursor: null, streams: [],
};

function notify(text) {
  $('notice').textContent = text;
  $('notice').hidden = !text;
}

function show(view) {
  $('auth').hidden = view !== 'auth';
  $('chat').hidden = view !== 'chat';
  $('sign-out').hidden = view !== 'chat';
  $('who').hidden = view !== 'chat';
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (value !== false && value != null) node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) if (child != null) node.append(child);
  return node;
}

// ---- sign in / sign up -------------------------------------------------------------------------------------

$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    await login(form.get('username'), form.get('password'));
    await start();
  } catch (error) { notify(error.message); }
});

$('sign-up-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    await call('POST', '/api/v1/auth/signup',
      { username: form.get('username'), nickname: form.get('nickname'), password: form.get('password') }, { anonymous: true });
    await login(form.get('username'), form.get('password'));
    await start();
  } catch (error) {
    notify(error instanceof ApiError && error.errors ? Object.values(error.errors).flat().join(' ') : error.message);
  }
});

$('sign-out').addEventListener('click', async () => {
  const current = session.get();
  try { await call('POST', '/api/v1/auth/logout', { refreshToken: current.refreshToken }); } catch { /* signed out anyway */ }
  stop();
  session.clear();
  show('auth');
});

whenSignedOut(() => { stop(); show('auth'); notify('Your session has ended; please sign in again.'); });

// ---- start: profile, rooms, live connections --------------------------------------------------------------

async function start() {
  notify('');
  state.me = await call('GET', '/api/v1/users/me');
  $('who').textContent = `${state.me.nickname} (@${state.me.username}) · your user code: ${state.me.userCode}`;
  show('chat');
  await loadRooms();
  connectStomp();
  openStreams();
}

function stop() {
  state.stomp?.deactivate();
  state.stomp = null;
  for (const stream of state.streams) stream.close();
  state.streams = [];
  state.roomId = null;
  $('room').hidden = true;
}

async function loadRooms() {
  const { items } = await call('GET', '/api/v1/chatrooms');
  state.rooms = new Map(items.map((room) => [room.id, room]));
  renderRooms();
}

function renderRooms() {
  const list = $('rooms');
  list.replaceChildren(...[...state.rooms.values()].map((room) => {
    const unread = room.id === state.roomId ? 0 : room.unreadCount;
    return el('li', {}, el('button', {
      type: 'button', 'aria-current': room.id === state.roomId ? 'true' : false, 'data-room': room.id,
      onclick: () => openRoom(room.id),
    }, el('span', {}, room.title || 'Room ' + room.id),
    unread > 0 ? el('span', { class: 'badge', 'aria-label': `${unread} unread` }, String(unread)) : null));
  }));
  if (state.rooms.size === 0) list.replaceChildren(el('li', {}, 'No rooms yet.'));
}

// Unread counts and new rooms arrive over Server-Sent Events (EventSource cannot set headers, hence ?token=).
async function openStreams() {
  const token = await freshToken();
  const id = state.me.id;
  const unread = new EventSource(`/api/v1/sse/unread/${id}?token=${encodeURIComponent(token)}`);
  unread.addEventListener('unread', (event) => {
    const data = JSON.parse(event.data);
    const room = state.rooms.get(data.roomId);
    if (room) { room.unreadCount = data.unreadCount; renderRooms(); }
  });
  const updates = new EventSource(`/api/v1/sse/updates/${id}?token=${encodeURIComponent(token)}`);
  for (const name of ['room-created', 'room-removed', 'room-update']) updates.addEventListener(name, () => loadRooms());
  // A stream that fails (token expired, server restarted) is reopened with a fresh token.
  for (const stream of [unread, updates]) stream.onerror = () => {
    if (stream.readyState !== EventSource.CLOSED) return;
    state.streams = state.streams.filter((s) => s !== unread && s !== updates);
    unread.close(); updates.close();
    setTimeout(() => state.me && openStreams(), 3000);
  };
  state.streams.push(unread, updates);
}

// ---- STOMP over SockJS -------------------------------------------------------------------------------------

function connectStomp() {
  const client = new StompJs.Client({
    webSocketFactory: () => new SockJS('/ws/chat', null, { timeout: 10000 }),
    reconnectDelay: 3000,
    heartbeatIncoming: 10000,
    heartbeatOutgoing: 10000,
    // The token goes in CONNECT, not the URL, so it stays out of access logs; refreshed before each (re)connect.
    beforeConnect: async () => { client.connectHeaders = { Authorization: 'Bearer ' + await freshToken() }; },
    onConnect: () => {
      client.subscribe('/user/queue/errors', (frame) => {
        const error = JSON.parse(frame.body);
        notify(`${error.message}${error.code ? ' (' + error.code + ')' : ''}`);
        if (error.tempId) updateStatus({ tempId: error.tempId, status: 'FAILED' });
      });
      if (state.roomId) subscribeRoom(state.roomId);
    },
    onStompError: (frame) => notify('Chat connection refused: ' + (frame.headers.message || 'unknown error')),
  });
  client.activate();
  state.stomp = client;
}

function subscribeRoom(roomId) {
  for (const subscription of state.roomSubscriptions) subscription.unsubscribe();
  if (!state.stomp?.connected) { state.roomSubscriptions = []; return; }
  state.roomSubscriptions = [
    state.stomp.subscribe(`/topic/messages/${roomId}`, (frame) => receive(JSON.parse(frame.body))),
    state.stomp.subscribe(`/topic/message/status/${roomId}`, (frame) => updateStatus(JSON.parse(frame.body))),
    state.stomp.subscribe(`/topic/typing/${roomId}`, (frame) => showTyping(JSON.parse(frame.body))),
  ];
}

function publish(destination, body) {
  if (!state.stomp?.connected) { notify('Not connected yet; try again in a moment.'); return false; }
  state.stomp.publish({ destination, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return true;
}

// ---- a room ------------------------------------------------------------------------------------------------

async function openRoom(roomId) {
  state.roomId = roomId;
  state.messages = new Map();
  state.byTempId = new Map();
  $('typing').textContent = '';
  $('messages').replaceChildren();
  $('room').hidden = false;
  $('no-room').hidden = true;
  const room = await call('GET', `/api/v1/chatrooms/${roomId}`);
  state.names = new Map(room.participants.map((p) => [p.userId, p.nickname]));
  $('room-title').textContent = state.rooms.get(roomId)?.title || room.title || 'Room ' + roomId;
  subscribeRoom(roomId);
  const page = await call('GET', `/api/v1/messages/${roomId}?limit=30`);
  for (const message of page.items.reverse()) upsert(message);
  state.nextCursor = page.nextCursor;
  $('older').hidden = !state.nextCursor;
  scrollToEnd();
  await markRead();
  renderRooms();
  loadScheduled();
  $('text').focus();
}

$('older').addEventListener('click', async () => {
  const page = await call('GET', `/api/v1/messages/${state.roomId}?limit=30&before=${encodeURIComponent(state.nextCursor)}`);
  const list = $('messages');
  const first = list.firstChild;
  for (const message of page.items) {
    if (state.messages.has(message.id)) continue;
    state.messages.set(message.id, message);
    list.insertBefore(renderMessage(message), first);
  }
  state.nextCursor = page.nextCursor;
  $('older').hidden = !state.nextCursor;
});

async function markRead() {
  const room = state.rooms.get(state.roomId);
  if (room) room.unreadCount = 0;
  await call('POST', '/api/v1/messages/mark-read', { roomId: state.roomId });
}

function scrollToEnd() { $('messages').scrollTop = $('messages').scrollHeight; }

function receive(message) {
  if (message.roomId !== state.roomId) return;
  const isNew = !state.messages.has(message.id);
  upsert(message);
  if (isNew) {
    scrollToEnd();
    // Seen while the room is open: tell the sender (read receipt).
    if (message.senderId !== state.me.id && document.visibilityState === 'visible')
      publish('/app/read', { roomId: message.roomId, messageId: message.id });
  }
}

function upsert(message) {
  const pending = message.tempId && state.byTempId.get(message.tempId);
  const known = state.messages.get(message.id);
  // Statuses can overtake the broadcast: keep the furthest one.
  if (pending?.status && ORDER.indexOf(pending.status) > ORDER.indexOf(message.status)) message.status = pending.status;
  if (known?.status && ORDER.indexOf(known.status) > ORDER.indexOf(message.status)) message.status = known.status;
  state.messages.set(message.id, message);
  if (message.tempId && message.senderId === state.me.id) state.byTempId.set(message.tempId, message);
  const node = renderMessage(message);
  const existing = document.querySelector(`[data-message="${CSS.escape(message.id)}"]`)
    || (message.tempId && document.querySelector(`[data-temp="${CSS.escape(message.tempId)}"]`));
  if (existing) existing.replaceWith(node);
  else $('messages').append(node);
}

function updateStatus(update) {
  const message = state.byTempId.get(update.tempId);
  if (!message) { state.byTempId.set(update.tempId, { status: update.status }); return; }
  if (update.status !== 'FAILED' && ORDER.indexOf(update.status) <= ORDER.indexOf(message.status)) return;
  message.status = update.status;
  if (message.id) upsert(message);
}

function renderMessage(message) {
  const mine = message.senderId === state.me.id;
  const reactions = message.reactions || {};
  const preview = message.content?.urlPreview;
  const status = message.status || 'SENDING';
  return el('li', { class: 'message' + (mine ? ' mine' : ''), 'data-message': message.id || false, 'data-temp': message.tempId || false },
    el('div', { class: 'meta' },
      el('strong', {}, mine ? 'You' : state.names.get(message.senderId) || 'User ' + message.senderId),
      message.createdAt ? el('time', { datetime: message.createdAt }, new Date(message.createdAt).toLocaleTimeString()) : null,
      mine ? el('span', { class: 'status', 'data-status': status, 'aria-label': 'Status: ' + status.toLowerCase().replaceAll('_', ' ') },
        `${TICKS[status] || ''} ${status.replaceAll('_', ' ').toLowerCase()}`) : null,
      mine && message.readCount > 0 ? el('span', { class: 'read', 'data-read-count': message.readCount }, `Read by ${message.readCount}`) : null),
    el('p', { class: 'text' }, message.content?.isDeleted ? '(deleted)' : message.content?.text ?? ''),
    preview ? el('a', { class: 'preview', href: preview.url, rel: 'noopener noreferrer', target: '_blank' },
      el('strong', {}, preview.title || preview.url), preview.description ? el('span', {}, preview.description) : null) : null,
    status === 'SAVED' && message.id ? el('div', { class: 'reactions', role: 'group', 'aria-label': 'Reactions' },
      REACTIONS.map(([name, emoji]) => {
        const holders = reactions[name] || [];
        const pressed = holders.includes(state.me.id);
        return el('button', { type: 'button', 'aria-pressed': String(pressed), 'data-reaction': name,
          'aria-label': `${name} (${holders.length})`, onclick: () => react(message, name, pressed) },
        `${emoji} ${holders.length || ''}`.trim());
      })) : null);
}

async function react(message, name, pressed) {
  try {
    const updated = pressed
      ? await call('DELETE', `/api/v1/messages/reaction?messageId=${encodeURIComponent(message.id)}&reaction=${name}`)
      : await call('POST', '/api/v1/messages/reaction', { messageId: message.id, reaction: name });
    upsert(updated);
  } catch (error) { notify(error.message); }
}

// ---- composing: send, typing -------------------------------------------------------------------------------

$('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('text').value.trim();
  if (!text || !state.roomId) return;
  const tempId = crypto.randomUUID();
  if (!publish('/app/chat', { tempId, roomId: state.roomId, content: { text, type: 'TEXT' } })) return;
  state.byTempId.set(tempId, { status: 'SENDING' });
  $('text').value = '';
  sendTyping(false);
});

$('text').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); $('composer').requestSubmit(); }
});

$('text').addEventListener('input', () => {
  // At most one "typing" per second (the server's own limit too); "stopped" after 3 s without a key.
  if (Date.now() - state.lastTypingSent > 1000) sendTyping(true);
  clearTimeout(state.stopTypingTimer);
  state.stopTypingTimer = setTimeout(() => sendTyping(false), 3000);
});

function sendTyping(isTyping) {
  if (!state.roomId || !state.stomp?.connected) return;
  state.lastTypingSent = isTyping ? Date.now() : 0;
  if (!isTyping) clearTimeout(state.stopTypingTimer);
  publish('/app/typing', { roomId: state.roomId, isTyping });
}

function showTyping(event) {
  if (event.userId === state.me.id || event.roomId !== state.roomId) return;
  clearTimeout(state.typingTimers.get(event.userId));
  if (event.isTyping) {
    state.typingTimers.set(event.userId, setTimeout(() => showTyping({ ...event, isTyping: false }), 6000));
    state.names.set(event.userId, event.nickname || state.names.get(event.userId));
  } else state.typingTimers.delete(event.userId);
  const names = [...state.typingTimers.keys()].map((id) => state.names.get(id) || 'Someone');
  $('typing').textContent = names.length ? `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} typing…` : '';
}

// ---- people and rooms --------------------------------------------------------------------------------------

$('find-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const q = new FormData(event.target).get('q').trim();
  try {
    const { items } = await call('GET', `/api/v1/users/search?q=${encodeURIComponent(q)}&limit=10`);
    $('find-results').replaceChildren(...(items.length ? items.map((user) => el('li', {},
      el('span', {}, `${user.nickname} (@${user.username})`),
      el('button', { type: 'button', class: 'plain', 'aria-label': `Chat with ${user.nickname}`, onclick: () => chatWith(user) }, 'Chat')))
      : [el('li', {}, 'Nobody found.')]));
  } catch (error) { notify(error.message); }
});

async function chatWith(user) {
  try {
    const room = await call('POST', '/api/v1/chatrooms', { type: 'INDIVIDUAL', participantIds: [user.id] });
    $('find-results').replaceChildren();
    await loadRooms();
    await openRoom(room.id);
  } catch (error) { notify(error.message); }
}

// ---- scheduled messages ------------------------------------------------------------------------------------

async function loadScheduled() {
  const { items } = await call('GET', `/api/v1/messages/schedule?roomId=${state.roomId}`);
  $('scheduled').replaceChildren(...items.filter((s) => s.status === 'PENDING').map((s) => el('li', {},
    el('span', {}, `${new Date(s.scheduledAt).toLocaleString()}: ${s.text}`),
    el('button', { type: 'button', class: 'plain', 'aria-label': `Cancel the message scheduled for ${new Date(s.scheduledAt).toLocaleString()}`,
      onclick: async () => { await call('DELETE', `/api/v1/messages/schedule/${s.id}`); loadScheduled(); } }, 'Cancel'))));
}

$('schedule-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    await call('POST', '/api/v1/messages/schedule',
      { roomId: state.roomId, text: form.get('text'), scheduledAt: new Date(form.get('at')).toISOString() });
    event.target.reset();
    loadScheduled();
  } catch (error) { notify(error.message); }
});

// ---- boot --------------------------------------------------------------------------------------------------

if (session.get()) start().catch(() => { session.clear(); show('auth'); });
else show('auth');
