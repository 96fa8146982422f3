//! What the store learns about failures on the way: whether an error means
//! the disk is full.

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
