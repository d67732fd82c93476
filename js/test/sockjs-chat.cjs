// Drives Shoot's SockJS service with the real sockjs-client and @stomp/stompjs, forced onto one SockJS transport.
// Usage: node sockjs-chat.cjs <baseUrl> <transport> <aliceToken> <bobToken> <roomId>
// Prints one JSON line with what each side saw; the xunit test (SockJsNodeClientTests) asserts on it.
'use strict';
const SockJS = require('sockjs-client');
const { Client } = require('@stomp/stompjs');

const [baseUrl, transport, aliceToken, bobToken, roomId] = process.argv.slice(2);
// sockjs-client gives a transport a few round trips of the /info request's time to open; on a loaded test machine
// the first request to a cold endpoint can take longer, so allow 10 s.
const SOCKJS_OPTIONS = { transports: [transport], timeout: 10000 };
const TEXT = 'hi over ' + transport + ': 100% "quoted" \u2028 line-sep, emoji \u{1F600}, <tag> & \\ backslash';

function connect(token) {
  return new Promise((resolve, reject) => {
    const seen = { messages: [], statuses: [], errors: [], transport: null };
    let sock;
    const client = new Client({
      webSocketFactory: () => {
        sock = new SockJS(baseUrl + '/ws/chat', null, SOCKJS_OPTIONS);
        return sock;
      },
      connectHeaders: { Authorization: 'Bearer ' + token },
      reconnectDelay: 0,
      heartbeatIncoming: 10000,
      heartbeatOutgoing: 10000,
      onConnect: () => {
        seen.transport = sock.transport;
        client.subscribe('/topic/messages/' + roomId, (m) => seen.messages.push(JSON.parse(m.body)));
        client.subscribe('/topic/message/status/' + roomId, (m) => seen.statuses.push(JSON.parse(m.body)));
        client.subscribe('/user/queue/errors', (m) => seen.errors.push(JSON.parse(m.body)));
        // A receipt on the last SUBSCRIBE: every subscription is registered once it arrives.
        const receipt = 'subscribed-' + Math.random();
        client.watchForReceipt(receipt, () => resolve({ client, seen }));
        client.subscribe('/user/queue/notifications', () => {}, { receipt });
      },
      onStompError: (frame) => reject(new Error('STOMP ERROR: ' + frame.headers.message)),
      onWebSocketClose: (event) => reject(new Error('closed before CONNECTED: ' + event.code + ' ' + event.reason)),
    });
    client.activate();
  });
}

function waitFor(predicate, what, ms = 30000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (predicate()) { clearInterval(timer); resolve(); }
      else if (Date.now() - started > ms) { clearInterval(timer); reject(new Error('timed out waiting for ' + what)); }
    }, 50);
  });
}

// A bad token: the server answers CONNECT with an ERROR frame and closes the SockJS session.
function refusedConnect() {
  return new Promise((resolve) => {
    const outcome = { error: null, closed: false, connected: false };
    const client = new Client({
      webSocketFactory: () => new SockJS(baseUrl + '/ws/chat', null, SOCKJS_OPTIONS),
      connectHeaders: { Authorization: 'Bearer not-a-token' },
      reconnectDelay: 0,
      onConnect: () => { outcome.connected = true; },
      onStompError: (frame) => { outcome.error = frame.headers.message; },
      onWebSocketClose: () => { outcome.closed = true; client.deactivate(); resolve(outcome); },
    });
    client.activate();
  });
}

async function main() {
  const alice = await connect(aliceToken);
  const bob = await connect(bobToken);
  alice.client.publish({
    destination: '/app/chat',
    body: JSON.stringify({ tempId: 't-' + transport, roomId: Number(roomId), content: { text: TEXT, type: 'TEXT' } }),
    headers: { 'content-type': 'application/json' },
  });
  await waitFor(() => bob.seen.messages.length >= 1, 'bob to receive the message');
  await waitFor(() => alice.seen.statuses.some((s) => s.status === 'SAVED'), 'alice to see SAVED');
  const badToken = await refusedConnect();
  await alice.client.deactivate();
  await bob.client.deactivate();
  console.log(JSON.stringify({
    sentText: TEXT,
    aliceTransport: alice.seen.transport,
    bobTransport: bob.seen.transport,
    bobMessages: bob.seen.messages,
    aliceStatuses: alice.seen.statuses.map((s) => s.status),
    errors: alice.seen.errors.concat(bob.seen.errors),
    badToken,
  }));
}

main().then(() => process.exit(0), (error) => { console.error(error.stack || String(error)); process.exit(1); });
