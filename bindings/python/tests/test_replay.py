"""Issue 11 §3 through the Python binding: the replay holes the core closed stay closed here (each
accepted message is committed, as its handler would)."""

import pytest

import hookwire

OLD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NEW = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
T = 1_700_000_000
BODY = b'{"id":"evt_1","type":"order.created"}'


def sign(secrets, scheme, msg_id="msg_1"):
    return hookwire.Signer(secrets, scheme=scheme).sign(BODY, msg_id=msg_id, timestamp=T, event_type="order.created")


@pytest.mark.parametrize("tolerance", [300, 1, 0])
def test_a_replay_in_the_last_second_of_the_window_is_refused(tolerance):
    verifier = hookwire.Verifier([OLD, NEW], tolerance=tolerance, replay_capacity=100)
    headers = sign(OLD, "hookwire")
    assert verifier.verify(BODY, headers, now=T).commit()
    with pytest.raises(hookwire.Replayed):
        verifier.verify(BODY, headers, now=T + tolerance)
    with pytest.raises(hookwire.TimestampTooOld):
        verifier.verify(BODY, headers, now=T + tolerance + 1)


@pytest.mark.parametrize("scheme", hookwire.SCHEMES)
def test_a_rotation_does_not_open_a_replay_through_the_other_signature(scheme):
    verifier = hookwire.Verifier([OLD, NEW], scheme=scheme, replay_capacity=100)
    both = sign([OLD, NEW], scheme)
    assert verifier.verify(BODY, both, now=T).commit()
    with pytest.raises(hookwire.Replayed):
        verifier.verify(BODY, both, now=T + 1)
    # The same message with only the second secret's signature left in the header.
    old_only, new_only = sign(OLD, scheme), sign(NEW, scheme)
    (signature,) = [name for name in both if old_only[name] != new_only[name]]
    trimmed = dict(both, **{signature: new_only[signature]})
    assert hookwire.Verifier(NEW, scheme=scheme).verify(BODY, trimmed, now=T).secret_index == 0
    with pytest.raises(hookwire.Replayed):
        verifier.verify(BODY, trimmed, now=T + 2)


@pytest.mark.parametrize("scheme", hookwire.SCHEMES)
@pytest.mark.parametrize("broken", ["", "caf\u00e9"], ids=["empty", "not ascii"])
def test_a_broken_copy_never_drops_the_real_message(scheme, broken):
    genuine = sign(OLD, scheme)
    for header in genuine:
        verifier = hookwire.Verifier([OLD, NEW], scheme=scheme, replay_capacity=100)
        try:
            verifier.verify(BODY, dict(genuine, **{header: broken}), now=T)
        except hookwire.WebhookError:
            # Refused: the genuine delivery must still get through, not be called a replay.
            assert verifier.verify(BODY, genuine, now=T).secret_index == 0, header
