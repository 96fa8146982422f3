//! Content addressing: SHA-256 digests and byte ranges.

use std::fmt;

use crate::error::DomainError;

/// A SHA-256 digest as 64 lowercase hex characters.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256(String);

impl Sha256 {
    /// Parses a hex digest (any case; stored lowercase).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `sha256` unless it is 64 hex characters.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(raw.to_ascii_lowercase()))
        } else {
            Err(DomainError::invalid("sha256", "must be 64 hexadecimal characters"))
        }
    }

    /// The hex digest.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({})", self.0)
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An inclusive byte range `start..=end` within a blob of known size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    start: u64,
    end: u64,
}

impl ByteRange {
    /// The range `start..=end`, if it is non-empty and lies within `size` bytes.
    #[must_use]
    pub fn within(start: u64, end: u64, size: u64) -> Option<Self> {
        (start <= end && end < size).then_some(Self { start, end })
    }

    /// The first byte.
    #[must_use]
    pub const fn start(&self) -> u64 {
        self.start
    }

    /// The last byte (inclusive).
    #[must_use]
    pub const fn end(&self) -> u64 {
        self.end
    }

    /// How many bytes the range holds.
    #[must_use]
    pub const fn len(&self) -> u64 {
        self.end - self.start + 1
    }

    /// Never true: ranges hold at least one byte.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_64_hex_characters_stored_lowercase() {
        let upper = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
        assert_eq!(Sha256::parse(upper).expect("valid").as_str(), upper.to_lowercase());
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(63), &"a".repeat(65), "../../etc/passwd"] {
            assert!(Sha256::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ranges_must_be_non_empty_and_inside_the_blob() {
        let r = ByteRange::within(2, 5, 10).expect("valid");
        assert_eq!((r.start(), r.end(), r.len()), (2, 5, 4));
        assert!(ByteRange::within(0, 9, 10).is_some());
        assert!(ByteRange::within(0, 10, 10).is_none(), "past the end");
        assert!(ByteRange::within(5, 4, 10).is_none(), "reversed");
        assert!(ByteRange::within(0, 0, 0).is_none(), "empty blob");
    }
}
