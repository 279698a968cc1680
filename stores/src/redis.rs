//! [`RedisStore`]: claims in Redis, shared by receivers on many machines.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{Client, Script};
use hookwire::{ClaimOutcome, ClaimRequest, ClaimToken, Error, SeenStore, UnixTime};

use crate::async_store::{AsyncSeenStore, StoreFuture};
use crate::runtime::{self, store_error, within};
use crate::StoreOptions;

/// Replay claims in Redis: `SET NX PX` with the claim's token, and commit and release as Lua
/// scripts that check the token atomically. For receivers on several machines.
///
/// Each key is `<namespace>:<replay key>`; its value is `c|d <deadline ms> <token>` (claimed or
/// done). The deadline is the verifiers' clock, kept in the value and compared by the scripts,
/// so Redis's own clock only decides when it frees the memory (`PX`, the same span).
///
/// One multiplexed connection serves every caller and reconnects by itself. Opening does no
/// I/O: a server that is down makes each step fail with `store_error` within the timeouts, and
/// service resumes when it is back. **Durability is Redis's**: a server that restarts without
/// persistence (AOF) forgets the committed messages, and their replays inside the window are
/// then accepted; use `appendonly yes`, or PostgreSQL, when that matters.
///
/// ```no_run
/// use hookwire_stores::{RedisStore, StoreOptions};
///
/// let store = RedisStore::open("redis://cache.internal:6379/0", &StoreOptions::default())?;
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    connection: ConnectionManager,
    prefix: String,
    timeout: Duration,
}

/// The longest expiry asked of Redis (about 100 years): a window longer than that is cut, so
/// that Redis never refuses an expiry that overflows its clock.
const MAX_PX: i64 = 100 * 365 * 24 * 3600 * 1000;

/// Claim, when `SET NX` found an entry: take it over if it no longer counts, else tell what it
/// is. KEYS[1] key; ARGV[1] new value, ARGV[2] now (ms), ARGV[3] PX.
/// Answers 0 claimed, 1 in progress, 2 done.
static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local entry = redis.call('GET', KEYS[1])
        if entry then
            local state, deadline = string.match(entry, '^([cd]) (%-?%d+) %x+$')
            if not state then
                return redis.error_reply('ERR hookwire: ' .. KEYS[1] .. ' is not a replay entry')
            end
            if tonumber(deadline) > tonumber(ARGV[2]) then
                if state == 'd' then return 2 end
                return 1
            end
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
        return 0
        ",
    )
});

/// Commit: when the entry holds our token or no longer counts. KEYS[1] key; ARGV[1] token,
/// ARGV[2] new value, ARGV[3] now (ms), ARGV[4] PX. Answers 1 committed, 0 not ours.
static COMMIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local entry = redis.call('GET', KEYS[1])
        if entry then
            local deadline, token = string.match(entry, '^[cd] (%-?%d+) (%x+)$')
            if not deadline then
                return redis.error_reply('ERR hookwire: ' .. KEYS[1] .. ' is not a replay entry')
            end
            if token ~= ARGV[1] and tonumber(deadline) > tonumber(ARGV[3]) then return 0 end
        end
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
        return 1
        ",
    )
});

/// Release: delete the entry only when it is a claim holding our token. KEYS[1] key; ARGV[1]
/// token. Answers 1 released, 0 not ours.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local entry = redis.call('GET', KEYS[1])
        if entry and string.match(entry, '^c %-?%d+ (%x+)$') == ARGV[1] then
            redis.call('DEL', KEYS[1])
            return 1
        end
        return 0
        ",
    )
});

impl RedisStore {
    /// A store on the server of `url` (`redis://[user:password@]host:port/db`, or
    /// `redis+unix:///path`), with keys under the options' namespace. Fails only on a URL that
    /// cannot be read (`invalid_argument`); no connection is made yet.
    pub fn open(url: &str, options: &StoreOptions) -> Result<RedisStore, Error> {
        let namespace = options.checked_namespace()?;
        let client = Client::open(url).map_err(|err| Error::InvalidArgument {
            argument: "url",
            reason: format!("not a usable Redis URL: {err}").into(),
        })?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.connect_timeout))
            .set_response_timeout(Some(options.timeout))
            // Reconnect quickly and briefly: while the server is down every step fails with
            // store_error anyway, and the next step starts a new attempt.
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        // The manager spawns its reconnection task on the runtime it is made in: ours.
        let _entered = runtime::handle()?.enter();
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|err| store_error("cannot set up the Redis connection", err))?;
        Ok(RedisStore {
            inner: Arc::new(Inner { connection, prefix: format!("{namespace}:"), timeout: options.timeout }),
        })
    }
}

fn value(state: char, deadline: UnixTime, token: &ClaimToken) -> String {
    format!("{state} {} {token}", deadline.as_millis())
}

/// How long Redis keeps an entry whose deadline is `until`: the same span as the verifiers'
/// clock gives it, at least 1 ms (Redis refuses 0).
fn px(until: UnixTime, now: UnixTime) -> i64 {
    until.as_millis().saturating_sub(now.as_millis()).clamp(1, MAX_PX)
}

fn failed(step: &str, err: ::redis::RedisError) -> Error {
    store_error(&format!("Redis {step}"), err)
}

impl Inner {
    async fn claim(self: Arc<Self>, request: ClaimRequest) -> Result<ClaimOutcome, Error> {
        within(self.timeout, "Redis claim", async {
            let mut connection = self.connection.clone();
            let key = format!("{}{}", self.prefix, request.key());
            let entry = value('c', request.claim_until(), request.token());
            let expiry = px(request.claim_until(), request.now());
            // The usual case, a new message, is one plain SET NX; only a key that is taken
            // needs the script (which also takes over an entry that lapsed by our clock).
            let set: Option<String> = ::redis::cmd("SET")
                .arg(&key)
                .arg(&entry)
                .arg("NX")
                .arg("PX")
                .arg(expiry)
                .query_async(&mut connection)
                .await
                .map_err(|e| failed("claim", e))?;
            if set.is_some() {
                return Ok(ClaimOutcome::Claimed);
            }
            let answer: i64 = CLAIM
                .key(&key)
                .arg(&entry)
                .arg(request.now().as_millis())
                .arg(expiry)
                .invoke_async(&mut connection)
                .await
                .map_err(|e| failed("claim", e))?;
            match answer {
                0 => Ok(ClaimOutcome::Claimed),
                1 => Ok(ClaimOutcome::InProgress),
                2 => Ok(ClaimOutcome::Done),
                other => Err(store_error("Redis claim", format!("unexpected answer {other}"))),
            }
        })
        .await
    }

    async fn commit(
        self: Arc<Self>,
        key: String,
        token: ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> Result<bool, Error> {
        within(self.timeout, "Redis commit", async {
            let mut connection = self.connection.clone();
            let answer: i64 = COMMIT
                .key(format!("{}{key}", self.prefix))
                .arg(token.as_str())
                .arg(value('d', keep_until, &token))
                .arg(now.as_millis())
                .arg(px(keep_until, now))
                .invoke_async(&mut connection)
                .await
                .map_err(|e| failed("commit", e))?;
            Ok(answer == 1)
        })
        .await
    }

    async fn release(self: Arc<Self>, key: String, token: ClaimToken) -> Result<bool, Error> {
        within(self.timeout, "Redis release", async {
            let mut connection = self.connection.clone();
            let answer: i64 = RELEASE
                .key(format!("{}{key}", self.prefix))
                .arg(token.as_str())
                .invoke_async(&mut connection)
                .await
                .map_err(|e| failed("release", e))?;
            Ok(answer == 1)
        })
        .await
    }
}

impl SeenStore for RedisStore {
    fn claim(&self, request: &ClaimRequest) -> Result<ClaimOutcome, Error> {
        runtime::block_on(self.inner.clone().claim(request.clone()))
    }

    fn commit(
        &self,
        key: &str,
        token: &ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> Result<bool, Error> {
        runtime::block_on(self.inner.clone().commit(key.to_owned(), token.clone(), keep_until, now))
    }

    fn release(&self, key: &str, token: &ClaimToken) -> Result<bool, Error> {
        runtime::block_on(self.inner.clone().release(key.to_owned(), token.clone()))
    }
}

impl AsyncSeenStore for RedisStore {
    fn claim<'a>(&'a self, request: &'a ClaimRequest) -> StoreFuture<'a, ClaimOutcome> {
        Box::pin(runtime::spawn(self.inner.clone().claim(request.clone())))
    }

    fn commit<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        keep_until: UnixTime,
        now: UnixTime,
    ) -> StoreFuture<'a, bool> {
        Box::pin(runtime::spawn(self.inner.clone().commit(key.to_owned(), token.clone(), keep_until, now)))
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> StoreFuture<'a, bool> {
        Box::pin(runtime::spawn(self.inner.clone().release(key.to_owned(), token.clone())))
    }
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL is left out: it may carry a password.
        f.debug_struct("RedisStore").field("prefix", &self.inner.prefix).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_follows_the_verifiers_span_within_what_redis_accepts() {
        let now = UnixTime::from_secs(1_700_000_000);
        assert_eq!(px(UnixTime::from_secs(1_700_000_060), now), 60_000);
        assert_eq!(px(now, now), 1, "a deadline already passed still needs a positive PX");
        assert_eq!(px(UnixTime::from_millis(i64::MAX), now), MAX_PX);
    }
}
