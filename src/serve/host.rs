//! Which requests `serve` answers: only those addressed to this server by an address
//! or a name nobody else controls.
//!
//! A web page on `evil.example` can point its own name at 127.0.0.1 (DNS rebinding);
//! the browser then treats this server as same-origin with that page and lets it read
//! every page of the knowledge base. The browser still sends `Host: evil.example`, so
//! refusing every Host that is not ours closes the hole. An IP literal cannot be
//! rebound, but only the addresses this server is reached by are accepted, so that the
//! rule stays one a reader can check: see docs/serve.md.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The host names and addresses a request may be addressed to.
#[derive(Debug, Clone, Copy)]
pub(super) struct Allowed {
    /// The `--bind` address; when it is unspecified (0.0.0.0, ::) the address each
    /// connection arrived at stands in for it.
    bind: IpAddr,
    port: u16,
}

impl Allowed {
    pub(super) fn new(bind: IpAddr, port: u16) -> Allowed {
        Allowed { bind: bind.to_canonical(), port }
    }

    /// Whether `authority` (a Host header, or the host of an absolute request target)
    /// names this server, for a connection that arrived at `local`.
    pub(super) fn accepts(&self, authority: &str, local: Option<IpAddr>) -> bool {
        let Some((host, port)) = split(authority) else {
            return false;
        };
        if port.is_some_and(|p| p != self.port) {
            return false;
        }
        match host {
            Host::Name(name) => name.eq_ignore_ascii_case("localhost"),
            Host::Ip(ip) => {
                let ip = ip.to_canonical();
                !ip.is_unspecified()
                    && (ip == IpAddr::V4(Ipv4Addr::LOCALHOST)
                        || ip == IpAddr::V6(Ipv6Addr::LOCALHOST)
                        || ip == self.bind
                        || (self.bind.is_unspecified() && local.map(|l| l.to_canonical()) == Some(ip)))
            }
        }
    }

    /// What a refused request is told: who this server answers to, and what it was asked for.
    pub(super) fn refusal(&self, asked: Asked<'_>) -> String {
        let port = self.port;
        let mut names = format!("localhost:{port}, 127.0.0.1:{port}, [::1]:{port}");
        if self.bind.is_unspecified() {
            names.push_str(&format!(" or this machine's address as you reached it, with port {port}"));
        } else if !self.bind.is_loopback() {
            names.push_str(&format!(" or {}", super::url_host(self.bind, port)));
        }
        let asked = match asked {
            // The Host comes from whoever sent the request: shown, but never raw.
            Asked::Host(h) => format!("Host {:?}", h.chars().take(100).collect::<String>()),
            Asked::Missing => "no Host header".into(),
            Asked::Twice => "more than one Host header".into(),
        };
        format!(
            "421 Misdirected Request: pmsite serve answers only requests addressed to {names} \
             (the port may be left out); this request had {asked}. \
             This protects the preview from web pages that rename themselves to this machine \
             (DNS rebinding). Open http://127.0.0.1:{port}/ instead.\n"
        )
    }
}

/// What a refused request named as its host.
pub(super) enum Asked<'a> {
    Host(&'a str),
    Missing,
    Twice,
}

enum Host<'a> {
    Ip(IpAddr),
    Name(&'a str),
}

/// Splits `host[:port]` as RFC 9110 writes it: an IPv6 address in brackets, a port of
/// digits only. Anything else (user info, an empty port, a bare IPv6 address) is `None`.
fn split(authority: &str) -> Option<(Host<'_>, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        (Host::Ip(IpAddr::V6(v6.parse().ok()?)), after)
    } else {
        let (name, after) = match authority.find(':') {
            Some(i) => authority.split_at(i),
            None => (authority, ""),
        };
        if name.is_empty() {
            return None;
        }
        // Strict dotted quads only: `127.1` or `0x7f.1` are not what a browser sends.
        let host = match name.parse::<Ipv4Addr>() {
            Ok(v4) => Host::Ip(IpAddr::V4(v4)),
            Err(_) => Host::Name(name),
        };
        (host, after)
    };
    let port = match port {
        "" => None,
        p => {
            let digits = p.strip_prefix(':')?;
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(digits.parse().ok()?)
        }
    };
    Some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn loopback_names_with_or_without_our_port() {
        let a = Allowed::new(LOOP, 1111);
        for ok in
            ["localhost", "LOCALHOST:1111", "127.0.0.1", "127.0.0.1:1111", "[::1]", "[::1]:1111", "[0:0:0:0:0:0:0:1]"]
        {
            assert!(a.accepts(ok, Some(LOOP)), "{ok}");
        }
        for bad in [
            "",
            ":1111",
            "localhost:",
            "localhost:1112",
            "localhost:01111x",
            "localhost:99999",
            "localhost.",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "evil.example",
            "127.1",
            "0x7f.0.0.1",
            "::1",
            "[::1",
            "[::1]1111",
            "[::1]:",
            "user@localhost",
            "localhost:1111@evil.example",
            "0.0.0.0:1111",
            "[::]:1111",
            "192.168.1.5:1111",
        ] {
            assert!(!a.accepts(bad, Some(LOOP)), "{bad}");
        }
    }

    #[test]
    fn the_bind_address_and_for_a_wildcard_the_address_reached() {
        let lan: IpAddr = "192.168.1.5".parse().unwrap();
        let a = Allowed::new(lan, 8000);
        assert!(a.accepts("192.168.1.5:8000", Some(lan)));
        assert!(!a.accepts("192.168.1.6:8000", Some(lan)));
        let any = Allowed::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 8000);
        assert!(any.accepts("192.168.1.5:8000", Some(lan)));
        assert!(!any.accepts("192.168.1.6:8000", Some(lan)));
        assert!(!any.accepts("0.0.0.0:8000", Some(lan)));
        // A dual-stack socket sees an IPv4 client at an IPv4-mapped IPv6 address.
        let mapped: IpAddr = "::ffff:192.168.1.5".parse().unwrap();
        let any6 = Allowed::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 8000);
        assert!(any6.accepts("192.168.1.5:8000", Some(mapped)));
        assert!(any6.accepts("[fe80::1]:8000", Some("fe80::1".parse().unwrap())));
        assert!(!any6.accepts("mylaptop.local:8000", Some(lan)));
    }

    #[test]
    fn the_refusal_says_where_to_go_and_quotes_the_host_safely() {
        let text = Allowed::new(LOOP, 1111).refusal(Asked::Host("evil.example\u{1b}[2J"));
        assert!(text.contains("http://127.0.0.1:1111/"), "{text}");
        assert!(text.contains(r#""evil.example\u{1b}[2J""#), "{text}");
        assert!(!text.contains('\u{1b}'));
        let lan = Allowed::new("10.0.0.2".parse().unwrap(), 80).refusal(Asked::Missing);
        assert!(lan.contains("10.0.0.2:80") && lan.contains("no Host header"), "{lan}");
    }
}
