//! The `cabinet` command: serve the product, or administer it.

use std::io::{BufRead as _, IsTerminal as _};

use anyhow::Context as _;
use cabinet_api::Application;
use cabinet_bootstrap::Settings;
use cabinet_domain::Actor;
use cabinet_domain::identity::Registration;
use cabinet_telemetry::LogFormat;
use clap::Parser as _;

mod cli;

use cli::{AuditCommand, Cli, Command, ConfigCommand, JobsCommand, ProjectionsCommand, SearchCommand};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The analyzer's child confines itself before anything else starts: no
    // runtime, no threads, no configuration.
    if let Command::Extract { options } = &cli.command {
        return cabinet_bootstrap::run_extract_child(options).context("analysing the file");
    }
    actix_web::rt::System::new().block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // Two TLS crypto providers are linked in (ring via sqlx, aws-lc via
    // object_store and jsonwebtoken); rustls needs one chosen explicitly.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let settings = Settings::load(cli.config.as_deref()).context("loading configuration")?;
    let format = LogFormat::parse(&settings.log.format);
    if matches!(
        cli.command,
        Command::Audit { .. }
            | Command::Projections { .. }
            | Command::Jobs { .. }
            | Command::Search { .. }
            | Command::Openapi
            | Command::Config { .. }
            | Command::Health { .. }
    ) {
        cabinet_telemetry::init_stderr(&settings.log.level, format);
    } else {
        cabinet_telemetry::init(&settings.log.level, format);
    }

    match cli.command {
        Command::Serve => serve(settings, true, true).await,
        Command::Api => serve(settings, true, false).await,
        Command::Worker => serve(settings, false, true).await,
        Command::Migrate => {
            let db = cabinet_bootstrap::connect_database(&settings).await?;
            db.migrate().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::CreateAdmin { email, display_name } => {
            let password = admin_password()?;
            let app = cabinet_bootstrap::build(settings).await?;
            let user = app
                .accounts
                .create_admin(&Actor::system(), Registration { email, password, display_name })
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            tracing::info!(user_id = %user.id, email = %user.email, "administrator created");
            Ok(())
        }
        Command::Projections { command: ProjectionsCommand::Rebuild } => {
            let app = cabinet_bootstrap::build(settings).await?;
            let started = std::time::Instant::now();
            let applied = app.audit.rebuild_projections(&Actor::system()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            app.close().await;
            use std::io::Write as _;
            writeln!(std::io::stdout(), "replayed {applied} events in {:.1} s", started.elapsed().as_secs_f64())?;
            Ok(())
        }
        Command::Jobs { command } => {
            let app = cabinet_bootstrap::build(settings).await?;
            let done = jobs_command(&app, command).await;
            app.close().await;
            done
        }
        Command::Search { command: SearchCommand::Sql { workspace, q, content_type, limit } } => {
            let filters = cabinet_domain::search::SearchFilters { content_type, ..Default::default() };
            let page = cabinet_domain::search::SearchPage::new(0, Some(limit)).map_err(|e| anyhow::anyhow!("{e}"))?;
            let ws = cabinet_domain::WorkspaceId::from_uuid(workspace);
            let sql =
                cabinet_bootstrap::search_sql(&settings, ws, &q, &filters, page).map_err(|e| anyhow::anyhow!("{e}"))?;
            use std::io::Write as _;
            writeln!(std::io::stdout(), "{sql}")?;
            Ok(())
        }
        Command::Openapi => {
            use std::io::Write as _;
            use utoipa::OpenApi as _;
            writeln!(std::io::stdout(), "{}", cabinet_api::openapi::ApiDoc::openapi().to_pretty_json()?)?;
            Ok(())
        }
        Command::Extract { .. } => anyhow::bail!("`extract` runs before the runtime starts"),
        Command::Health { worker } => probe_health(&settings, worker),
        Command::Config { command: ConfigCommand::Check } => {
            use std::io::Write as _;
            writeln!(std::io::stdout(), "{settings:#?}")?;
            writeln!(std::io::stdout(), "the configuration is valid")?;
            Ok(())
        }
        Command::Audit { command: AuditCommand::Verify { workspace } } => {
            let app = cabinet_bootstrap::build(settings).await?;
            let only = workspace.map(cabinet_domain::WorkspaceId::from_uuid);
            let reports = app.audit.verify_chains(&Actor::system(), only).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let broken = print_reports(&reports)?;
            app.close().await;
            if broken > 0 {
                anyhow::bail!("{broken} of {} chains are broken", reports.len());
            }
            Ok(())
        }
    }
}

/// One `GET /health/live` over loopback, answered within a few seconds.
fn probe_health(settings: &Settings, worker: bool) -> anyhow::Result<()> {
    use std::io::{Read as _, Write as _};
    let address = if worker {
        let listen = settings.worker.metrics_listen.trim();
        anyhow::ensure!(!listen.is_empty(), "a standalone worker is probed on worker.metrics_listen, which is not set");
        let port = listen.rsplit_once(':').map_or(listen, |(_, port)| port);
        format!("127.0.0.1:{port}")
    } else {
        format!("127.0.0.1:{}", settings.http.port)
    };
    let timeout = std::time::Duration::from_secs(3);
    let target = address.parse().with_context(|| format!("{address} is no address"))?;
    let mut stream = std::net::TcpStream::connect_timeout(&target, timeout)
        .with_context(|| format!("nothing answers on {address}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(b"GET /health/live HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut head = [0u8; 64];
    let read = stream.read(&mut head)?;
    let status = String::from_utf8_lossy(&head[..read]);
    anyhow::ensure!(status.starts_with("HTTP/1.") && status.get(9..12) == Some("200"), "{address} answered {status}");
    Ok(())
}

/// The process's one shutdown token: set by SIGINT or SIGTERM (or by the
/// server stopping on its own), watched by the HTTP server and the worker
/// alike, so that the server's drain and the worker's grace run together.
fn shutdown_token() -> (tokio::sync::watch::Sender<bool>, tokio::sync::watch::Receiver<bool>) {
    let (trigger, token) = tokio::sync::watch::channel(false);
    let on_signal = trigger.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        on_signal.send_replace(true);
    });
    (trigger, token)
}

/// Resolves once shutdown has begun.
async fn shutting_down(mut token: tokio::sync::watch::Receiver<bool>) {
    // An error means every sender is gone, which only happens at exit.
    let _ = token.wait_for(|stopping| *stopping).await;
}

async fn serve(settings: Settings, api: bool, worker: bool) -> anyhow::Result<()> {
    let app = cabinet_bootstrap::build(settings).await?;
    let (trigger, token) = shutdown_token();
    if !api {
        let listen = app.settings.worker.metrics_listen.trim().to_owned();
        let metrics = if listen.is_empty() {
            None
        } else {
            let (server, port) = cabinet_api::worker_metrics_server(&listen)?;
            tracing::info!(port, "worker metrics are listening");
            let handle = server.handle();
            Some((tokio::spawn(server), handle))
        };
        let done = cabinet_worker::run(app, shutting_down(token)).await;
        if let Some((task, handle)) = metrics {
            handle.stop(true).await;
            let _ = task.await;
        }
        return done;
    }
    let server = Application::build(app.clone())?;
    tracing::info!(host = %app.settings.http.host, port = server.port(), "cabinet is listening");
    let worker_task = worker.then(|| tokio::spawn(cabinet_worker::run(app.clone(), shutting_down(token.clone()))));
    let handle = server.handle();
    tokio::spawn(async move {
        shutting_down(token).await;
        // Graceful: in-flight requests get `http.shutdown_timeout` to finish.
        handle.stop(true).await;
    });
    let served = server.run_until_stopped().await;
    trigger.send_replace(true);
    if let Some(task) = worker_task {
        task.await??;
    }
    served?;
    app.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Writes one line per chain to standard output (the command's result) and
/// returns how many are broken.
async fn jobs_command(app: &cabinet_bootstrap::App, command: JobsCommand) -> anyhow::Result<()> {
    use cabinet_domain::jobs::JobState;
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match command {
        JobsCommand::Probe { count, sleep_ms } => {
            for n in 1..=count {
                let job = cabinet_domain::jobs::NewJob {
                    id: cabinet_domain::JobId::from_uuid(uuid::Uuid::now_v7()),
                    kind: "system.probe".into(),
                    payload: format!(r#"{{"sleep_ms":{sleep_ms}}}"#),
                    run_at: chrono::Utc::now(),
                    max_attempts: 3,
                };
                let id = job.id;
                app.jobs.enqueue(job).await.map_err(|e| anyhow::anyhow!("{e}"))?;
                writeln!(out, "{id}")?;
                if count >= 100 && (n % 500 == 0 || n == count) {
                    tracing::info!(enqueued = n, of = count, "enqueueing probes");
                }
            }
        }
        JobsCommand::List { state, limit } => {
            let state = JobState::parse(&state).with_context(|| format!("unknown state {state:?}"))?;
            for job in app.jobs.list(&Actor::system(), state, limit).await.map_err(|e| anyhow::anyhow!("{e}"))? {
                let error = job.last_error.as_deref().unwrap_or("");
                writeln!(
                    out,
                    "{}\t{}\t{}/{}\t{}\t{error}",
                    job.id,
                    job.kind,
                    job.attempts,
                    job.max_attempts,
                    job.run_at.to_rfc3339()
                )?;
            }
        }
        JobsCommand::Retry { id } => {
            let job = app
                .jobs
                .retry_dead(&Actor::system(), cabinet_domain::JobId::from_uuid(id))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            writeln!(out, "{} queued again", job.id)?;
        }
    }
    Ok(())
}

fn print_reports(reports: &[cabinet_domain::audit::ChainReport]) -> std::io::Result<usize> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let mut broken = 0;
    for report in reports {
        let chain = report.chain_name();
        match report.broken_at {
            None => writeln!(out, "{chain}: intact up to sequence {}", report.intact_up_to)?,
            Some((seq, why)) => {
                broken += 1;
                writeln!(out, "{chain}: BROKEN at sequence {seq}: {}", why.describe())?;
            }
        }
    }
    Ok(broken)
}

fn admin_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("CABINET_ADMIN_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password for the administrator: ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).context("reading the password")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
