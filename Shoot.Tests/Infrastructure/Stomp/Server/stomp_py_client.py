"""Drives Shoot's STOMP server with Debian's python3-stomp (stomp.py) over a WebSocket.

stomp.py 8 ships only a TCP transport, so this adapts its BaseTransport to python3-websocket; everything
above the byte stream (framing, escaping, receipts, acks, transactions) is stomp.py's own code.
Usage: stomp_py_client.py <ws-url> <bearer-token> <expected-user-id>. Exit 0 = all checks passed.
"""
import sys
import threading
from urllib.parse import urlparse

try:
    import stomp
    import websocket
    from stomp.connect import BaseConnection
    from stomp.listener import ConnectionListener
    from stomp.protocol import Protocol12
    from stomp.transport import BaseTransport
except ImportError as missing:
    print(f"MISSING-MODULE: {missing}", file=sys.stderr)
    sys.exit(3)


class WebSocketTransport(BaseTransport):
    def __init__(self, url):
        BaseTransport.__init__(self, auto_decode=False)
        self.url = url
        parsed = urlparse(url)
        self.current_host_and_port = (parsed.hostname, parsed.port)
        self.vhost = parsed.hostname
        self.ws = None

    def attempt_connection(self):
        self.ws = websocket.create_connection(self.url, subprotocols=["v12.stomp"], timeout=30)
        if self.ws.subprotocol != "v12.stomp":
            raise AssertionError(f"server chose subprotocol {self.ws.subprotocol!r}")
        self.ws.settimeout(None)

    def send(self, encoded_frame):
        self.ws.send(encoded_frame, opcode=websocket.ABNF.OPCODE_TEXT)

    def receive(self):
        try:
            opcode, data = self.ws.recv_data()
        except (websocket.WebSocketConnectionClosedException, OSError):
            return b""
        return b"" if opcode == websocket.ABNF.OPCODE_CLOSE else data

    def is_connected(self):
        return self.ws is not None and self.ws.connected and BaseTransport.is_connected(self)

    def disconnect_socket(self):
        self.running = False
        if self.ws is not None:
            self.ws.close()
        if not self.notified_on_disconnect:
            self.notify("disconnected")

    def cleanup(self):
        if self.ws is not None:
            self.ws.close()


class WSStompConnection12(BaseConnection, Protocol12):
    def __init__(self, url):
        transport = WebSocketTransport(url)
        BaseConnection.__init__(self, transport)
        Protocol12.__init__(self, transport, (0, 0))

    def connect(self, *args, **kwargs):
        self.transport.start()
        Protocol12.connect(self, *args, **kwargs)

    def disconnect(self, receipt=None, headers=None, **keyword_headers):
        Protocol12.disconnect(self, receipt, headers, **keyword_headers)
        if receipt is not None:
            self.transport.stop()


class Recorder(ConnectionListener):
    def __init__(self):
        self.cond = threading.Condition()
        self.connected = None
        self.messages = []
        self.receipts = set()
        self.errors = []

    def _add(self, action):
        with self.cond:
            action()
            self.cond.notify_all()

    def on_connected(self, frame):
        self._add(lambda: setattr(self, "connected", frame))

    def on_message(self, frame):
        self._add(lambda: self.messages.append(frame))

    def on_receipt(self, frame):
        self._add(lambda: self.receipts.add(frame.headers["receipt-id"]))

    def on_error(self, frame):
        self._add(lambda: self.errors.append(frame))

    def wait(self, predicate, what):
        with self.cond:
            if not self.cond.wait_for(predicate, timeout=15):
                errors = [(e.headers, e.body) for e in self.errors]
                raise AssertionError(f"timed out waiting for {what}; errors: {errors}")

    def message_on(self, subscription, index=0):
        found = [m for m in self.messages if m.headers.get("subscription") == subscription]
        return found[index] if len(found) > index else None


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def main(url, token, user_id):
    conn = WSStompConnection12(url)
    rec = Recorder()
    conn.set_listener("recorder", rec)
    conn.connect(wait=True, headers={"Authorization": f"Bearer {token}"})
    rec.wait(lambda: rec.connected is not None, "CONNECTED")
    check(rec.connected.headers.get("user-name") == user_id, f"user-name {rec.connected.headers}")
    check(rec.connected.headers.get("version") == "1.2", f"version {rec.connected.headers}")

    conn.subscribe("/user/queue/errors", id="errors", headers={"receipt": "sub-errors"})
    conn.subscribe("/topic/python/1", id="py", ack="client-individual", headers={"receipt": "sub-py"})
    rec.wait(lambda: {"sub-errors", "sub-py"} <= rec.receipts, "subscribe receipts")

    text = "héllo: from stomp.py\nline two"
    conn.send("/topic/python/1", text, content_type="text/plain", headers={"receipt": "send-1", "x-note": "a:b\\c"})
    rec.wait(lambda: "send-1" in rec.receipts and rec.message_on("py"), "message and send receipt")
    message = rec.message_on("py")
    check(message.body.decode("utf-8") == text, f"body {message.body!r}")
    check(message.headers.get("destination") == "/topic/python/1", f"destination {message.headers}")
    check(message.headers.get("x-note") == "a:b\\c", f"escaped header {message.headers}")
    check("ack" in message.headers and "message-id" in message.headers, f"ack/message-id {message.headers}")
    conn.ack(message.headers["ack"], receipt="ack-1")
    rec.wait(lambda: "ack-1" in rec.receipts, "ack receipt")

    tx = conn.begin()
    conn.send("/topic/python/1", "in a transaction", transaction=tx)
    conn.commit(tx, receipt="commit-1")
    rec.wait(lambda: "commit-1" in rec.receipts and rec.message_on("py", 1), "committed message")
    committed = rec.message_on("py", 1)
    check(committed.body == b"in a transaction", f"committed body {committed.body!r}")
    conn.nack(committed.headers["ack"], receipt="nack-1")
    rec.wait(lambda: "nack-1" in rec.receipts, "nack receipt")

    conn.subscribe("/topic/forbidden/1", id="nope", headers={"receipt": "sub-nope"})
    rec.wait(lambda: "sub-nope" in rec.receipts and rec.message_on("errors"), "refusal on /user/queue/errors")
    check(b"FORBIDDEN" in rec.message_on("errors").body, f"refusal body {rec.message_on('errors').body!r}")
    check(not rec.errors, f"unexpected ERROR frames {[(e.headers, e.body) for e in rec.errors]}")

    conn.disconnect(receipt="bye")
    rec.wait(lambda: "bye" in rec.receipts, "disconnect receipt")
    print(f"STOMP.PY {'.'.join(map(str, stomp.__version__))} OK")


if __name__ == "__main__":
    try:
        main(*sys.argv[1:4])
    except Exception as failure:  # report everything as a test failure with a reason
        print(f"FAILED: {failure!r}", file=sys.stderr)
        sys.exit(1)
