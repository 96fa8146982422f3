//! Validated free-text names shared by several capabilities.

/// Declares a validated free-text name: trimmed, 1 to `$max` characters, no
/// control characters; errors name `$field`.
macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Validates a name.
            ///
            /// # Errors
            #[doc = concat!("[`crate::DomainError::Invalid`] on the field `", $field, "`.")]
            pub fn parse(raw: &str) -> Result<Self, crate::DomainError> {
                $crate::names::validated_name($field, raw, $max).map(Self)
            }

            /// The name.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}
pub(crate) use name_type;

/// Checks a free-text name: trimmed, non-empty, at most `max` characters, no control characters.
pub(crate) fn validated_name(field: &'static str, raw: &str, max: usize) -> Result<String, crate::DomainError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(crate::DomainError::invalid(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(crate::DomainError::invalid(field, format!("must be at most {max} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(crate::DomainError::invalid(field, "must not contain control characters"));
    }
    Ok(trimmed.to_owned())
}
