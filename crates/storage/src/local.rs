//! What only the local-folder store does: reading files in large pieces off
//! the runtime, and finding the staging files an interrupted write left.

use std::sync::Arc;

use bytes::Bytes;
use cabinet_domain::documents::ByteStream;
use futures::StreamExt as _;

/// Bytes read from a local file per step.
const FILE_READ_CHUNK: u64 = 1024 * 1024;
/// Reads running ahead of the one being sent, so the disk works while the
/// network does; bounds a download's buffers to a few MiB.
const FILE_READS_AHEAD: usize = 3;

/// Streams `range` of a local file in [`FILE_READ_CHUNK`] pieces, read at
/// their offsets on the blocking pool (the runtime never waits on the disk),
/// a few ahead of the piece being sent.
///
/// Each buffer is allocated here, on the thread that sends and frees it, not
/// on whichever blocking thread reads: glibc keeps freed memory in the arena
/// of the thread that allocated it, and buffers spread over every blocking
/// thread's arena stay resident long after the download.
pub(crate) fn file_stream(file: std::fs::File, range: std::ops::Range<u64>) -> ByteStream {
    let file = Arc::new(file);
    let (start, end) = (range.start, range.end);
    let offsets = (start..end).step_by(usize::try_from(FILE_READ_CHUNK).unwrap_or(usize::MAX));
    futures::stream::iter(offsets)
        .map(move |offset| {
            let file = file.clone();
            let want = usize::try_from((end - offset).min(FILE_READ_CHUNK)).unwrap_or(usize::MAX);
            let buffer = Vec::with_capacity(want);
            async move {
                tokio::task::spawn_blocking(move || read_at(&file, offset, buffer))
                    .await
                    .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())))
            }
        })
        .buffered(FILE_READS_AHEAD)
        .boxed()
}

/// Fills `buffer` (empty, its capacity the bytes wanted: `Vec::with_capacity`
/// gives exactly the capacity asked for) from `offset`. The buffer is never
/// zero-filled first: a download touches each byte once, in the copy from
/// the page cache.
fn read_at(file: &std::fs::File, offset: u64, mut buffer: Vec<u8>) -> std::io::Result<Bytes> {
    let want = buffer.capacity();
    while buffer.len() < want {
        let at = offset + buffer.len() as u64;
        match rustix::io::pread(file, rustix::buffer::spare_capacity(&mut buffer), at) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(Bytes::from(buffer))
}

/// Removes the staging files (`<name>#<n>`) an interrupted write left
/// beside `file`, and says how many there were.
pub(crate) fn remove_staging(file: &std::path::Path) -> std::io::Result<u64> {
    let (Some(dir), Some(name)) = (file.parent(), file.file_name().and_then(|n| n.to_str())) else {
        return Ok(0);
    };
    let prefix = format!("{name}#");
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let staged = entry.file_name().to_str().is_some_and(|n| {
            n.strip_prefix(&prefix).is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
        });
        if staged {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(removed)
}
