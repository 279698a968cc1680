"""hookwire against the providers' own Python libraries, both ways where they sign."""

import base64
import datetime
import time

import pytest

import hookwire

BODY = '{"type":"order.created","data":{"id":1001,"total_amount":45.99}}'


def test_standardwebhooks_signs_hookwire_verifies(secret):
    from standardwebhooks.webhooks import Webhook

    now = int(time.time())
    signature = Webhook(secret).sign("msg_sw1", datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc), BODY)
    headers = {"webhook-id": "msg_sw1", "webhook-timestamp": str(now), "webhook-signature": signature}
    message = hookwire.Verifier(secret, scheme="standard-webhooks").verify(BODY.encode(), headers)
    assert message.id == "msg_sw1"


def test_hookwire_signs_standardwebhooks_verifies(secret):
    from standardwebhooks.webhooks import Webhook

    headers = hookwire.Signer(secret, scheme="standard-webhooks").sign(BODY.encode(), msg_id="msg_sw2")
    assert Webhook(secret).verify(BODY, headers)["data"]["id"] == 1001
    tampered = dict(headers, **{"webhook-signature": "v1," + base64.b64encode(b"\0" * 32).decode()})
    with pytest.raises(Exception):
        Webhook(secret).verify(BODY, tampered)


def test_stripe_header_verifies_and_hookwire_header_satisfies_stripe():
    import stripe

    # The shape of a dashboard secret (whsec_ + 32 base62 characters).
    secret = "whsec_7Hn3kQpZ2mN8vR4tY6wX1aB5cD9eF0gJ"
    header = stripe.WebhookSignature.generate_signature_header(BODY, secret)
    message = hookwire.Verifier(secret, scheme="stripe").verify(BODY.encode(), {"Stripe-Signature": header})
    assert message.timestamp is not None
    ours = hookwire.Signer(secret, scheme="stripe").sign(BODY.encode())
    assert stripe.WebhookSignature.verify_header(BODY, ours["stripe-signature"], secret, tolerance=300)


def test_slack_sdk_signature_verifies_and_slack_accepts_hookwire():
    from slack_sdk.signature import SignatureVerifier

    secret = "8f742231b10e8888abcd99yyyzzz85a5"
    slack = SignatureVerifier(secret)
    now = str(int(time.time()))
    signature = slack.generate_signature(timestamp=now, body=BODY)
    headers = {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": signature}
    assert hookwire.Verifier(secret, scheme="slack").verify(BODY.encode(), headers).timestamp == int(now)
    ours = hookwire.Signer(secret, scheme="slack").sign(BODY.encode())
    assert slack.is_valid(BODY, ours["x-slack-request-timestamp"], ours["x-slack-signature"])
