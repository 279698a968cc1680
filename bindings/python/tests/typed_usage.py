"""A typed use of hookwire; `test_typing.py` runs mypy on it (not collected by pytest)."""

import hookwire


def receive(raw: bytes, headers: dict[str, str]) -> str:
    verifier = hookwire.Verifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", tolerance=300)
    try:
        message: hookwire.Message = verifier.verify(raw, headers)
    except hookwire.WebhookError as err:
        return err.code
    event: hookwire.Event = message.event
    kind: str = event.type
    ident: "str | None" = message.id
    return f"{kind} {ident} {event.data_json()}"


def send(body: bytes) -> dict[str, str]:
    return hookwire.Signer("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", scheme="standard-webhooks").sign(body)
