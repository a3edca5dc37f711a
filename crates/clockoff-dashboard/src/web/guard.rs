//! What every page response carries, and the checks on form posts.
//!
//! CSRF: the session cookie is `SameSite=Strict`, so a browser never sends it with a request
//! started by another site; on top, a form post must come from this origin: a
//! `Sec-Fetch-Site` other than `same-origin` (or `none`, typed by the user) is refused, and so
//! is an `Origin` naming another host. Our `Referrer-Policy: no-referrer` makes browsers send
//! `Origin: null` on form posts, so `Sec-Fetch-Site` is the header that usually decides; a
//! client sending neither (curl, an old browser) is let through, as SameSite still holds.

use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, HOST, ORIGIN, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                       form-action 'self'; frame-ancestors 'none'";

/// Adds the page headers to a response (a `map_response` layer on the page routes).
pub async fn page_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // For browsers that predate frame-ancestors.
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Whether a form post came from a page of this origin (see the module's comment).
pub fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site")
        && !matches!(site.as_bytes(), b"same-origin" | b"none")
    {
        return false;
    }
    match headers.get(ORIGIN).map(HeaderValue::as_bytes) {
        None | Some(b"null") => true,
        Some(origin) => {
            let host = headers.get(HOST).map(HeaderValue::as_bytes);
            let origin_host = origin
                .strip_prefix(b"https://")
                .or_else(|| origin.strip_prefix(b"http://"));
            origin_host.is_some() && origin_host == host
        }
    }
}

/// Whether the session cookie gets `Secure`. The dashboard itself speaks plain http and
/// expects TLS from a proxy in front, so `Secure` is the rule; it is left off only when the
/// browser plainly reached us over http on a loopback address (a viewer on the server
/// itself, or tests), where a `Secure` cookie would be refused. A proxy on the same host must
/// pass either the public `Host` or `X-Forwarded-Proto: https` (the usual settings).
pub fn secure_cookie(headers: &HeaderMap) -> bool {
    let https = |name| {
        headers
            .get(name)
            .is_some_and(|v| v.as_bytes().starts_with(b"https"))
    };
    if https(ORIGIN.as_str()) || https("x-forwarded-proto") {
        return true;
    }
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    !is_loopback(host)
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, HeaderValue::from_static(value));
        }
        h
    }

    #[test]
    fn posts_from_another_site_are_refused() {
        let host = ("host", "dash.example:8080");
        assert!(same_origin(&headers(&[host])));
        assert!(same_origin(&headers(&[
            host,
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(same_origin(&headers(&[host, ("origin", "null")])));
        assert!(same_origin(&headers(&[
            host,
            ("origin", "https://dash.example:8080")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("sec-fetch-site", "same-site")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "https://evil.example")
        ])));
        assert!(!same_origin(&headers(&[(
            "origin",
            "https://evil.example"
        )])));
    }

    #[test]
    fn cookies_are_secure_except_over_plain_http_on_loopback() {
        assert!(!secure_cookie(&headers(&[("host", "127.0.0.1:8080")])));
        assert!(!secure_cookie(&headers(&[("host", "localhost")])));
        assert!(!secure_cookie(&headers(&[("host", "[::1]:80")])));
        assert!(secure_cookie(&headers(&[("host", "dash.example")])));
        assert!(secure_cookie(&headers(&[("host", "10.0.0.1:8080")])));
        assert!(secure_cookie(&headers(&[])));
        assert!(secure_cookie(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("x-forwarded-proto", "https")
        ])));
        assert!(secure_cookie(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "https://dash.example")
        ])));
    }
}
