//! Sends webhooks: signed per the Standard Webhooks scheme (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "id.timestamp.body">`), posted with reqwest without following
//! redirects, bounded in time, and guarded against server-side request
//! forgery: a host's addresses are checked when it is resolved for the
//! connection itself, so a name cannot pass the check and then rebind to a
//! private address.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use cabinet_domain::webhooks::MAX_RESPONSE_BODY;
use cabinet_domain::webhooks::{SendFailure, WebhookRequest, WebhookResponse, WebhookSender};
use hmac::{Hmac, Mac as _};
use rand::RngCore as _;
use sha2::Sha256;

mod guard;

pub use guard::{GuardOptions, forbidden};

/// The resolver's refusal, found again in reqwest's error chain.
#[derive(Debug)]
struct Refusal(String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

/// Resolves names for reqwest and refuses any that lead somewhere forbidden.
#[derive(Debug, Clone, Copy)]
struct GuardedResolver(GuardOptions);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let options = self.0;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some((addr, why)) = addrs.iter().find_map(|a| forbidden(a.ip(), options).map(|why| (a.ip(), why))) {
                return Err(Box::new(Refusal(format!("{host} resolves to {addr}, {why}"))) as _);
            }
            if addrs.is_empty() {
                return Err(format!("{host} does not resolve").into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A [`WebhookSender`] over reqwest.
#[derive(Debug, Clone)]
pub struct HttpWebhookSender {
    client: reqwest::Client,
    options: GuardOptions,
}

impl HttpWebhookSender {
    /// A sender with the given guard and time limits.
    ///
    /// # Errors
    /// When the HTTP client cannot be built (no TLS roots).
    pub fn new(options: GuardOptions, connect_timeout: Duration, timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver(options)))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .user_agent(concat!("Cabinet-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client, options })
    }

    /// The URL's scheme and literal address, checked before any request.
    fn check_shape(&self, url: &str) -> Result<reqwest::Url, SendFailure> {
        let parsed = reqwest::Url::parse(url).map_err(|e| SendFailure::Refused(format!("not a URL: {e}")))?;
        match parsed.scheme() {
            "https" => {}
            "http" if self.options.allow_loopback => {}
            "http" => return Err(SendFailure::Refused("webhook URLs must use https".into())),
            other => return Err(SendFailure::Refused(format!("{other}: URLs are not allowed"))),
        }
        // Literal addresses never reach the resolver, so they are checked here.
        if let Some(ip) = literal_address(&parsed)
            && let Some(why) = forbidden(ip, self.options)
        {
            return Err(SendFailure::Refused(format!("{ip} is {why}")));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(SendFailure::Refused("the URL names no host".into()));
        }
        Ok(parsed)
    }
}

/// The URL's host when it is an IP address rather than a name.
fn literal_address(url: &reqwest::Url) -> Option<IpAddr> {
    url.host_str()?.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

/// The `webhook-signature` value for a message.
///
/// # Errors
/// When the secret is not `whsec_` followed by base64.
pub fn sign(secret: &str, message_id: &str, timestamp: i64, body: &str) -> Result<String, String> {
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|e| format!("the signing secret is not base64: {e}"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(format!("{message_id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Ok(format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())))
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The guard's refusal, if that is why the request failed.
fn refusal(err: &reqwest::Error) -> Option<String> {
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<Refusal>() {
            return Some(refused.0.clone());
        }
        source = cause.source();
    }
    None
}

/// The whole chain of causes, which is where reqwest says what happened.
fn describe(err: &reqwest::Error) -> String {
    let mut text = if err.is_timeout() { "timed out".to_owned() } else { err.to_string() };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    // The receiver's URL may carry its own credentials in the query: the
    // delivery log and the logs get it without.
    if let Some(url) = err.url() {
        let mut bare = url.clone();
        bare.set_query(None);
        bare.set_fragment(None);
        let _ = bare.set_password(None);
        text = text.replace(url.as_str(), bare.as_str());
    }
    text
}

#[async_trait]
impl WebhookSender for HttpWebhookSender {
    async fn check_url(&self, url: &str) -> Result<(), SendFailure> {
        let parsed = self.check_shape(url)?;
        if literal_address(&parsed).is_none()
            && let Some(host) = parsed.host_str()
        {
            let port = parsed.port_or_known_default().unwrap_or(443);
            let addrs = tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| SendFailure::Refused(format!("{host} does not resolve: {e}")))?;
            for addr in addrs {
                if let Some(why) = forbidden(addr.ip(), self.options) {
                    return Err(SendFailure::Refused(format!("{host} resolves to {}, {why}", addr.ip())));
                }
            }
        }
        Ok(())
    }

    fn new_secret(&self) -> String {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        format!("whsec_{}", BASE64.encode(key))
    }

    async fn send(&self, request: &WebhookRequest) -> Result<WebhookResponse, SendFailure> {
        let url = self.check_shape(&request.url)?;
        let timestamp = request.timestamp.timestamp();
        let signature =
            sign(&request.secret, &request.message_id, timestamp, &request.body).map_err(SendFailure::Refused)?;
        let started = Instant::now();
        let sent = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &request.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(request.body.clone())
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => {
                // The resolver's refusal surfaces as a connect error.
                if let Some(why) = refusal(&e) {
                    return Err(SendFailure::Refused(why));
                }
                return Err(SendFailure::NoResponse { error: describe(&e), duration_ms: elapsed_ms(started) });
            }
        };
        let status = response.status().as_u16();
        let mut body = Vec::new();
        // Only the start of the body is kept; the rest is not even read.
        while body.len() < MAX_RESPONSE_BODY {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk[..chunk.len().min(MAX_RESPONSE_BODY - body.len())]),
                Ok(None) | Err(_) => break,
            }
        }
        Ok(WebhookResponse {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
            duration_ms: elapsed_ms(started),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: GuardOptions = GuardOptions { allow_loopback: false };
    const DEV: GuardOptions = GuardOptions { allow_loopback: true };

    #[test]
    fn private_loopback_link_local_and_metadata_addresses_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
            "64:ff9b::a00:1",
            "192.0.0.8",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "192.88.99.1",
            // IPv6 forms that embed an IPv4 address, and obsolete or special blocks.
            "::127.0.0.1",
            "::8.8.8.8",
            "::ffff:0:7f00:1",
            "::ffff:0:808:808",
            "2002:7f00:1::",
            "2002:a00:1::1",
            "2001::7f00:1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:2::1",
            "2001:db8::1",
            "3fff::1",
            "fec0::1",
            "100::1",
            "64:ff9b:1::a00:1",
            "5f00::1",
            "::",
        ] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(forbidden(ip, STRICT).is_some(), "{ip} must be refused");
        }
        for ip in
            ["93.184.216.34", "2606:4700::1111", "8.8.8.8", "::ffff:8.8.8.8", "2002:808:808::1", "64:ff9b::808:808"]
        {
            assert_eq!(forbidden(ip.parse().expect("ip"), STRICT), None, "{ip} is public");
        }
        assert_eq!(forbidden("127.0.0.1".parse().expect("ip"), DEV), None, "development allows loopback");
        assert!(forbidden("10.0.0.1".parse().expect("ip"), DEV).is_some(), "but never private ranges");
    }

    #[tokio::test]
    async fn embedded_ipv4_forms_are_refused_at_creation_and_at_send() {
        let sender = HttpWebhookSender::new(STRICT, Duration::from_secs(2), Duration::from_secs(2)).expect("client");
        for host in ["[::127.0.0.1]", "[::ffff:0:7f00:1]", "[2002:7f00:1::]", "[2001::7f00:1]", "[fec0::1]"] {
            let url = format!("https://{host}/hook");
            assert!(matches!(sender.check_url(&url).await, Err(SendFailure::Refused(_))), "{url} at creation");
            let request = WebhookRequest {
                url: url.clone(),
                message_id: "msg_1".into(),
                timestamp: chrono::Utc::now(),
                body: "{}".into(),
                secret: "whsec_c2VjcmV0".into(),
            };
            assert!(matches!(sender.send(&request).await, Err(SendFailure::Refused(_))), "{url} at send");
        }
    }

    #[tokio::test]
    async fn a_name_resolving_to_a_forbidden_address_is_refused_at_connect_time() {
        let sender = HttpWebhookSender::new(STRICT, Duration::from_secs(2), Duration::from_secs(2)).expect("client");
        let request = WebhookRequest {
            // http is refused before any lookup, so this goes through the resolver.
            url: "https://localhost:9/hook".into(),
            message_id: "msg_1".into(),
            timestamp: chrono::Utc::now(),
            body: "{}".into(),
            secret: "whsec_c2VjcmV0".into(),
        };
        match sender.send(&request).await {
            Err(SendFailure::Refused(why)) => assert!(why.contains("loopback"), "{why}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn signatures_match_the_standard_webhooks_reference_vector() {
        // The example from the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        let signature = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body).expect("signed");
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
