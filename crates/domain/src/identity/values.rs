//! Validated value types: an invalid value cannot be constructed, so it cannot reach a port.

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

use crate::error::DomainError;

/// A normalised (trimmed, lower-cased) email address.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Longest address SMTP can carry (RFC 5321).
    pub const MAX_LEN: usize = 254;

    /// Validates and normalises an address.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on the field `email` when the address is not
    /// plausibly deliverable.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let email = raw.trim().to_lowercase();
        let invalid = |why: &str| Err(DomainError::invalid("email", why));
        if email.is_empty() || email.len() > Self::MAX_LEN {
            return invalid("must be between 3 and 254 characters");
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid("must not contain spaces");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return invalid("must contain @");
        };
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return invalid("has an invalid part before @");
        }
        let labels_ok = domain.split('.').all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
        if !domain.contains('.') || !labels_ok {
            return invalid("has an invalid domain");
        }
        Ok(Self(email))
    }

    /// The normalised address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.0)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

crate::names::name_type!(
    /// A person's name as shown to others: 1 to 100 characters, no control characters.
    DisplayName,
    "display_name",
    100
);

/// A plaintext password on its way to the hasher. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Shortest password accepted (NIST SP 800-63B, ASVS 6.2.1).
    pub const MIN_CHARS: usize = 8;
    /// Longest password accepted; long enough for passphrases, short enough
    /// that hashing it is not a denial of service.
    pub const MAX_CHARS: usize = 256;

    /// Checks a new password against the policy: length only, no composition
    /// rules, and not one of the most common passwords.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `field` saying what to change.
    pub fn new_checked(field: &'static str, raw: String) -> Result<Self, DomainError> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(DomainError::invalid(field, format!("must be at least {} characters", Self::MIN_CHARS)));
        }
        if chars > Self::MAX_CHARS {
            return Err(DomainError::invalid(field, format!("must be at most {} characters", Self::MAX_CHARS)));
        }
        if is_common_password(&raw) {
            return Err(DomainError::invalid(field, "is too common; choose another"));
        }
        Ok(Self(raw))
    }

    /// Wraps a password presented for verification, where no policy applies
    /// (an old password may predate the current policy). Only the length is
    /// bounded, so an oversized input cannot make hashing expensive.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `field` when it is empty or too long.
    pub fn presented(field: &'static str, raw: String) -> Result<Self, DomainError> {
        if raw.is_empty() || raw.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::invalid(field, "has an invalid length"));
        }
        Ok(Self(raw))
    }

    /// The plaintext, for the hasher only.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

fn is_common_password(candidate: &str) -> bool {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let list = LIST.get_or_init(|| include_str!("common_passwords.txt").lines().collect());
    list.contains(candidate.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        let email = Email::parse("  Alice@Example.COM ").expect("valid");
        assert_eq!(email.as_str(), "alice@example.com");
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for bad in [
            "",
            "alice",
            "@example.com",
            "alice@",
            "alice@localhost",
            "a b@example.com",
            "alice@-x.com",
            "alice@x..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn password_policy_follows_length_not_composition() {
        let check = |p: &str| Password::new_checked("password", p.to_owned()).is_ok();
        assert!(!check("short7!"), "7 characters");
        assert!(check("lowercaseonly"), "8+ lowercase letters");
        assert!(check(&"x".repeat(64)));
        assert!(check(&"y".repeat(128)));
        assert!(check(&"z".repeat(Password::MAX_CHARS)));
        assert!(!check(&"z".repeat(Password::MAX_CHARS + 1)));
        assert!(check("пароль-ключ-🔑🔑"), "unicode and emoji");
    }

    #[test]
    fn common_passwords_are_rejected_whatever_their_case() {
        for common in ["password", "12345678", "iloveyou", "Baseball", "QWERTYUIOP"] {
            assert!(Password::new_checked("password", common.to_owned()).is_err(), "{common} is on the list");
        }
    }

    #[test]
    fn passwords_never_print() {
        let p = Password::presented("password", "hunter2hunter2".to_owned()).expect("valid");
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Ada  ").expect("valid").as_str(), "Ada");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"a".repeat(101)).is_err());
        assert!(DisplayName::parse("bell\u{7}").is_err());
    }
}
