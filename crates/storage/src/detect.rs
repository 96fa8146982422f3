//! What the store learns about content and failures on the way: whether a
//! head of bytes is text, whether an error means the disk is full.

/// `text/plain` for a head of UTF-8 text (no NUL, no control characters
/// besides whitespace; a character cut at the end of the head is fine),
/// which has no signature for `infer` to find.
pub(crate) fn looks_like_text(head: &[u8]) -> Option<String> {
    if head.is_empty() {
        return None;
    }
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    let clean = text.chars().all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{c}'));
    clean.then(|| "text/plain".to_owned())
}

/// Whether a failure comes from a full disk or an exhausted quota: no retry
/// helps until someone frees space, so it is not "unavailable".
pub(crate) fn out_of_space(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && (io.kind() == std::io::ErrorKind::StorageFull
                || io.kind() == std::io::ErrorKind::QuotaExceeded
                || matches!(io.raw_os_error(), Some(28 | 122)))
        {
            return true;
        }
        cause = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_a_signature_is_told_from_binary() {
        assert_eq!(looks_like_text(b"# Title\n\nSome words, caf\xc3\xa9.\n").as_deref(), Some("text/plain"));
        assert_eq!(looks_like_text(b"cut in the middle \xc3").as_deref(), Some("text/plain"));
        assert_eq!(looks_like_text(b"\x00\x01binary\xff").as_deref(), None);
        assert_eq!(looks_like_text(b"").as_deref(), None);
    }
}
