//! The `cabinet` command line: its subcommands and options.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Cabinet, a self-hosted document hub for teams.
#[derive(Debug, Parser)]
#[command(version, about)]
pub(crate) struct Cli {
    /// A configuration file layered over the defaults (also `CABINET_CONFIG`).
    #[arg(long, global = true)]
    pub(crate) config: Option<PathBuf>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the API and the worker in one process.
    Serve,
    /// Run only the API.
    Api,
    /// Run only the background worker.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an instance administrator. The password is read from
    /// `CABINET_ADMIN_PASSWORD` or, failing that, from standard input.
    CreateAdmin {
        /// The administrator's email.
        #[arg(long)]
        email: String,
        /// The administrator's display name.
        #[arg(long, default_value = "Administrator")]
        display_name: String,
    },
    /// Inspect the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Maintain the read models built from the event store.
    Projections {
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
    /// Inspect and steer the job queue.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Print the OpenAPI document (JSON).
    Openapi,
    /// Probe this host's running Cabinet: `/health/live` of the API (on
    /// `http.port`), or with `--worker` of a standalone worker (on
    /// `worker.metrics_listen`). Exit status 0 when it answers 200; for
    /// container health checks.
    Health {
        /// Probe the worker's listener instead of the API's.
        #[arg(long)]
        worker: bool,
    },
    /// Check the configuration: load defaults, file and environment as every
    /// command does, and print the result (secrets redacted).
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Full-text search tools.
    Search {
        #[command(subcommand)]
        command: SearchCommand,
    },
    /// Analyse one file read from standard input, confined; the worker
    /// runs this for each new version.
    #[command(hide = true)]
    Extract {
        /// What to analyse and within which limits, as JSON.
        #[arg(long)]
        options: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum JobsCommand {
    /// Enqueue probe jobs (they do nothing, or wait) to check that workers
    /// take jobs and to measure how fast; prints their ids.
    Probe {
        /// How many.
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// How long each waits, in milliseconds.
        #[arg(long, default_value_t = 0)]
        sleep_ms: u64,
    },
    /// List jobs in a state (queued, running, done, dead), oldest first.
    List {
        #[arg(long, default_value = "dead")]
        state: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Queue a dead job again with fresh attempts.
    Retry {
        /// The job's id.
        id: uuid::Uuid,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SearchCommand {
    /// Print the SQL (and its parameters, as JSON) that a search runs on
    /// the configured database, to run the very same query directly.
    Sql {
        /// The workspace searched.
        #[arg(long)]
        workspace: uuid::Uuid,
        /// The query, as typed in the search box.
        #[arg(long)]
        q: String,
        /// A media type (or family, `image/*`) filter.
        #[arg(long = "type")]
        content_type: Option<String>,
        /// Page size.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Load the configuration and print it; exit status 1 when it is invalid.
    Check,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ProjectionsCommand {
    /// Drop the activity feeds and usage figures and replay every event.
    Rebuild,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Walk the hash chains and report each as intact up to its last event
    /// or broken at the first altered or missing one (exit status 1).
    Verify {
        /// Only this workspace's chain (it may have been deleted).
        #[arg(long)]
        workspace: Option<uuid::Uuid>,
    },
}
