//! Cabinet's content analyzer: the text of a version, for search, and a
//! thumbnail, for previews.
//!
//! [`analyze`] does the work on bytes in memory, within [`Limits`]: archive
//! entries and image dimensions are checked from what the file declares
//! before anything is inflated or decoded, and every reader is capped in
//! case the declaration lies. [`SandboxAnalyzer`], the domain's
//! `ContentAnalyzer`, runs it in a child process (`cabinet extract`) with an
//! address-space and CPU limit and a wall-clock timeout, so that a parser
//! that loops, panics or allocates without end costs one child, never the
//! worker.

mod analyze;
mod child;
mod office;
mod sandbox;
mod text;
mod thumbnail;

pub use analyze::{Format, Limits, analyze, format_of};
pub use child::{ChildOptions, run_child};
pub use sandbox::{SandboxAnalyzer, SandboxOptions, find_pdf_renderer};
