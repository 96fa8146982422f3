//! Cabinet's telemetry: structured logs through `tracing`.
//!
//! Every line is one JSON object carrying the fields of the span it was
//! written in, so the request id that the API puts on each request's span
//! appears on every line that request causes.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line, for machines.
    Json,
    /// Human-readable lines, for a terminal.
    Pretty,
}

impl LogFormat {
    /// Parses `json` or `pretty`; anything else is JSON.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        if s.eq_ignore_ascii_case("pretty") { Self::Pretty } else { Self::Json }
    }
}

/// Installs the global subscriber. `RUST_LOG`, when set, wins over `level`.
/// Calling it twice is harmless (the second call does nothing), which lets
/// tests start several apps in one process.
pub fn init(level: &str, format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_span_events(FmtSpan::NONE);
    let _ = match format {
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

/// As [`init`], but logging to standard error: for commands whose standard
/// output is their result, so it can be read or piped on its own.
pub fn init_stderr(level: &str, format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_span_events(FmtSpan::NONE).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

/// The process's metrics, in the Prometheus exposition format: installed as
/// the global `metrics` recorder on first use (later calls share it), so
/// every crate records through the `metrics` macros and the API serves the
/// snapshot at `/metrics`.
pub fn metrics() -> &'static metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> = std::sync::OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        // Another recorder may only be installed by a test harness; the
        // handle then renders what this recorder saw, which is nothing.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// The prefixes that mark Cabinet's secrets and capability tokens: API keys,
/// refresh tokens, share-link tokens and webhook secrets.
const SECRET_PREFIXES: [&str; 4] = ["cab_", "cabr_", "cabs_", "whsec_"];

/// `text` with every token that carries one of Cabinet's secret prefixes
/// (and whatever follows `/s/`, where share tokens sit in paths) replaced by
/// `[redacted]`, for paths and URLs that go into logs. A share link's
/// request path is its credential.
#[must_use]
pub fn redact(text: &str) -> std::borrow::Cow<'_, str> {
    let token_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < text.len() {
        let boundary = i == 0 || !token_char(char::from(bytes[i - 1]));
        let start = if boundary && text[i..].starts_with("/s/") {
            Some(i + 3)
        } else if boundary {
            SECRET_PREFIXES.iter().find(|p| text[i..].starts_with(**p)).map(|p| i + p.len())
        } else {
            None
        };
        if let Some(start) = start {
            let end = text[start..].find(|c: char| !token_char(c)).map_or(text.len(), |n| start + n);
            if end > start {
                out.push_str(&text[copied..start]);
                out.push_str("[redacted]");
                copied = end;
                i = end;
                continue;
            }
        }
        i += text[i..].chars().next().map_or(1, char::len_utf8);
    }
    if copied == 0 {
        return text.into();
    }
    out.push_str(&text[copied..]);
    out.into()
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn capability_tokens_never_reach_a_log_line() {
        assert_eq!(redact("/s/cabs_AbC-123_x/download"), "/s/[redacted]/download");
        assert_eq!(redact("/s/anything-at-all"), "/s/[redacted]");
        assert_eq!(redact("https://h/x?key=cab_secret99&y=1"), "https://h/x?key=cab_[redacted]&y=1");
        assert_eq!(redact("refresh cabr_zzz and whsec_abc"), "refresh cabr_[redacted] and whsec_[redacted]");
        assert_eq!(redact("/api/v1/workspaces/01a2/documents"), "/api/v1/workspaces/01a2/documents");
        assert_eq!(redact("vocab_list /docs/s/x"), "vocab_list /docs/s/x", "only at a token's start");
        assert_eq!(redact("é/s/cabs_1"), "é/s/[redacted]");
    }
}
