// The Shoot web client: sign-in, rooms with live unread badges (SSE), search, favourites and presence; friends and
// friend requests; group rooms; and a chat view over SockJS + STOMP (messages with status ticks, typing, read counts,
// reactions, replies, threads, pins, edit and delete, forwarding, link previews, scheduled messages).
import { call, login, session, freshToken, whenSignedOut, ApiError } from './api.js';

const $ = (id) => document.getElementById(id);
const REACTIONS = [['thumbsup', '👍'], ['love', '❤️'], ['laugh', '😂']];
const ORDER = ['SENDING', 'SENT_TO_KAFKA', 'PROCESSING', 'SAVED'];
const TICKS = { SENDING: '…', SENT_TO_KAFKA: '✓', PROCESSING: '✓', SAVED: '✓✓', FAILED: '⚠' };

const state = {
  me: null, rooms: new Map(), roomId: null, names: new Map(), messages: new Map(), byTempId: new Map(),
  stomp: null, roomSubscriptions: [], typingTimers: new Map(), lastTypingSent: 0, stopTypingTimer: null,
  nextCursor: null, streams: [], maxSeq: 0, replyTo: null, pinned: [],
  thread: null, // {rootId, messages: Map, opener}
  roomFilter: null, // ids matching the room search, or null for all
  users: new Map(), // userId → User, for names in friend requests
  peers: new Map(), // INDIVIDUAL roomId → the other participant's userId
  presence: new Map(), // userId → status
  friends: [], timers: [], presenceAt: 0,
};
const EDIT_WINDOW_MS = 24 * 3600 * 1000;

function notify(text) {
  $('notice').textContent = text;
  $('notice').hidden = !text;
}

// Confirmations go to the polite status line and fade after a while; errors stay in the alert line until the next.
let toldTimer = null;
function tell(text) {
  $('notice-ok').textContent = text;
  clearTimeout(toldTimer);
  toldTimer = setTimeout(() => { $('notice-ok').textContent = ''; }, 8000);
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
  loadFriends();
  // Friend requests and presence have no stream of their own: refreshed now and then (and by the Refresh button).
  state.timers.push(setInterval(() => loadFriends(), 20_000), setInterval(() => loadPresence(true), 30_000));
}

function stop() {
  state.stomp?.deactivate();
  state.stomp = null;
  for (const stream of state.streams) stream.close();
  state.streams = [];
  state.roomId = null;
  for (const timer of state.timers) clearInterval(timer);
  state.timers = [];
  renderedRooms = null;
  closeThread();
  $('room').hidden = true;
}

let roomsLoads = 0;
async function loadRooms() {
  // Room updates come in bursts and answers can cross: only the latest load's answer is shown.
  const load = ++roomsLoads;
  const { items } = await call('GET', '/api/v1/chatrooms');
  if (load !== roomsLoads) return;
  state.rooms = new Map(items.map((room) => [room.id, room]));
  renderRooms();
  loadPresence();
}

const roomTitle = (room) => room.title || 'Room ' + room.id;

let renderedRooms = null;
function renderRooms() {
  const list = $('rooms');
  const favouritesOnly = $('favourites-only').checked;
  const shown = [...state.rooms.values()].filter((room) =>
    (!favouritesOnly || room.favorite) && (!state.roomFilter || state.roomFilter.has(room.id)));
  // The list reloads on every room update: rebuilt only when what it shows changed, so a click is never split
  // between a button and its replacement (and focus stays where it was).
  const shape = JSON.stringify([state.roomId, shown.map((room) => [room.id, room.title, room.type, room.favorite,
    room.id === state.roomId ? 0 : room.unreadCount, state.presence.get(state.peers.get(room.id))])]);
  if (shape === renderedRooms) return;
  renderedRooms = shape;
  list.replaceChildren(...shown.map((room) => {
    const unread = room.id === state.roomId ? 0 : room.unreadCount;
    const peer = state.peers.get(room.id);
    const status = peer && state.presence.get(peer);
    return el('li', {}, el('button', {
      type: 'button', class: 'open-room', 'aria-current': room.id === state.roomId ? 'true' : false, 'data-room': room.id,
      onclick: () => openRoom(room.id),
    }, status ? presenceDot(status) : null,
    el('span', { class: 'room-name' }, roomTitle(room)),
    room.type === 'GROUP' ? el('span', { class: 'kind' }, 'group') : null,
    unread > 0 ? el('span', { class: 'badge', 'aria-label': `${unread} unread` }, String(unread)) : null),
    el('button', { type: 'button', class: 'star', 'aria-pressed': String(!!room.favorite),
      'aria-label': `Favourite: ${roomTitle(room)}`, onclick: () => toggleFavourite(room) }, room.favorite ? '★' : '☆'));
  }));
  if (shown.length === 0) list.replaceChildren(el('li', { class: 'empty' },
    state.rooms.size === 0 ? 'No rooms yet.' : 'No room matches.'));
}

function presenceDot(status) {
  const online = status !== 'OFFLINE';
  return el('span', { class: 'presence', 'data-presence': status, role: 'img',
    'aria-label': online ? `${status.toLowerCase()}` : 'offline' });
}

async function toggleFavourite(room) {
  try {
    await call(room.favorite ? 'DELETE' : 'POST', `/api/v1/chatrooms/${room.id}/favorite`);
    // Reloaded rather than flipped here: a reload already under way would bring back the old flag.
    await loadRooms();
  } catch (error) { notify(error.message); }
}

// Room search asks the server (titles and the other participants' nicknames); a short pause between keys first.
let searchTimer = null;
$('room-search').addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const q = $('room-search').value.trim();
    try {
      state.roomFilter = q ? new Set((await call('GET', `/api/v1/chatrooms/search?q=${encodeURIComponent(q)}`)).items.map((r) => r.id)) : null;
      renderRooms();
    } catch (error) { notify(error.message); }
  }, 250);
});
$('favourites-only').addEventListener('change', () => renderRooms());

// Presence of the other side of each 1:1 room: its participants once (cached), the status from /users/{id}, which
// the server computes from live sessions.
async function loadPresence(force = false) {
  try {
    const individual = [...state.rooms.values()].filter((room) => room.type === 'INDIVIDUAL').slice(0, 30);
    for (const room of individual) {
      if (state.peers.has(room.id)) continue;
      const detail = await call('GET', `/api/v1/chatrooms/${room.id}`);
      const peer = detail.participants.find((p) => p.userId !== state.me.id);
      if (peer) state.peers.set(room.id, peer.userId);
    }
    const peers = [...new Set(individual.map((room) => state.peers.get(room.id)).filter(Boolean))];
    // The room list reloads on every room update; statuses are asked at most every 10 s unless a peer is new.
    if (!force && Date.now() - state.presenceAt < 10_000 && peers.every((id) => state.presence.has(id))) return;
    state.presenceAt = Date.now();
    await Promise.all(peers.map(async (id) => {
      const user = await call('GET', `/api/v1/users/${id}`);
      state.users.set(id, user);
      state.presence.set(id, user.status);
    }));
    renderRooms();
    renderRoomPresence();
  } catch {
    // Best effort: a room that went away meanwhile, or the server out of reach; the next round settles it.
  }
}

function renderRoomPresence() {
  const peer = state.peers.get(state.roomId);
  const status = peer && state.presence.get(peer);
  $('room-presence').replaceChildren(...(status ? [presenceDot(status), ' ' + (status === 'OFFLINE' ? 'offline' : status.toLowerCase())] : []));
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
  for (const name of ['friend-added', 'friend-removed']) updates.addEventListener(name, () => loadFriends());
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

// Resumes after the newest message on screen (x-resume-after-seq): the server first replays what came since, stored or
// still on its way to the store, then live ones. Nothing falls between the history page and the subscription, or into
// a reconnect; a message sent just then used to be neither in the page (not stored yet) nor live (not yet subscribed).
function subscribeRoom(roomId) {
  for (const subscription of state.roomSubscriptions) subscription.unsubscribe();
  if (!state.stomp?.connected) { state.roomSubscriptions = []; return; }
  state.roomSubscriptions = [
    state.stomp.subscribe(`/topic/messages/${roomId}`, (frame) => receive(JSON.parse(frame.body)),
      { 'x-resume-after-seq': String(state.maxSeq) }),
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
  state.maxSeq = 0;
  setReplyTo(null);
  closeThread();
  $('typing').textContent = '';
  $('messages').replaceChildren();
  $('room').hidden = false;
  $('no-room').hidden = true;
  const room = await call('GET', `/api/v1/chatrooms/${roomId}`);
  state.names = new Map(room.participants.map((p) => [p.userId, p.nickname]));
  $('room-title').textContent = state.rooms.get(roomId)?.title || room.title || 'Room ' + roomId;
  if (room.type === 'INDIVIDUAL') {
    const peer = room.participants.find((p) => p.userId !== state.me.id);
    if (peer) state.peers.set(roomId, peer.userId);
  }
  renderRoomPresence();
  const page = await call('GET', `/api/v1/messages/${roomId}?limit=30`);
  for (const message of page.items.reverse()) upsert(message);
  subscribeRoom(roomId); // after the page: it resumes after the page's newest message
  state.nextCursor = page.nextCursor;
  $('older').hidden = !state.nextCursor;
  scrollToEnd();
  await markRead();
  renderRooms();
  loadScheduled();
  loadPins();
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
  const known = state.messages.get(message.id);
  if (pinsChanged(known, message)) loadPins();
  if (state.thread && (message.threadId === state.thread.rootId || message.id === state.thread.rootId)) upsertThread(message);
  // A re-broadcast of an older message that is not on screen (an old message pinned, say) is not appended.
  const isNew = !known && !(message.seq && message.seq <= state.maxSeq && message.status !== 'SENDING');
  if (!known && !isNew) return;
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
  if (message.seq > state.maxSeq) state.maxSeq = message.seq;
  // Everyone's messages follow the room's status topic: the actions (reactions, pin, thread…) need a stored message.
  if (message.tempId) state.byTempId.set(message.tempId, message);
  replaceOrAppend($('messages'), message, renderMessage(message));
}

function replaceOrAppend(list, message, node) {
  const existing = list.querySelector(`[data-message="${CSS.escape(message.id)}"]`)
    || (message.tempId && list.querySelector(`[data-temp="${CSS.escape(message.tempId)}"]`));
  // An edit form open on this message stays open; the next render after it closes shows the new state.
  if (existing?.querySelector('.edit-form')) return;
  if (existing) existing.replaceWith(node);
  else list.append(node);
}

function updateStatus(update) {
  const message = state.byTempId.get(update.tempId);
  if (!message) { state.byTempId.set(update.tempId, { status: update.status }); return; }
  if (update.status !== 'FAILED' && ORDER.indexOf(update.status) <= ORDER.indexOf(message.status)) return;
  message.status = update.status;
  if (message.id) upsert(message);
  if (message.id && state.thread?.messages.has(message.id)) upsertThread(message);
}

function senderName(message) {
  return message.senderId === state.me.id ? 'You' : state.names.get(message.senderId) || 'User ' + message.senderId;
}

function snippet(message, length = 80) {
  if (!message) return 'an earlier message';
  const text = message.content?.isDeleted ? '(deleted)' : message.content?.text ?? '';
  return text.length > length ? text.slice(0, length) + '…' : text;
}

function renderMessage(message, { inThread = false } = {}) {
  const mine = message.senderId === state.me.id;
  const reactions = message.reactions || {};
  const preview = message.content?.urlPreview;
  const status = message.status || 'SENDING';
  const deleted = !!message.content?.isDeleted;
  const stored = status === 'SAVED' && message.id;
  const repliedTo = message.replyToMessageId && (state.messages.get(message.replyToMessageId) || state.thread?.messages.get(message.replyToMessageId));
  return el('li', { class: 'message' + (mine ? ' mine' : '') + (deleted ? ' deleted' : ''), 'data-message': message.id || false,
    'data-temp': message.tempId || false, 'data-pinned': message.isPinned ? 'true' : false },
  el('div', { class: 'meta' },
    el('strong', {}, senderName(message)),
    message.createdAt ? el('time', { datetime: message.createdAt }, new Date(message.createdAt).toLocaleTimeString()) : null,
    mine ? el('span', { class: 'status', 'data-status': status, 'aria-label': 'Status: ' + status.toLowerCase().replaceAll('_', ' ') },
      `${TICKS[status] || ''} ${status.replaceAll('_', ' ').toLowerCase()}`) : null,
    mine && message.readCount > 0 ? el('span', { class: 'read', 'data-read-count': message.readCount }, `Read by ${message.readCount}`) : null,
    message.isPinned ? el('span', { class: 'pinned-mark' }, '📌 pinned') : null,
    message.content?.isEdited && !deleted ? el('span', { class: 'edited' }, '(edited)') : null,
    message.forwardedFrom ? el('span', { class: 'forwarded' }, '↪ forwarded') : null,
    message.threadId && !inThread ? el('button', { type: 'button', class: 'link', onclick: (event) => openThread(message.threadId, event.currentTarget) }, '↳ in a thread') : null),
  message.replyToMessageId ? el('p', { class: 'quote' }, `Replying to ${repliedTo ? senderName(repliedTo) : 'a message'}: ${snippet(repliedTo)}`) : null,
  el('p', { class: 'text' }, deleted ? '(deleted)' : message.content?.text ?? ''),
  preview && !deleted ? el('a', { class: 'preview', href: preview.url, rel: 'noopener noreferrer', target: '_blank' },
    el('strong', {}, preview.title || preview.url), preview.description ? el('span', {}, preview.description) : null) : null,
  stored && !deleted ? el('div', { class: 'reactions', role: 'group', 'aria-label': 'Reactions' },
    REACTIONS.map(([name, emoji]) => {
      const holders = reactions[name] || [];
      const pressed = holders.includes(state.me.id);
      return el('button', { type: 'button', 'aria-pressed': String(pressed), 'data-reaction': name,
        'aria-label': `${name} (${holders.length})`, onclick: () => react(message, name, pressed) },
      `${emoji} ${holders.length || ''}`.trim());
    })) : null,
  stored && !deleted ? el('div', { class: 'actions', role: 'group', 'aria-label': 'Message actions' },
    inThread ? null : el('button', { type: 'button', class: 'plain small', onclick: () => setReplyTo(message) }, 'Reply'),
    inThread ? null : el('button', { type: 'button', class: 'plain small', onclick: (event) => openThread(message.threadId || message.id, event.currentTarget) }, 'Thread'),
    el('button', { type: 'button', class: 'plain small', 'data-action': 'pin', onclick: () => pin(message) }, message.isPinned ? 'Unpin' : 'Pin'),
    el('button', { type: 'button', class: 'plain small', onclick: (event) => openForward(message, event.currentTarget) }, 'Forward'),
    mine && Date.now() - Date.parse(message.createdAt) < EDIT_WINDOW_MS
      ? el('button', { type: 'button', class: 'plain small', onclick: (event) => startEdit(message, event.currentTarget.closest('.message')) }, 'Edit') : null,
    mine ? el('button', { type: 'button', class: 'plain small danger', onclick: () => remove(message) }, 'Delete') : null) : null);
}

// ---- edit, delete, pins, forwarding -------------------------------------------------------------------------

function startEdit(message, node) {
  const text = node.querySelector('.text');
  const area = el('textarea', { id: 'edit-' + message.id, rows: '2', maxlength: '4000', required: true });
  area.value = message.content.text;
  const cancel = () => { form.replaceWith(text); rerender(message.id); node.querySelector('button[data-action="pin"]')?.focus(); };
  const form = el('form', { class: 'edit-form', onsubmit: async (event) => {
    event.preventDefault();
    const value = area.value.trim();
    if (!value) return;
    try {
      const updated = await call('PUT', `/api/v1/messages/${message.id}`, { text: value });
      form.remove();
      upsert({ ...updated, status: 'SAVED' });
      if (state.thread?.messages.has(updated.id)) upsertThread(updated);
    } catch (error) { notify(error.message); }
  } },
  el('label', { for: 'edit-' + message.id, class: 'sr-only' }, 'Edit message'), area,
  el('div', { class: 'row' }, el('button', { type: 'submit', class: 'small' }, 'Save'),
    el('button', { type: 'button', class: 'plain small', onclick: cancel }, 'Cancel')));
  area.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') cancel();
    else if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  text.replaceWith(form);
  area.focus();
}

/** Re-renders a message from state (after an edit form closed without saving). */
function rerender(id) {
  const message = state.messages.get(id);
  if (message) upsert(message);
}

async function remove(message) {
  try {
    await call('DELETE', `/api/v1/messages/${message.id}`);
    // The re-broadcast on the room topic shows it deleted everywhere, here too.
  } catch (error) { notify(error.message); }
}

async function pin(message) {
  try {
    const before = state.messages.get(message.id);
    const updated = message.isPinned
      ? await call('DELETE', `/api/v1/messages/pin/${message.id}`)
      : await call('POST', '/api/v1/messages/pin', { messageId: message.id });
    // The answer shows it only if no re-broadcast came first: one that did is this change or a later one (the other
    // person unpinning it at once), and the answer read late must not undo it.
    if (state.messages.get(message.id) === before) upsert({ ...updated, status: 'SAVED' });
    loadPins();
  } catch (error) { notify(error.message); }
}

function pinsChanged(known, message) {
  if (!known) return !!message.isPinned;
  return known.isPinned !== message.isPinned || (message.isPinned && snippet(known) !== snippet(message));
}

async function loadPins() {
  const roomId = state.roomId;
  try {
    const { items } = await call('GET', `/api/v1/messages/pins/${roomId}`);
    if (roomId !== state.roomId) return;
    state.pinned = items;
    $('pins').hidden = items.length === 0;
    $('pin-list').replaceChildren(...items.map((message) => el('li', { 'data-pin': message.id },
      el('span', {}, `${senderName(message)}: ${snippet(message)}`),
      el('button', { type: 'button', class: 'plain small', 'aria-label': `Unpin "${snippet(message, 30)}"`,
        onclick: () => pin(message) }, 'Unpin'))));
  } catch (error) { notify(error.message); }
}

let forwarding = null;
function openForward(message, opener) {
  const targets = [...state.rooms.values()].filter((room) => room.id !== state.roomId);
  if (targets.length === 0) { notify('You have no other room to forward to.'); return; }
  forwarding = { message, opener };
  $('forward-preview').textContent = snippet(message, 200);
  $('forward-room').replaceChildren(...targets.map((room) => el('option', { value: room.id }, roomTitle(room))));
  $('forward-note').value = '';
  $('forward-dialog').showModal();
}

$('forward-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const note = $('forward-note').value.trim();
  try {
    await call('POST', '/api/v1/messages/forward', { messageId: forwarding.message.id,
      targetRoomIds: [Number($('forward-room').value)], additionalContent: note || undefined });
    $('forward-dialog').close();
    notify('');
    tell(`Forwarded to ${$('forward-room').selectedOptions[0]?.textContent}.`);
  } catch (error) { notify(error.message); }
});
$('forward-cancel').addEventListener('click', () => $('forward-dialog').close());
$('forward-dialog').addEventListener('close', () => { forwarding?.opener?.focus(); forwarding = null; });

// ---- replies and threads ------------------------------------------------------------------------------------

function setReplyTo(message) {
  state.replyTo = message;
  $('replying').hidden = !message;
  $('replying-text').textContent = message ? `Replying to ${senderName(message)}: ${snippet(message)}` : '';
  if (message) $('text').focus();
}
$('replying-cancel').addEventListener('click', () => { setReplyTo(null); $('text').focus(); });

async function openThread(rootId, opener) {
  state.thread = { rootId, messages: new Map(), opener };
  $('thread-messages').replaceChildren();
  $('thread').hidden = false;
  $('chat').classList.add('threaded');
  try {
    const page = await call('GET', `/api/v1/messages/thread?threadId=${encodeURIComponent(rootId)}&limit=50`);
    if (state.thread?.rootId !== rootId) return;
    upsertThread({ ...page.root, status: page.root.status || 'SAVED' });
    for (const message of page.items.reverse()) upsertThread(message);
    $('thread-title').textContent = `Thread: ${snippet(page.root, 40)}`;
    $('thread-text').focus();
  } catch (error) { notify(error.message); closeThread(); }
}

function upsertThread(message) {
  const thread = state.thread;
  const known = thread.messages.get(message.id);
  if (known?.status && ORDER.indexOf(known.status) > ORDER.indexOf(message.status)) message.status = known.status;
  thread.messages.set(message.id, message);
  replaceOrAppend($('thread-messages'), message, renderMessage(message, { inThread: true }));
}

function closeThread() {
  const opener = state.thread?.opener;
  state.thread = null;
  $('thread').hidden = true;
  $('chat').classList.remove('threaded');
  if (opener?.isConnected) opener.focus();
}
$('thread-close').addEventListener('click', () => closeThread());
$('thread').addEventListener('keydown', (event) => { if (event.key === 'Escape') closeThread(); });

$('thread-composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('thread-text').value.trim();
  if (!text || !state.thread) return;
  if (sendChat(text, { threadId: state.thread.rootId })) $('thread-text').value = '';
});
$('thread-text').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); $('thread-composer').requestSubmit(); }
});

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
  if (!sendChat(text, { replyToMessageId: state.replyTo?.id })) return;
  $('text').value = '';
  setReplyTo(null);
  sendTyping(false);
});

function sendChat(text, extra) {
  const tempId = crypto.randomUUID();
  if (!publish('/app/chat', { tempId, roomId: state.roomId, content: { text, type: 'TEXT' }, ...extra })) return false;
  state.byTempId.set(tempId, { status: 'SENDING' });
  return true;
}

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

// ---- friends and friend requests --------------------------------------------------------------------------

async function userName(id) {
  if (!state.users.has(id)) state.users.set(id, await call('GET', `/api/v1/users/${id}`));
  const user = state.users.get(id);
  return `${user.nickname} (@${user.username})`;
}

async function loadFriends() {
  if (!state.me) return;
  try {
    const [{ items: friends }, requests] = await Promise.all([
      call('GET', '/api/v1/users/friends'), call('GET', '/api/v1/users/friends/requests')]);
    state.friends = friends;
    for (const friend of friends) state.users.set(friend.id, friend);
    const incoming = await Promise.all(requests.incoming.map(async (r) => ({ r, name: await userName(r.fromUserId) })));
    const outgoing = await Promise.all(requests.outgoing.map(async (r) => ({ r, name: await userName(r.toUserId) })));
    const none = (text) => [el('li', { class: 'empty' }, text)];
    $('incoming').replaceChildren(...(incoming.length ? incoming.map(({ r, name }) => el('li', { 'data-request': r.id },
      el('span', {}, name),
      el('span', { class: 'row' },
        el('button', { type: 'button', class: 'small', 'aria-label': `Accept ${name}`, onclick: () => answer(r, 'accept') }, 'Accept'),
        el('button', { type: 'button', class: 'plain small', 'aria-label': `Decline ${name}`, onclick: () => answer(r, 'reject') }, 'Decline'))))
      : none('None.')));
    $('incoming-badge').hidden = incoming.length === 0;
    $('incoming-badge').textContent = String(incoming.length);
    $('incoming-badge').setAttribute('aria-label', `${incoming.length} friend requests to you`);
    $('outgoing').replaceChildren(...(outgoing.length ? outgoing.map(({ r, name }) => el('li', { 'data-request': r.id },
      el('span', {}, name + ' — waiting'),
      el('button', { type: 'button', class: 'plain small', 'aria-label': `Withdraw the request to ${name}`, onclick: () => withdraw(r) }, 'Withdraw')))
      : none('None.')));
    $('friends').replaceChildren(...(friends.length ? friends.map((friend) => el('li', {},
      el('span', {}, `${friend.nickname} (@${friend.username})`),
      el('button', { type: 'button', class: 'plain small', 'aria-label': `Chat with ${friend.nickname}`, onclick: () => chatWith(friend) }, 'Chat')))
      : none('No friends yet: send a request with their user code.')));
    renderGroupMembers();
  } catch (error) { notify(error.message); }
}

async function answer(request, verb) {
  try {
    await call('POST', `/api/v1/users/friends/requests/${request.id}/${verb}`);
    await loadFriends();
  } catch (error) { notify(error.message); }
}

async function withdraw(request) {
  try {
    await call('DELETE', `/api/v1/users/friends/requests/${request.id}`);
    await loadFriends();
  } catch (error) { notify(error.message); }
}

$('friend-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const code = $('friend-code').value.trim().toUpperCase();
  try {
    const request = await call('POST', '/api/v1/users/friends/requests', { userCode: code });
    event.target.reset();
    notify('');
    tell(request.status === 'ACCEPTED'
      ? `You are now friends with ${await userName(request.toUserId)}.` : `Friend request sent to ${await userName(request.toUserId)}.`);
    await loadFriends();
  } catch (error) { notify(error.message); }
});
$('friends-refresh').addEventListener('click', () => loadFriends());

// ---- group rooms -------------------------------------------------------------------------------------------

function renderGroupMembers() {
  const checked = new Set([...document.querySelectorAll('#group-members input:checked')].map((box) => box.value));
  $('group-members').replaceChildren(...(state.friends.length ? state.friends.map((friend) => el('label', { class: 'check' },
    el('input', { type: 'checkbox', name: 'member', value: friend.id, checked: checked.has(String(friend.id)) }),
    ` ${friend.nickname} (@${friend.username})`)) : [el('p', { class: 'empty' }, 'Add friends first (below).')]));
}

$('group-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const members = [...document.querySelectorAll('#group-members input:checked')].map((box) => Number(box.value));
  if (members.length === 0) { notify('Pick at least one friend for the group.'); return; }
  try {
    const room = await call('POST', '/api/v1/chatrooms', { type: 'GROUP', title: $('group-title').value.trim(), participantIds: members });
    event.target.reset();
    $('group-panel').open = false;
    await loadRooms();
    await openRoom(room.id);
  } catch (error) {
    notify(error instanceof ApiError && error.errors ? Object.values(error.errors).flat().join(' ') : error.message);
  }
});

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
