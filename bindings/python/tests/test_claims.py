"""Replay claims through the Python binding, on each store (memory, a SQLite file, a real
PostgreSQL and a real Redis): the highlights of the stores' conformance suite — a duplicate while
the first is handled is in progress (409), a committed message is replayed (200), a released one
lets the retry through, a claim lapses after the claim time, a lost claim's commit is False and
changes nothing — through `verify`/`commit`/`release`, the context managers and the async API;
and a store that goes down fails closed within seconds (503), with the GIL released and the event
loop free while it is waited for."""

import asyncio
import threading
import time

import pytest

import hookwire
from servers import Server

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
T = 1_700_000_000
BODY = b'{"id":"evt_1","type":"order.created","data":{}}'


def signed(msg_id="msg_1", timestamp=T):
    return hookwire.Signer(SECRET).sign(BODY, msg_id=msg_id, timestamp=timestamp)


def receiver(store, **options):
    return hookwire.Verifier(SECRET, seen_store=store, **options)


def code_of(call):
    try:
        call()
    except hookwire.WebhookError as err:
        return err.code
    return "accepted"


def test_a_duplicate_while_the_first_is_handled_is_in_progress(store):
    verifier, headers = receiver(store), signed()
    first = verifier.verify(BODY, headers, now=T)
    assert (first.claimed, first.claim_until) == (True, T + 60)
    with pytest.raises(hookwire.ReplayInProgress) as busy:
        verifier.verify(BODY, headers, now=T + 1)
    assert busy.value.code == "replay_in_progress"
    assert hookwire.response_status(busy.value.code) == 409


def test_a_committed_message_is_replayed_until_its_window_ends(store):
    verifier, headers = receiver(store), signed()
    assert verifier.verify(BODY, headers, now=T).commit() is True
    for now in (T + 1, T + 300):
        with pytest.raises(hookwire.Replayed) as done:
            verifier.verify(BODY, headers, now=now)
        assert (done.value.code, hookwire.response_status("replayed")) == ("replayed", 200)
    with pytest.raises(hookwire.TimestampTooOld):
        verifier.verify(BODY, headers, now=T + 301)


def test_a_released_message_lets_the_senders_retry_through(store):
    verifier, headers = receiver(store), signed()
    failed = verifier.verify(BODY, headers, now=T)
    assert failed.release() is True
    assert failed.release() is False, "released once"
    retry = verifier.verify(BODY, headers, now=T + 2)
    assert retry.claimed and retry.commit() is True
    assert failed.release() is False, "a committed message is never released"


def test_a_claim_lapses_after_the_claim_time(store):
    verifier, headers = receiver(store, claim_ttl=30), signed()
    verifier.verify(BODY, headers, now=T)  # its handler died: neither committed nor released
    assert code_of(lambda: verifier.verify(BODY, headers, now=T + 29)) == "replay_in_progress"
    assert verifier.verify(BODY, headers, now=T + 30).claim_until == T + 60


def test_a_lost_claims_commit_is_false_and_changes_nothing(store):
    verifier, headers = receiver(store), signed()
    slow = verifier.verify(BODY, headers, now=T)
    retry = verifier.verify(BODY, headers, now=T + 61)  # the slow handler's claim lapsed
    assert slow.commit(now=T + 62) is False
    assert slow.release() is False, "a late release keeps the retry's claim"
    assert code_of(lambda: verifier.verify(BODY, headers, now=T + 63)) == "replay_in_progress"
    assert retry.commit(now=T + 63) is True
    assert code_of(lambda: verifier.verify(BODY, headers, now=T + 64)) == "replayed"


def test_a_commit_defaults_to_the_instant_verify_was_given(store):
    verifier, headers = receiver(store), signed()
    slow = verifier.verify(BODY, headers, now=T)
    verifier.verify(BODY, headers, now=T + 61)
    # At T (verify's `now`) the retry's claim counts: the slow handler's commit is refused.
    assert slow.commit() is False


def test_two_handles_on_one_store_share_its_claims(open_store):
    first, second = receiver(open_store()), receiver(open_store())
    headers = signed()
    claimed = first.verify(BODY, headers, now=T)
    assert code_of(lambda: second.verify(BODY, headers, now=T + 1)) == "replay_in_progress"
    claimed.commit()
    assert code_of(lambda: second.verify(BODY, headers, now=T + 2)) == "replayed"


def test_a_with_block_commits_on_success_and_releases_on_error(store):
    verifier = receiver(store)
    with verifier.verify(BODY, signed("ok"), now=T) as message:
        assert message.id == "ok"
    assert code_of(lambda: verifier.verify(BODY, signed("ok"), now=T + 1)) == "replayed"

    with pytest.raises(KeyError):
        with verifier.verify(BODY, signed("fails"), now=T):
            raise KeyError("the handler's database is down")
    assert verifier.verify(BODY, signed("fails"), now=T + 1).claimed, "the retry is accepted"


def test_the_async_api_claims_commits_and_releases(store):
    verifier = receiver(store)

    async def scenario():
        first = await verifier.verify_async(BODY, signed("a"), now=T)
        with pytest.raises(hookwire.ReplayInProgress):
            await verifier.verify_async(BODY, signed("a"), now=T + 1)
        assert await first.commit_async() is True
        with pytest.raises(hookwire.Replayed):
            await verifier.verify_async(BODY, signed("a"), now=T + 2)

        failed = await verifier.verify_async(BODY, signed("b"), now=T)
        assert await failed.release_async() is True
        async with await verifier.verify_async(BODY, signed("b"), now=T + 1) as retry:
            assert retry.id == "b"
        with pytest.raises(hookwire.Replayed):
            await verifier.verify_async(BODY, signed("b"), now=T + 2)

        with pytest.raises(ZeroDivisionError):
            async with await verifier.verify_async(BODY, signed("c"), now=T):
                1 / 0
        assert (await verifier.verify_async(BODY, signed("c"), now=T + 1)).claimed
        with pytest.raises(hookwire.InvalidSignature):
            await verifier.verify_async(BODY + b" ", signed("d"), now=T)

    asyncio.run(scenario())


def test_without_a_store_nothing_is_claimed():
    message = hookwire.Verifier(SECRET).verify(BODY, signed(), now=T)
    assert (message.claimed, message.claim_until, message.commit(), message.release()) == (False, None, False, False)
    with message:
        pass


def test_replay_capacity_is_the_shorthand_of_a_memory_store():
    verifier = hookwire.Verifier(SECRET, replay_capacity=1)
    assert verifier.seen_store.kind == "memory"
    verifier.verify(BODY, signed("a"), now=T)
    # Full of messages within their window: refused (503, the sender retries), never forgotten.
    assert code_of(lambda: verifier.verify(BODY, signed("b"), now=T)) == "store_error"
    with pytest.raises(hookwire.InvalidArgument, match="replay_capacity"):
        hookwire.Verifier(SECRET, replay_capacity=1, seen_store=hookwire.SeenStore.memory(1))


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: hookwire.SeenStore.memory(-1), "capacity"),
        (lambda: hookwire.SeenStore.sqlite(5), "path"),
        (lambda: hookwire.SeenStore.sqlite("x.db", namespace="no-dashes"), "namespace"),
        (lambda: hookwire.SeenStore.redis("redis://localhost", timeout_ms=-1), "timeout_ms"),
        (lambda: hookwire.SeenStore.open("mysql://db/app"), "url"),
        (lambda: hookwire.SeenStore.postgres("not a url at all"), "url"),
        (lambda: hookwire.SeenStore(), "new"),
        (lambda: hookwire.Verifier(SECRET, seen_store="sqlite:///x.db"), "seen_store"),
        (lambda: hookwire.Verifier(SECRET, claim_ttl=-5), "claim_ttl"),
        (lambda: hookwire.Verifier(SECRET).verify(BODY, signed(), now=T).commit(now="soon"), "now"),
    ],
)
def test_bad_store_arguments_are_invalid_arguments_naming_them(call, argument):
    with pytest.raises(hookwire.InvalidArgument, match=f"`{argument}`"):
        call()


def test_a_relative_sqlite_path_is_the_file_of_the_working_directory_at_open(tmp_path, monkeypatch):
    opened_in, then = tmp_path / "opened_in", tmp_path / "then"
    opened_in.mkdir()
    then.mkdir()
    monkeypatch.chdir(opened_in)
    verifier = receiver(hookwire.SeenStore.sqlite("replay.db"))
    monkeypatch.chdir(then)  # an app that changes directory after start-up
    verifier.verify(BODY, signed(), now=T).commit()
    time.sleep(0.5)  # the background checkpoints (every 200 ms) have opened the file again
    assert sorted(p.name for p in then.iterdir()) == [], "a second file, where the directory is now"
    assert (opened_in / "replay.db").stat().st_size > 0
    assert code_of(lambda: receiver(hookwire.SeenStore.sqlite(opened_in / "replay.db")).verify(BODY, signed(), now=T)) == "replayed"


def test_stores_are_opened_by_url(tmp_path, redis_server):
    assert hookwire.SeenStore.open("memory").kind == "memory"
    assert hookwire.SeenStore.open(f"sqlite://{tmp_path / 'r.db'}").kind == "sqlite"
    assert hookwire.SeenStore.open(redis_server.url).kind == "redis"
    assert "password" not in repr(hookwire.SeenStore.postgres("postgres://app:password@db.internal/app"))


# ---- a store that goes down ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["postgres", "redis"])
def test_a_store_killed_mid_run_fails_closed_within_seconds_then_service_resumes(kind):
    server = Server(kind)
    try:
        verifier = receiver(server.store(timeout_ms=1000))
        verifier.verify(BODY, signed("before"), now=T).commit()
        server.command("kill")
        for attempt in (lambda: verifier.verify(BODY, signed("during"), now=T),
                        lambda: asyncio.run(verifier.verify_async(BODY, signed("during"), now=T))):
            started = time.monotonic()
            with pytest.raises(hookwire.StoreError) as down:
                attempt()
            assert time.monotonic() - started < 5, "within the store's timeouts"
            assert hookwire.response_status(down.value.code) == 503
        server.command("restart")
        deadline = time.monotonic() + 15
        while True:  # the next steps reconnect
            try:
                message = verifier.verify(BODY, signed("during"), now=T)
                break
            except hookwire.StoreError:
                assert time.monotonic() < deadline, "service did not resume"
                time.sleep(0.2)
        assert message.claimed and message.commit() is True
    finally:
        server.stop()


def test_the_gil_is_released_while_a_store_waits(redis_server):
    verifier = receiver(redis_server.store(timeout_ms=1000))
    answers = []
    redis_server.command("pause")
    try:
        waiting = threading.Thread(target=lambda: answers.append(code_of(lambda: verifier.verify(BODY, signed(), now=T))))
        waiting.start()
        time.sleep(0.05)  # the other thread is in the store's call by now
        spins = 0
        while waiting.is_alive():
            spins += 1
        waiting.join()
    finally:
        redis_server.command("resume")
    assert answers == ["store_error"], "a hung store fails closed"
    # Holding the GIL through the wait, the store's call would stop this thread for the whole
    # second (it only gets the GIL back when the call returns): a handful of spins.
    assert spins > 100_000, spins


def test_verify_async_never_blocks_the_event_loop(redis_server):
    verifier = receiver(redis_server.store(timeout_ms=1000))

    async def scenario():
        ticks = 0
        claim = asyncio.ensure_future(verifier.verify_async(BODY, signed(), now=T))
        while not claim.done():
            await asyncio.sleep(0.01)
            ticks += 1
        with pytest.raises(hookwire.StoreError):
            claim.result()
        return ticks

    redis_server.command("pause")
    try:
        ticks = asyncio.run(scenario())
    finally:
        redis_server.command("resume")
    # About 100 ticks of 10 ms in the 1 s timeout; a blocked loop would tick once or twice.
    assert ticks >= 30, ticks
