//! One HTTP client per tracker (ureq with rustls): timeouts, retries with backoff,
//! `Retry-After` and the rate-limit headers each service sends, and secrets kept out of
//! every message.

use crate::tickets::snapshot::TicketState;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How patient a sync is. Tests shorten everything.
#[derive(Debug, Clone)]
pub struct Limits {
    /// For one request, connection to last byte.
    pub timeout: Duration,
    /// Attempts after the first, for timeouts, connection errors, 5xx and rate limits.
    pub retries: u32,
    /// The first backoff; it doubles per attempt.
    pub backoff: Duration,
    /// The longest `Retry-After` or rate-limit reset worth waiting for; a longer one fails
    /// the request with the time the tracker named.
    pub max_wait: Duration,
    /// Requests in flight at once, over all trackers.
    pub concurrency: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(60),
            concurrency: 4,
        }
    }
}

pub(super) struct Request {
    pub(crate) post: bool,
    pub(crate) url: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Option<String>,
}

pub(super) struct Response {
    pub(crate) status: u16,
    pub(crate) etag: Option<String>,
    pub(crate) body: String,
}

/// Request headers that carry credentials.
pub(super) type Headers = Vec<(&'static str, String)>;

/// Everything a service module needs to ask one tracker.
pub(super) struct Conn<'a> {
    pub(crate) client: &'a Client,
    pub(crate) api: &'a str,
    pub(crate) auth: &'a [(&'static str, String)],
    /// Dates are days in the site's timezone.
    pub(crate) tz: &'a jiff::tz::TimeZone,
    /// Named in messages about credentials.
    pub(crate) token_env: Option<&'a str>,
}

/// One answer before it is judged.
struct Answer {
    status: u16,
    /// `Retry-After`.
    retry_after: Option<Duration>,
    /// Until the rate-limit window resets (sent on every answer by GitHub and GitLab).
    reset: Option<Duration>,
    /// The rate-limit headers say none are left.
    spent: bool,
    etag: Option<String>,
    body: String,
}

pub(super) struct Client {
    agent: ureq::Agent,
    limits: Limits,
    /// Values that must never be shown: tokens and the credentials made from them.
    secrets: Vec<String>,
    /// Set when a response said the rate limit is spent: no request before then.
    not_before: Mutex<Option<Instant>>,
}

/// A failure as the user reads it, secrets removed.
pub(super) type Failure = String;

impl Client {
    pub(super) fn new(limits: &Limits, secrets: Vec<String>) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(limits.timeout))
            // Statuses are answers to interpret (404 is "no such ticket"), not errors.
            .http_status_as_error(false)
            .user_agent(concat!("pmsite/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            limits: limits.clone(),
            secrets: secrets.into_iter().filter(|s| !s.is_empty()).collect(),
            not_before: Mutex::new(None),
        }
    }

    /// `text` with every secret replaced, for anything shown or stored.
    pub(super) fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            out = out.replace(s.as_str(), "[redacted]");
        }
        out
    }

    fn attempt(&self, req: &Request) -> Result<Answer, ureq::Error> {
        let mut resp = if req.post {
            let mut b = self.agent.post(&req.url);
            for (k, v) in &req.headers {
                b = b.header(*k, v);
            }
            b.content_type("application/json").send(req.body.as_deref().unwrap_or(""))?
        } else {
            let mut b = self.agent.get(&req.url);
            for (k, v) in &req.headers {
                b = b.header(*k, v);
            }
            b.call()?
        };
        let status = resp.status().as_u16();
        let h = resp.headers();
        let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).map(str::trim).map(String::from);
        let retry_after = get("retry-after").and_then(|v| retry_after(&v));
        // GitHub: x-ratelimit-reset; GitLab: ratelimit-reset; both in Unix seconds.
        let reset = get("x-ratelimit-reset").or_else(|| get("ratelimit-reset")).and_then(|v| until_epoch(&v));
        let spent = get("x-ratelimit-remaining").or_else(|| get("ratelimit-remaining")).is_some_and(|v| v == "0");
        let etag = get("etag");
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        Ok(Answer { status, retry_after, reset, spent, etag, body })
    }

    fn hold_until(&self, t: Instant) {
        let mut held = self.not_before.lock().unwrap_or_else(|e| e.into_inner());
        *held = Some(held.map_or(t, |h| h.max(t)));
    }

    fn wait_for_limit(&self) -> Result<(), Failure> {
        let until = *self.not_before.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = until {
            let left = t.saturating_duration_since(Instant::now());
            if left > self.limits.max_wait {
                return Err(format!(
                    "the tracker's rate limit is spent for another {} s; try again later",
                    left.as_secs()
                ));
            }
            std::thread::sleep(left);
        }
        Ok(())
    }

    /// Sends `req`, retrying what a retry can fix. Ok is any final answer, 4xx included.
    pub(super) fn send(&self, req: &Request) -> Result<Response, Failure> {
        let mut backoff = self.limits.backoff;
        let mut attempt = 0;
        loop {
            self.wait_for_limit()?;
            let last = attempt >= self.limits.retries;
            attempt += 1;
            match self.attempt(req) {
                Err(e) => {
                    let why = match &e {
                        ureq::Error::Timeout(_) => format!("no answer within {} s", self.limits.timeout.as_secs_f64()),
                        ureq::Error::Io(io) => format!("cannot reach the tracker: {io}"),
                        ureq::Error::ConnectionFailed => "cannot connect to the tracker".to_string(),
                        ureq::Error::HostNotFound => "the tracker's host name does not resolve".to_string(),
                        other => format!("the request failed: {other}"),
                    };
                    if last {
                        return Err(self.redact(&format!("{why} (after {attempt} attempts)")));
                    }
                    std::thread::sleep(backoff);
                    backoff *= 2;
                }
                Ok(Answer { status, retry_after, reset, spent, etag, body }) => {
                    // GitHub's secondary rate limits answer 403 with Retry-After.
                    let limited = status == 429 || (status == 403 && (spent || retry_after.is_some()));
                    // A reset time matters only once the limit is spent; Retry-After always.
                    let wait = retry_after.or(reset.filter(|_| spent));
                    // The limit is the tracker's, not this request's: every thread waits.
                    if (spent || limited)
                        && let Some(w) = wait
                    {
                        self.hold_until(Instant::now() + w);
                    }
                    if limited || status >= 500 {
                        if last {
                            let what = if limited {
                                "rate limited".to_string()
                            } else {
                                format!("the tracker answered {status}")
                            };
                            return Err(format!("{what} (after {attempt} attempts)"));
                        }
                        let what = if limited { "rate limited" } else { "unavailable" };
                        match wait {
                            Some(w) if w > self.limits.max_wait => {
                                return Err(format!(
                                    "{what}: the tracker asks to wait {} s, longer than {} s",
                                    w.as_secs(),
                                    self.limits.max_wait.as_secs()
                                ));
                            }
                            // Held above: `wait_for_limit` sleeps until then.
                            Some(_) if limited || spent => {}
                            Some(w) => std::thread::sleep(w),
                            None => std::thread::sleep(backoff),
                        }
                        backoff *= 2;
                        continue;
                    }
                    return Ok(Response { status, etag, body });
                }
            }
        }
    }
}

/// `Retry-After`: seconds, or an HTTP date.
fn retry_after(v: &str) -> Option<Duration> {
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let t = jiff::fmt::rfc2822::parse(v).ok()?.timestamp();
    Some(Duration::try_from(t.duration_since(jiff::Timestamp::now())).unwrap_or(Duration::ZERO))
}

/// A reset time given as Unix seconds, as a wait from now.
fn until_epoch(v: &str) -> Option<Duration> {
    let at = jiff::Timestamp::from_second(v.parse().ok()?).ok()?;
    Some(Duration::try_from(at.duration_since(jiff::Timestamp::now())).unwrap_or(Duration::ZERO))
}

/// The first `message` (GitHub, GitLab) or `errorMessages` (Jira) of an error body, cut
/// short: a hint for the user, never the whole body.
pub(super) fn service_message(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let m = v
        .get("message")
        .and_then(|m| m.as_str().map(String::from).or_else(|| m.as_object().map(|_| m.to_string())))
        .or_else(|| v.get("errorMessages")?.as_array()?.first()?.as_str().map(String::from))
        .or_else(|| v.get("error")?.as_str().map(String::from))?;
    let m: String = m.chars().filter(|c| !c.is_control()).take(200).collect();
    Some(m)
}

/// What a final 4xx answer means for every ticket of the request.
pub(super) fn refused(status: u16, body: &str, token_env: Option<&str>) -> String {
    let hint = service_message(body).map(|m| format!(": {m}")).unwrap_or_default();
    match status {
        401 => format!(
            "the tracker refused the credentials (401){hint}; check {}",
            token_env.map_or("the tracker's token_env in site.toml".to_string(), |e| format!("the token in {e}"))
        ),
        403 => format!("forbidden (403){hint}; the token may lack the scope to read issues"),
        404 | 410 => format!("not found ({status}): no such ticket, or the token cannot see it{hint}"),
        s => format!("the tracker answered {s}{hint}"),
    }
}

#[derive(Debug, Clone)]
pub(super) enum Outcome {
    Fetched {
        state: TicketState,
        etag: Option<String>,
    },
    /// A 304 to a conditional request: the last known state still holds.
    Unchanged,
    Failed(String),
}

/// A date as the trackers write it (`2024-04-01`, RFC 3339, or Jira's
/// `2024-03-28T10:00:00.000+0000`), as the day it was in the site's timezone.
pub(super) fn day(text: &str, tz: &TimeZone) -> Option<Date> {
    if let Ok(d) = text.parse::<Date>() {
        return Some(d);
    }
    let ts = text
        .parse::<jiff::Timestamp>()
        .ok()
        .or_else(|| jiff::fmt::strtime::parse("%Y-%m-%dT%H:%M:%S%.f%z", text).ok()?.to_timestamp().ok())?;
    Some(ts.to_zoned_datetime(tz.clone()).date())
}

#[cfg(test)]
mod tests {
    use super::day;

    #[test]
    fn dates_in_every_shape_the_trackers_write() {
        let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(day("2024-04-01", &tz), Some("2024-04-01".parse().unwrap()));
        assert_eq!(day("2024-03-28T23:30:00Z", &tz), Some("2024-03-29".parse().unwrap()));
        assert_eq!(day("2024-03-28T23:30:00.000Z", &tz), Some("2024-03-29".parse().unwrap()));
        assert_eq!(day("2024-03-28T10:00:00.000+0000", &tz), Some("2024-03-28".parse().unwrap()));
        assert_eq!(day("soon", &tz), None);
    }
}
