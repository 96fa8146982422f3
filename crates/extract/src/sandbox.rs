//! The parent side: the domain's `ContentAnalyzer`, running each analysis
//! in a child process it can kill.

use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use cabinet_domain::documents::ByteStream;
use cabinet_domain::processing::ContentAnalyzer;
use cabinet_domain::processing::{Analysis, Subject, TextStatus, Thumbnail};
use cabinet_domain::{DomainError, DomainResult};
use futures::StreamExt as _;
use tokio::io::AsyncWriteExt as _;

use crate::analyze::Limits;
use crate::child::{ChildOptions, Findings, RESULT_FILE, THUMBNAIL_FILE};

/// How the analyzer runs its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxOptions {
    /// The `cabinet` executable (run as `cabinet extract`).
    pub program: PathBuf,
    /// What an analysis may read and produce.
    pub limits: Limits,
    /// Wall-clock time an analysis may take.
    pub timeout: Duration,
    /// Address space a child may use, in bytes.
    pub memory_bytes: u64,
    /// `pdftoppm`, when PDFs get thumbnails.
    pub pdf_renderer: Option<PathBuf>,
}

/// Runs each analysis in a child process with limits on memory, CPU time
/// and wall-clock time.
#[derive(Debug, Clone)]
pub struct SandboxAnalyzer {
    options: SandboxOptions,
}

/// Finds `pdftoppm`: `auto` looks on the `PATH` and checks it runs, an
/// empty setting or `off` turns PDF thumbnails off, anything else is the path.
#[must_use]
pub fn find_pdf_renderer(setting: &str) -> Option<PathBuf> {
    let candidate = match setting.trim() {
        "" | "off" => return None,
        "auto" => std::env::var_os("PATH")
            .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("pdftoppm")).find(|p| p.is_file()))?,
        path => PathBuf::from(path),
    };
    let runs = std::process::Command::new(&candidate)
        .arg("-v")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    runs.then_some(candidate)
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> DomainError {
    DomainError::Unavailable(format!("{what}: {e}"))
}

/// Streams up to `cap` bytes of `content` into the child, stopping early
/// (without error) when the child stops reading.
async fn feed(mut content: ByteStream, mut stdin: tokio::process::ChildStdin, cap: u64) -> DomainResult<()> {
    let mut sent = 0u64;
    while sent < cap {
        let Some(chunk) = content.next().await else { break };
        let chunk = chunk.map_err(|e| unavailable("reading the content", e))?;
        let room = usize::try_from(cap - sent).unwrap_or(usize::MAX);
        let part = &chunk[..chunk.len().min(room)];
        if stdin.write_all(part).await.is_err() {
            break;
        }
        sent += part.len() as u64;
    }
    let _ = stdin.shutdown().await;
    Ok(())
}

impl SandboxAnalyzer {
    /// An analyzer running `options.program`.
    #[must_use]
    pub fn new(options: SandboxOptions) -> Self {
        Self { options }
    }

    fn read_findings(&self, scratch: &Path) -> DomainResult<Option<Analysis>> {
        let result = scratch.join(RESULT_FILE);
        let Ok(meta) = std::fs::metadata(&result) else { return Ok(None) };
        // The text plus JSON escaping, at worst six bytes per byte.
        if meta.len() > self.options.limits.max_text_bytes as u64 * 6 + 64 * 1024 {
            return Ok(None);
        }
        let bytes = std::fs::read(&result).map_err(|e| unavailable("reading the findings", e))?;
        let Ok(findings) = serde_json::from_slice::<Findings>(&bytes) else { return Ok(None) };
        let thumbnail = match findings.thumbnail {
            Some((width, height)) => {
                let png =
                    std::fs::read(scratch.join(THUMBNAIL_FILE)).map_err(|e| unavailable("reading the thumbnail", e))?;
                Some(Thumbnail { png: Bytes::from(png), width, height })
            }
            None => None,
        };
        Ok(Some(Analysis {
            text_status: findings.text_status,
            text: findings.text,
            detail: findings.detail,
            thumbnail,
        }))
    }
}

#[async_trait]
impl ContentAnalyzer for SandboxAnalyzer {
    #[tracing::instrument(skip(self, content), fields(content_type = %subject.content_type, size = subject.size), err)]
    async fn analyze(&self, content: ByteStream, subject: &Subject) -> DomainResult<Analysis> {
        let scratch = tempfile::Builder::new()
            .prefix("cabinet-extract-")
            .tempdir()
            .map_err(|e| unavailable("making a scratch folder", e))?;
        let o = &self.options;
        let options = ChildOptions {
            content_type: subject.content_type.clone(),
            filename: subject.filename.clone(),
            size: subject.size,
            limits: o.limits.clone(),
            pdf_renderer: o.pdf_renderer.clone(),
            scratch: scratch.path().to_owned(),
            memory_bytes: o.memory_bytes,
            cpu_secs: o.timeout.as_secs().max(1),
        };
        let options = serde_json::to_string(&options).map_err(DomainError::internal)?;
        let mut child = tokio::process::Command::new(&o.program)
            .arg("extract")
            .arg("--options")
            .arg(options)
            .env_clear()
            .current_dir(scratch.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .process_group(0)
            .spawn()
            .map_err(|e| unavailable(&format!("starting {}", o.program.display()), e))?;
        let stdin = child.stdin.take().ok_or_else(|| DomainError::internal("the child has no standard input"))?;
        let pid = child.id();
        let run = async {
            feed(content, stdin, o.limits.max_input_bytes + 1).await?;
            child.wait().await.map_err(|e| unavailable("waiting for the extractor", e))
        };
        let status = match tokio::time::timeout(o.timeout, run).await {
            Ok(status) => status?,
            Err(_) => {
                // The renderer runs in the child's process group: stop both.
                if let Some(pid) = pid.and_then(|p| rustix::process::Pid::from_raw(p as i32)) {
                    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
                }
                return Ok(Analysis::without_text(
                    TextStatus::TimedOut,
                    Some(format!("stopped after {} s", o.timeout.as_secs())),
                ));
            }
        };
        if status.success()
            && let Some(analysis) = self.read_findings(scratch.path())?
        {
            return Ok(analysis);
        }
        let why = match (status.code(), status.signal()) {
            (_, Some(9)) => "it was killed (CPU time limit)".to_owned(),
            (_, Some(sig)) => format!("it was stopped by signal {sig}"),
            (Some(code), _) if code != 0 => format!("it exited with status {code} (out of memory, or a panic)"),
            _ => "it left no findings".to_owned(),
        };
        Ok(Analysis::without_text(TextStatus::Failed, Some(format!("the extractor failed: {why}"))))
    }
}
