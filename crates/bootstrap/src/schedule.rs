//! The maintenance schedule: which job runs at which cron ticks. Each tick
//! becomes one job whose id is derived from the task and the tick, so any
//! number of workers can enqueue it and it still runs once.

use std::str::FromStr as _;

use anyhow::Context as _;
use cabinet_domain::JobId;
use cabinet_domain::jobs::NewJob;
use chrono::{DateTime, Utc};

use crate::settings::ScheduleSettings;

/// One recurring task.
#[derive(Debug, Clone)]
pub struct ScheduledTask {
    /// Its name in the settings, e.g. `purge_trash`.
    pub name: &'static str,
    /// The job kind it enqueues, e.g. `maintenance.purge_trash`.
    pub kind: String,
    /// The cron expression as configured.
    pub expression: String,
    schedule: cron::Schedule,
}

impl ScheduledTask {
    /// The ticks in `(after, until]`, oldest first.
    pub fn ticks(&self, after: DateTime<Utc>, until: DateTime<Utc>) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        self.schedule.after(&after).take_while(move |tick| *tick <= until)
    }

    /// The first tick after `now`.
    #[must_use]
    pub fn next_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule.after(&now).next()
    }

    /// The job for one tick; its id is the same wherever it is computed.
    #[must_use]
    pub fn job(&self, tick: DateTime<Utc>) -> NewJob {
        let name = format!("cabinet:schedule:{}:{}", self.name, tick.timestamp());
        NewJob {
            id: JobId::from_uuid(uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes())),
            kind: self.kind.clone(),
            payload: format!(r#"{{"tick":"{}"}}"#, tick.to_rfc3339()),
            run_at: tick,
            max_attempts: 1,
        }
    }
}

/// Parses the configured schedule; tasks with an empty expression are off.
///
/// # Errors
/// When an expression is not a valid cron expression.
pub fn tasks(settings: &ScheduleSettings) -> anyhow::Result<Vec<ScheduledTask>> {
    settings
        .entries()
        .into_iter()
        .filter(|(_, expression)| !expression.trim().is_empty())
        .map(|(name, expression)| {
            let schedule = cron::Schedule::from_str(expression)
                .with_context(|| format!("schedule.{name} = {expression:?} is not a cron expression"))?;
            Ok(ScheduledTask { name, kind: format!("maintenance.{name}"), expression: expression.to_owned(), schedule })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(collect: &str) -> ScheduleSettings {
        ScheduleSettings {
            collect_blobs: collect.into(),
            purge_trash: String::new(),
            expire_share_links: "0 */5 * * * *".into(),
            verify_audit: String::new(),
            prune_jobs: String::new(),
        }
    }

    #[test]
    fn ticks_map_to_the_same_job_wherever_they_are_computed() {
        let tasks = tasks(&settings("*/10 * * * * *")).expect("valid");
        assert_eq!(tasks.iter().map(|t| t.name).collect::<Vec<_>>(), ["collect_blobs", "expire_share_links"]);
        let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:05Z").expect("time").with_timezone(&Utc);
        let ticks: Vec<_> = tasks[0].ticks(start, start + chrono::TimeDelta::seconds(30)).collect();
        assert_eq!(ticks.len(), 3, "00:10, 00:20, 00:30");
        assert_eq!(tasks[0].job(ticks[0]), tasks[0].job(ticks[0]), "deterministic");
        assert_ne!(tasks[0].job(ticks[0]).id, tasks[0].job(ticks[1]).id);
        assert_ne!(tasks[0].job(ticks[0]).id, tasks[1].job(ticks[0]).id, "tasks ticking together are distinct jobs");
        assert_eq!(tasks[0].job(ticks[0]).kind, "maintenance.collect_blobs");
    }

    #[test]
    fn an_invalid_expression_is_refused_with_its_name() {
        let err = tasks(&settings("every ten minutes")).expect_err("invalid");
        assert!(err.to_string().contains("schedule.collect_blobs"), "{err}");
    }
}
