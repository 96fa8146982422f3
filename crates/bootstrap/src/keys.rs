//! Signing keys and instance secrets: configured, or generated once and
//! kept where every process of the instance finds them.

use std::path::Path;

use anyhow::Context as _;
use cabinet_auth::{JwtKey, RandomSecrets};
use cabinet_db::Database;
use cabinet_domain::system::SecretGenerator as _;
use secrecy::SecretString;

use crate::{DatabaseBackend, Settings};

/// The configured signing keys, or one generated once and kept in the data
/// folder so that restarts do not sign everyone out.
/// The configured signing keys or, without any, one generated key that
/// every process of the instance shares: kept in the data folder on SQLite
/// (whose processes share that folder), and in the database on PostgreSQL,
/// where replicas share nothing else; one key per replica would make each
/// refuse the others' tokens.
pub(crate) async fn signing_keys(settings: &Settings, database: &Database) -> anyhow::Result<Vec<JwtKey>> {
    if !settings.auth.jwt_keys.is_empty() {
        return Ok(settings
            .auth
            .jwt_keys
            .iter()
            .map(|k| JwtKey { id: k.id.clone(), secret: k.secret.clone() })
            .collect());
    }
    match settings.database_backend() {
        DatabaseBackend::Sqlite(_) => {
            let path = settings.data_dir.join("jwt-signing.key");
            let secret = load_or_create_secret(&path)?;
            Ok(vec![JwtKey { id: "local".into(), secret }])
        }
        DatabaseBackend::Postgres(_) => {
            let secret = database
                .shared_secret("jwt-signing-key", &RandomSecrets.generate(""))
                .await
                .context("agreeing on a token signing key through the database (run `cabinet migrate` first)")?;
            tracing::warn!(
                "no auth.jwt_keys configured: signing tokens with a key generated and kept in the database; \
                 configure CABINET__AUTH__JWT_KEYS__0__ID and __SECRET to rotate keys"
            );
            Ok(vec![JwtKey { id: "shared".into(), secret: SecretString::from(secret) }])
        }
    }
}

fn read_secret(path: &Path) -> anyhow::Result<SecretString> {
    let existing = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let existing = existing.trim().to_owned();
    anyhow::ensure!(existing.len() >= 32, "{} holds a key shorter than 32 bytes", path.display());
    Ok(SecretString::from(existing))
}

/// Reads the key, or creates it. Processes starting together on a fresh
/// data folder (a worker and an API, say) must all end up with the same
/// key: it is written whole to a private file of its own, then linked into
/// place, which fails for all but the first; the others read the winner's.
fn load_or_create_secret(path: &Path) -> anyhow::Result<SecretString> {
    if path.exists() {
        return read_secret(path);
    }
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let secret = RandomSecrets.generate("");
    let staged = dir.join(format!(".jwt-signing.key.{}", uuid::Uuid::new_v4().simple()));
    write_private(&staged, &secret).with_context(|| format!("writing {}", staged.display()))?;
    let linked = std::fs::hard_link(&staged, path);
    let _ = std::fs::remove_file(&staged);
    match linked {
        Ok(()) => Ok(SecretString::from(secret)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_secret(path),
        Err(e) => Err(e).with_context(|| format!("writing {}", path.display())),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret as _;

    #[test]
    fn a_generated_signing_key_is_kept_across_restarts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys").join("jwt-signing.key");
        let first = load_or_create_secret(&path).expect("created");
        let second = load_or_create_secret(&path).expect("read back");
        assert_eq!(first.expose_secret(), second.expose_secret());
        assert!(first.expose_secret().len() >= 32);
    }

    #[test]
    fn processes_starting_together_agree_on_one_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("jwt-signing.key");
        let racers: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || load_or_create_secret(&path).expect("a key").expose_secret().to_owned())
            })
            .collect();
        let keys: std::collections::BTreeSet<_> = racers.into_iter().map(|r| r.join().expect("thread")).collect();
        assert_eq!(keys.len(), 1, "one key for all");
        let leftovers = std::fs::read_dir(dir.path()).expect("dir").count();
        assert_eq!(leftovers, 1, "no staged copies remain");
    }
}
