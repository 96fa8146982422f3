//! The child process side: `cabinet extract --options '{…}'` reads the file
//! on standard input, analyses it under resource limits and writes its
//! findings into the scratch folder the parent made for it.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use cabinet_domain::processing::{Analysis, Subject, TextStatus};
use rustix::process::{Resource, Rlimit, setrlimit};
use serde::{Deserialize, Serialize};

use crate::analyze::{Limits, analyze};

/// What the parent tells the child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildOptions {
    /// The sniffed media type.
    pub content_type: String,
    /// The uploaded file name.
    pub filename: String,
    /// The whole file's size.
    pub size: u64,
    /// What the analysis may read and produce.
    pub limits: Limits,
    /// `pdftoppm`, when PDFs get thumbnails.
    pub pdf_renderer: Option<PathBuf>,
    /// The only folder the child writes to.
    pub scratch: PathBuf,
    /// The address space the child may use, in bytes.
    pub memory_bytes: u64,
    /// The CPU time the child may use, in seconds.
    pub cpu_secs: u64,
}

/// The findings, as written to `result.json`; the thumbnail, if any, is
/// `thumbnail.png` beside it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Findings {
    pub(crate) text_status: TextStatus,
    pub(crate) text: String,
    pub(crate) detail: Option<String>,
    pub(crate) thumbnail: Option<(u32, u32)>,
}

pub(crate) const RESULT_FILE: &str = "result.json";
pub(crate) const THUMBNAIL_FILE: &str = "thumbnail.png";

fn limit(resource: Resource, value: u64) -> std::io::Result<()> {
    setrlimit(resource, Rlimit { current: Some(value), maximum: Some(value) }).map_err(std::io::Error::from)
}

/// Confines this process: address space, CPU time, file sizes, no core dumps.
fn confine(options: &ChildOptions) -> std::io::Result<()> {
    limit(Resource::As, options.memory_bytes)?;
    limit(Resource::Cpu, options.cpu_secs)?;
    limit(Resource::Fsize, options.limits.max_input_bytes + 16 * 1024 * 1024)?;
    limit(Resource::Core, 0)
}

fn write_findings(scratch: &Path, analysis: &Analysis) -> std::io::Result<()> {
    if let Some(t) = &analysis.thumbnail {
        std::fs::write(scratch.join(THUMBNAIL_FILE), &t.png)?;
    }
    let findings = Findings {
        text_status: analysis.text_status,
        text: analysis.text.clone(),
        detail: analysis.detail.clone(),
        thumbnail: analysis.thumbnail.as_ref().map(|t| (t.width, t.height)),
    };
    let json = serde_json::to_vec(&findings).map_err(std::io::Error::other)?;
    let staged = scratch.join("result.json.partial");
    std::fs::File::create(&staged)?.write_all(&json)?;
    // The parent reads the result only once it is whole.
    std::fs::rename(staged, scratch.join(RESULT_FILE))
}

/// Runs the child: confine, read standard input, analyse, write the findings.
///
/// # Errors
/// When the options do not parse, the limits cannot be set, or the
/// findings cannot be written; the parent then reports the analysis failed.
pub fn run_child(options_json: &str) -> std::io::Result<()> {
    let options: ChildOptions = serde_json::from_str(options_json).map_err(std::io::Error::other)?;
    confine(&options)?;
    let cap = options.limits.max_input_bytes;
    let mut bytes = Vec::with_capacity(usize::try_from(options.size.min(cap)).unwrap_or(0));
    std::io::stdin().lock().take(cap + 1).read_to_end(&mut bytes)?;
    let complete = bytes.len() as u64 <= cap;
    bytes.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
    let subject =
        Subject { content_type: options.content_type.clone(), filename: options.filename.clone(), size: options.size };
    let renderer = options.pdf_renderer.as_deref().map(|r| (r, options.scratch.as_path()));
    let analysis = analyze(&bytes, complete, &subject, &options.limits, renderer);
    write_findings(&options.scratch, &analysis)
}
