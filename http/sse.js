// Server-Sent Events for the `SSE` steps of the .http files. A stream never ends by itself, so a step reads its first
// event and stops: firstEvent opens the stream, runs `trigger` (a request that makes the server send an event) once the
// stream is open, and answers the first event's data — or fails after a bounded wait, so the run never hangs.
'use strict';

const WAIT_MS = 30000;

function firstEvent(client, trigger, ms = WAIT_MS) {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (error, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(value);
    };
    const timer = setTimeout(() => finish(new Error(`no event within ${ms} ms`)), ms);
    client.addEventListener('message', evt => {
      const [type, response] = evt.detail;
      if (type === 'error') finish(new Error(`stream failed: ${response.body}`));
      else finish(undefined, JSON.parse(response.body));
    });
    const fire = () => Promise.resolve(trigger()).then(
      answer => answer?.ok === false && finish(new Error(`trigger answered ${answer.status}`)),
      error => finish(error));
    // The server subscribes the stream before it sends the response headers, so once the stream is open an event
    // caused now reaches it.
    if (client.nativeClient?.readyState === 1) fire();
    else client.addEventListener('metaData', evt => evt.detail[0] === 'open' && fire());
  });
}

module.exports = { firstEvent };
