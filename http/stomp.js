// STOMP 1.2 over httpyac's WebSocket client, for the `WS` steps of the .http files (messages.http, reactions.http,
// reads.http). httpyac sends a WS request's body as it is, and a STOMP frame must end with a NUL byte that a .http
// body cannot show, so the steps build their frames here. Every wait is bounded: a step that does not get the frame it
// waits for fails with a message saying which, and never hangs the run.
'use strict';

const WAIT_MS = 30000;

function frame(command, headers = {}, body = '') {
  const lines = Object.entries(headers).map(([name, value]) => `${name}:${value}`);
  return `${command}\n${lines.join('\n')}\n\n${body}\0`;
}

function parse(text) {
  const split = text.indexOf('\n\n');
  const head = (split < 0 ? text : text.slice(0, split)).split('\n');
  const body = split < 0 ? '' : text.slice(split + 2);
  const headers = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    // STOMP 1.2: the first occurrence of a repeated header wins.
    if (colon > 0 && !(line.slice(0, colon) in headers)) headers[line.slice(0, colon)] = line.slice(colon + 1);
  }
  let json;
  try {
    json = body ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }
  return { command: head[0], headers, body, json };
}

// A STOMP session on the step's WebSocket ($requestClient). Frames received are kept in order, so a wait also sees
// frames that arrived before it started.
function session(client) {
  const frames = [];
  const waiters = [];
  client.addEventListener('message', evt => {
    const [type, response] = evt.detail;
    if (type !== 'message' || typeof response.body !== 'string') return;
    // Heart-beats are bare EOLs; one WebSocket message may carry several frames.
    for (const text of response.body.split('\0')) {
      const trimmed = text.replace(/^[\r\n]+/, '');
      if (trimmed) frames.push(parse(trimmed));
    }
    for (const waiter of [...waiters]) waiter();
  });

  function waitFor(what, predicate, ms = WAIT_MS) {
    return new Promise((resolve, reject) => {
      let done = false;
      const check = () => {
        if (done) return;
        const error = frames.find(f => f.command === 'ERROR');
        const found = frames.find(predicate);
        if (found || error) {
          done = true;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          if (found) resolve(found);
          else reject(new Error(`STOMP ERROR while waiting for ${what}: ${error.headers.message} ${error.body}`));
        }
      };
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        waiters.splice(waiters.indexOf(check), 1);
        reject(new Error(`no ${what} within ${ms} ms; received: ${frames.map(f => f.command).join(', ') || 'nothing'}`));
      }, ms);
      waiters.push(check);
      check();
    });
  }

  const send = (command, headers, body) => client.send(frame(command, headers, body));

  return {
    frames,
    send,
    waitFor,

    async connect(token) {
      await send('CONNECT', { 'accept-version': '1.2', host: 'localhost', 'heart-beat': '0,0', Authorization: `Bearer ${token}` });
      return waitFor('CONNECTED', f => f.command === 'CONNECTED');
    },

    // SUBSCRIBE with a receipt, so nothing sent afterwards can overtake the subscription.
    async subscribe(id, destination) {
      await send('SUBSCRIBE', { id, destination, receipt: `sub-${id}` });
      return waitFor(`RECEIPT for ${destination}`, f => f.command === 'RECEIPT' && f.headers['receipt-id'] === `sub-${id}`);
    },

    // SEND to /app/chat and wait for the message's status to reach `status` on /topic/message/status/{roomId}
    // (subscribe to it, and to /user/queue/errors for refusals, first). Answers the statuses seen for the tempId, in order, and the last status payload.
    async chat(roomId, tempId, text, status = 'SAVED') {
      await send('SEND', { destination: '/app/chat', 'content-type': 'application/json' },
        JSON.stringify({ tempId, roomId: Number(roomId), content: { text, type: 'TEXT' } }));
      const last = await waitFor(`${status} for ${tempId}`, f =>
        f.command === 'MESSAGE' && f.json?.tempId === tempId && (f.json.status === status || f.json.status === 'FAILED' || f.json.code));
      const statuses = frames.filter(f => f.command === 'MESSAGE' && f.json?.tempId === tempId).map(f => f.json.status);
      return { statuses: statuses.join(','), persistedId: last.json.persistedId, seq: last.json.seq };
    },
  };
}

module.exports = { frame, parse, session };
