//! Access tokens as HS256 JWTs with key ids, validated strictly (RFC 8725).

use std::collections::HashMap;

use cabinet_domain::identity::{AccessClaims, AccessTokenCodec, DeviceClaims};
use cabinet_domain::{AuthFailure, DomainError, DomainResult, SessionId, UserId};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The `typ` header of access tokens (RFC 9068), so no other JWT Cabinet might
/// issue can pass as one.
const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// The `typ` header of device tokens (the sign-in throttle's device cookie).
const DEVICE_TOKEN_TYPE: &str = "device+jwt";

/// One signing key.
#[derive(Clone)]
pub struct JwtKey {
    /// The `kid` naming the key in token headers.
    pub id: String,
    /// The HMAC secret, at least 32 bytes.
    pub secret: SecretString,
}

impl std::fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKey").field("id", &self.id).field("secret", &"<redacted>").finish()
    }
}

/// The token issuer's settings.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// `iss` of issued tokens, required on verification.
    pub issuer: String,
    /// `aud` of issued tokens, required on verification.
    pub audience: String,
    /// Every key that verifies; the first one signs. Keeping an old key here
    /// for one access-token lifetime rotates keys without signing anyone out.
    pub keys: Vec<JwtKey>,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
    pub leeway_secs: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: Uuid,
    sid: Uuid,
    jti: Uuid,
    iat: i64,
    nbf: i64,
    exp: i64,
}

/// Signs and verifies access tokens. The key used for verification is picked
/// only from the configured map by `kid`; nothing in a token (`jku`, `jwk`,
/// `x5u`, …) can introduce a key, and only HS256 is accepted.
pub struct JwtCodec {
    settings: JwtSettings,
    signing: (String, EncodingKey),
    verifying: HashMap<String, DecodingKey>,
    validation: Validation,
}

impl std::fmt::Debug for JwtCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtCodec").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl JwtCodec {
    /// A codec over `settings`.
    ///
    /// # Errors
    /// `Invalid` when there is no key or a key is shorter than 32 bytes.
    pub fn new(settings: JwtSettings) -> DomainResult<Self> {
        let Some(first) = settings.keys.first() else {
            return Err(DomainError::invalid("auth.jwt.keys", "at least one signing key is required"));
        };
        if settings.keys.iter().any(|k| k.secret.expose_secret().len() < 32) {
            return Err(DomainError::invalid("auth.jwt.keys", "every key must be at least 32 bytes"));
        }
        let signing = (first.id.clone(), EncodingKey::from_secret(first.secret.expose_secret().as_bytes()));
        let verifying = settings
            .keys
            .iter()
            .map(|k| (k.id.clone(), DecodingKey::from_secret(k.secret.expose_secret().as_bytes())))
            .collect();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = settings.leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        Ok(Self { settings, signing, verifying, validation })
    }
}

fn invalid() -> DomainError {
    DomainError::Unauthenticated(AuthFailure::InvalidToken)
}

fn timestamp(seconds: i64) -> DomainResult<DateTime<Utc>> {
    DateTime::from_timestamp(seconds, 0).ok_or_else(invalid)
}

impl JwtCodec {
    fn sign(&self, typ: &str, body: &Claims) -> DomainResult<String> {
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(typ.into());
        header.kid = Some(self.signing.0.clone());
        encode(&header, body, &self.signing.1).map_err(DomainError::internal)
    }

    fn claims(&self, sub: Uuid, sid: Uuid, jti: Uuid, iat: DateTime<Utc>, exp: DateTime<Utc>) -> Claims {
        Claims {
            iss: self.settings.issuer.clone(),
            aud: self.settings.audience.clone(),
            sub,
            sid,
            jti,
            iat: iat.timestamp(),
            nbf: iat.timestamp(),
            exp: exp.timestamp(),
        }
    }

    /// The claims of a token of type `typ`, checked as strictly as an access token.
    fn open(&self, token: &str, typ: &str) -> DomainResult<Claims> {
        // Bound the work an attacker can cause before any signature check.
        if token.len() > 4096 || token.split('.').count() != 3 {
            return Err(invalid());
        }
        let header = decode_header(token).map_err(|_| invalid())?;
        if header.alg != Algorithm::HS256 || header.typ.as_deref() != Some(typ) {
            return Err(invalid());
        }
        let key = header.kid.as_deref().and_then(|kid| self.verifying.get(kid)).ok_or_else(invalid)?;
        Ok(decode::<Claims>(token, key, &self.validation).map_err(|_| invalid())?.claims)
    }
}

impl AccessTokenCodec for JwtCodec {
    fn issue(&self, claims: &AccessClaims) -> DomainResult<String> {
        let body = self.claims(
            claims.user_id.as_uuid(),
            claims.session_id.as_uuid(),
            claims.token_id,
            claims.issued_at,
            claims.expires_at,
        );
        self.sign(ACCESS_TOKEN_TYPE, &body)
    }

    fn verify(&self, token: &str) -> DomainResult<AccessClaims> {
        let c = self.open(token, ACCESS_TOKEN_TYPE)?;
        Ok(AccessClaims {
            user_id: UserId::from_uuid(c.sub),
            session_id: SessionId::from_uuid(c.sid),
            token_id: c.jti,
            issued_at: timestamp(c.iat)?,
            expires_at: timestamp(c.exp)?,
        })
    }

    fn issue_device(&self, claims: &DeviceClaims) -> DomainResult<String> {
        let body = self.claims(
            claims.user_id.as_uuid(),
            claims.device_id,
            claims.device_id,
            claims.issued_at,
            claims.expires_at,
        );
        self.sign(DEVICE_TOKEN_TYPE, &body)
    }

    fn verify_device(&self, token: &str) -> Option<DeviceClaims> {
        let c = self.open(token, DEVICE_TOKEN_TYPE).ok()?;
        Some(DeviceClaims {
            user_id: UserId::from_uuid(c.sub),
            device_id: c.sid,
            issued_at: timestamp(c.iat).ok()?,
            expires_at: timestamp(c.exp).ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use chrono::TimeDelta;

    use super::*;

    fn key(id: &str, secret: &str) -> JwtKey {
        JwtKey { id: id.into(), secret: SecretString::from(secret.to_owned()) }
    }

    fn codec(keys: Vec<JwtKey>) -> JwtCodec {
        JwtCodec::new(JwtSettings { issuer: "cabinet".into(), audience: "cabinet-api".into(), keys, leeway_secs: 30 })
            .expect("codec")
    }

    fn claims(exp_in: TimeDelta) -> AccessClaims {
        let now = Utc::now();
        AccessClaims {
            user_id: UserId::from_uuid(Uuid::now_v7()),
            session_id: SessionId::from_uuid(Uuid::now_v7()),
            token_id: Uuid::now_v7(),
            issued_at: now,
            expires_at: now + exp_in,
        }
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn issued_tokens_verify_and_round_trip_their_claims() {
        let c = codec(vec![key("k1", SECRET)]);
        let claims = claims(TimeDelta::minutes(10));
        let token = c.issue(&claims).expect("issue");
        let header = decode_header(&token).expect("header");
        assert_eq!(header.kid.as_deref(), Some("k1"));
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));
        let back = c.verify(&token).expect("verify");
        assert_eq!(back.user_id, claims.user_id);
        assert_eq!(back.session_id, claims.session_id);
        assert_eq!(back.token_id, claims.token_id);
    }

    #[test]
    fn device_tokens_and_access_tokens_never_pass_for_each_other() {
        let c = codec(vec![key("k1", SECRET)]);
        let now = Utc::now();
        let device = DeviceClaims {
            user_id: UserId::from_uuid(Uuid::now_v7()),
            device_id: Uuid::now_v7(),
            issued_at: now,
            expires_at: now + TimeDelta::days(30),
        };
        let token = c.issue_device(&device).expect("issue");
        assert_eq!(c.verify_device(&token).map(|d| (d.user_id, d.device_id)), Some((device.user_id, device.device_id)));
        assert!(c.verify(&token).is_err(), "a device token is no access token");
        let access = c.issue(&claims(TimeDelta::minutes(10))).expect("issue");
        assert_eq!(c.verify_device(&access), None, "an access token is no device token");
        let expired = DeviceClaims { expires_at: now - TimeDelta::hours(1), ..device };
        assert_eq!(c.verify_device(&c.issue_device(&expired).expect("issue")), None);
    }

    #[test]
    fn expired_tokens_are_refused_beyond_the_leeway() {
        let c = codec(vec![key("k1", SECRET)]);
        let token = c.issue(&claims(TimeDelta::seconds(-31 - 5))).expect("issue");
        assert!(c.verify(&token).is_err());
    }

    #[test]
    fn a_retired_key_still_verifies_while_listed_and_an_unknown_kid_never() {
        let old = codec(vec![key("old", SECRET)]);
        let token = old.issue(&claims(TimeDelta::minutes(5))).expect("issue");
        let rotated = codec(vec![key("new", "fedcba9876543210fedcba9876543210"), key("old", SECRET)]);
        assert!(rotated.verify(&token).is_ok());
        let forgot = codec(vec![key("new", "fedcba9876543210fedcba9876543210")]);
        assert!(forgot.verify(&token).is_err());
    }

    #[test]
    fn tampered_alg_none_and_malformed_tokens_are_refused() {
        let c = codec(vec![key("k1", SECRET)]);
        let token = c.issue(&claims(TimeDelta::minutes(5))).expect("issue");
        let parts: Vec<&str> = token.split('.').collect();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"at+jwt","kid":"k1"}"#);
        let hs512_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512","typ":"at+jwt","kid":"k1"}"#);
        let mut flipped = token.clone().into_bytes();
        let mid = parts[0].len() + 5;
        flipped[mid] ^= 1;
        let cases = [
            format!("{none_header}.{}.", parts[1]),
            format!("{hs512_header}.{}.{}", parts[1], parts[2]),
            format!("{}.{}.", parts[0], parts[1]),
            String::from_utf8(flipped).unwrap_or_default(),
            format!("{}.{}", parts[0], parts[1]),
            format!("{token}.extra"),
            "x".repeat(5000),
        ];
        for bad in cases {
            assert!(c.verify(&bad).is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn short_keys_are_refused_at_start() {
        let err = JwtCodec::new(JwtSettings {
            issuer: "i".into(),
            audience: "a".into(),
            keys: vec![key("k", "short")],
            leeway_secs: 30,
        });
        assert!(err.is_err());
    }
}
