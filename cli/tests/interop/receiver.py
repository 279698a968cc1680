"""An application behind `hookwire listen --forward-to`, verifying with the Standard Webhooks
library: it never trusts that listen checked anything.

Prints its port, then one JSON line per request: verified, error, the body as hex, the headers.
Answers 204 with `X-Receiver: python` when verified, 401 otherwise. The secret is in
HOOKWIRE_SECRET.
"""

import http.server
import json
import os
import sys

from standardwebhooks.webhooks import Webhook

HOOK = Webhook(os.environ["HOOKWIRE_SECRET"])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            HOOK.verify(body, headers)
            verified, error = True, None
        except Exception as err:
            verified, error = False, f"{type(err).__name__}: {err}"
        line = {
            "verified": verified,
            "error": error,
            "body_hex": body.hex(),
            "path": self.path,
            "headers": headers,
        }
        print(json.dumps(line), flush=True)
        self.send_response(204 if verified else 401)
        self.send_header("X-Receiver", "python")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
    sys.exit(0)
