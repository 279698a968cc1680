"""Checks a request signed by `hookwire sign --json` with the provider's own Python library.

Usage: provider_libraries.py SCHEME BODY_FILE < headers.json, the secret in HOOKWIRE_SECRET.
Prints `accepted` and exits 0, or prints why the library refused and exits 1.
"""

import json
import os
import sys


def check(scheme: str, body: bytes, headers: dict, secret: str) -> None:
    if scheme == "standard-webhooks":
        from standardwebhooks.webhooks import Webhook

        Webhook(secret).verify(body, headers)
    elif scheme == "stripe":
        import stripe

        stripe.WebhookSignature.verify_header(body.decode(), headers["stripe-signature"], secret, tolerance=300)
    elif scheme == "slack":
        from slack_sdk.signature import SignatureVerifier

        timestamp, signature = headers["x-slack-request-timestamp"], headers["x-slack-signature"]
        if not SignatureVerifier(secret).is_valid(body, timestamp, signature):
            raise ValueError("slack_sdk: the signature is not valid")
    else:
        raise SystemExit(f"no provider library for {scheme}")


def main() -> int:
    scheme, body_file = sys.argv[1], sys.argv[2]
    headers = json.load(sys.stdin)
    with open(body_file, "rb") as file:
        body = file.read()
    try:
        check(scheme, body, headers, os.environ["HOOKWIRE_SECRET"])
    except Exception as err:  # each library has its own exception types
        print(f"refused: {type(err).__name__}: {err}")
        return 1
    print("accepted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
