//! Typed configuration: built-in defaults, then an optional file, then
//! `CABINET__SECTION__KEY` environment variables. Secrets are
//! [`secrecy::SecretString`]s and never appear in `Debug` output or logs.

use std::path::{Path, PathBuf};

use ::config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

mod backends;
mod capabilities;
mod identity;
mod process;

pub use backends::{CacheSettings, DatabaseBackend, DatabaseSettings, S3Settings, StorageBackend, StorageSettings};
pub use capabilities::{ExtractSettings, SharingSettings, TrashSettings, WebhookConfig};
pub use identity::{AuthConfig, JwtKeyConfig, LoginThrottleConfig};
pub use process::{HttpSettings, LogSettings, MetricsSettings, ScheduleSettings, WorkerSettings};

const DEFAULTS: &str = include_str!("../defaults.toml");

/// Everything Cabinet can be told.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Folder for the embedded database, generated keys and local files.
    pub data_dir: PathBuf,
    /// The HTTP server.
    pub http: HttpSettings,
    /// The relational database.
    pub database: DatabaseSettings,
    /// The shared cache.
    pub cache: CacheSettings,
    /// File contents.
    pub storage: StorageSettings,
    /// Share links.
    pub sharing: SharingSettings,
    /// The trash.
    pub trash: TrashSettings,
    /// Background workers.
    pub worker: WorkerSettings,
    /// Recurring maintenance, as cron expressions.
    pub schedule: ScheduleSettings,
    /// Webhook delivery.
    pub webhooks: WebhookConfig,
    /// Text extraction and thumbnails.
    pub extract: ExtractSettings,
    /// Identity and tokens.
    pub auth: AuthConfig,
    /// Logging.
    pub log: LogSettings,
    /// Who may read `/metrics`.
    pub metrics: MetricsSettings,
}

/// A list given either as a list (a file's `[[auth.jwt_keys]]`) or as a map
/// from positions to items, which is what `…__0__ID`-style environment
/// variables become; items are taken in the order of their positions.
pub(super) fn indexed_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Visitor<T>(std::marker::PhantomData<T>);

    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list, or items numbered from 0 (…__0__…)")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(items)
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            while let Some(position) = map.next_key::<String>()? {
                let Ok(position) = position.parse::<usize>() else {
                    return Err(serde::de::Error::custom(format!(
                        "list items are numbered (…__0__…), not named {position:?}"
                    )));
                };
                items.push((position, map.next_value::<T>()?));
            }
            items.sort_by_key(|(position, _)| *position);
            Ok(items.into_iter().map(|(_, item)| item).collect())
        }
    }

    deserializer.deserialize_any(Visitor(std::marker::PhantomData))
}

impl Settings {
    /// Loads defaults, then `file` (or `$CABINET_CONFIG`) if given, then the
    /// environment.
    ///
    /// # Errors
    /// When a file cannot be read or a value has the wrong type or an unknown key.
    pub fn load(file: Option<&Path>) -> Result<Self, ::config::ConfigError> {
        Self::load_with(file, Environment::with_prefix("CABINET"))
    }

    /// As [`Settings::load`] with an explicit environment source (for tests).
    ///
    /// # Errors
    /// As [`Settings::load`].
    pub fn load_with(file: Option<&Path>, env: Environment) -> Result<Self, ::config::ConfigError> {
        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        let from_env = std::env::var_os("CABINET_CONFIG").map(PathBuf::from);
        if let Some(path) = file.map(Path::to_path_buf).or(from_env) {
            builder = builder.add_source(File::from(path).required(true));
        }
        builder
            .add_source(
                env.prefix_separator("__")
                    .separator("__")
                    .list_separator(",")
                    .with_list_parse_key("http.cors_origins")
                    .with_list_parse_key("http.trusted_proxies")
                    .try_parsing(true),
            )
            .build()?
            .try_deserialize()
    }

    /// The built-in defaults alone, ignoring the environment (for tests and tools).
    ///
    /// # Errors
    /// Only if the built-in defaults were broken.
    pub fn defaults() -> Result<Self, ::config::ConfigError> {
        Self::load_with(None, Environment::with_prefix("CABINET").source(Some(Default::default())))
    }

    /// The origin (`scheme://host[:port]`) of [`HttpSettings::public_url`],
    /// lower-cased and without a path, if one is set.
    #[must_use]
    pub fn public_origin(&self) -> Option<String> {
        let url = self.http.public_url.as_deref()?.trim();
        let (scheme, rest) = url.split_once("://")?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        Some(format!("{}://{}", scheme.to_ascii_lowercase(), authority.to_ascii_lowercase()))
    }

    /// The database to use.
    #[must_use]
    pub fn database_backend(&self) -> DatabaseBackend {
        match &self.database.url {
            Some(url) => DatabaseBackend::Postgres(url.clone()),
            None => DatabaseBackend::Sqlite(self.data_dir.join("cabinet.db")),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> Environment {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Environment::with_prefix("CABINET").source(Some(map))
    }

    #[test]
    fn the_embedded_default_needs_no_configuration() {
        let s = Settings::load_with(None, env(&[])).expect("defaults load");
        assert_eq!(s.http.port, 8080);
        assert!(matches!(s.database_backend(), DatabaseBackend::Sqlite(p) if p.ends_with("cabinet.db")));
        assert!(s.cache.redis_url.is_none());
    }

    #[test]
    fn environment_overrides_switch_adapters() {
        let s = Settings::load_with(
            None,
            env(&[
                ("CABINET__DATABASE__URL", "postgres://u:hunter2@db/cabinet"),
                ("CABINET__CACHE__REDIS_URL", "redis://:hunter2@cache:6379"),
                ("CABINET__HTTP__PORT", "9090"),
                ("CABINET__HTTP__CORS_ORIGINS", "https://a.example,https://b.example"),
            ]),
        )
        .expect("load");
        assert_eq!(s.http.port, 9090);
        assert_eq!(s.http.cors_origins, ["https://a.example", "https://b.example"]);
        match s.database_backend() {
            DatabaseBackend::Postgres(url) => assert!(url.expose_secret().starts_with("postgres://")),
            DatabaseBackend::Sqlite(_) => panic!("a URL selects PostgreSQL"),
        }
        assert!(s.cache.redis_url.is_some());
    }

    #[test]
    fn the_public_url_gives_the_origin_browsers_send() {
        let s = Settings::load_with(None, env(&[("CABINET__HTTP__PUBLIC_URL", "https://Docs.Example.com:8443/app/")]))
            .expect("load");
        assert_eq!(s.public_origin().as_deref(), Some("https://docs.example.com:8443"));
        assert_eq!(Settings::load_with(None, env(&[])).expect("load").public_origin(), None);
    }

    #[test]
    fn signing_keys_are_settable_from_numbered_environment_variables() {
        let s = Settings::load_with(
            None,
            env(&[
                ("CABINET__AUTH__JWT_KEYS__1__ID", "old"),
                ("CABINET__AUTH__JWT_KEYS__1__SECRET", "an older secret of at least 32 bytes!!"),
                ("CABINET__AUTH__JWT_KEYS__0__ID", "new"),
                ("CABINET__AUTH__JWT_KEYS__0__SECRET", "the current secret of at least 32 bytes"),
            ]),
        )
        .expect("load");
        let ids: Vec<_> = s.auth.jwt_keys.iter().map(|k| k.id.as_str()).collect();
        assert_eq!(ids, ["new", "old"], "in the order of their positions");
        assert_eq!(s.auth.jwt_keys[0].secret.expose_secret(), "the current secret of at least 32 bytes");
        let bad = Settings::load_with(None, env(&[("CABINET__AUTH__JWT_KEYS__FIRST__ID", "x")]));
        assert!(bad.is_err());
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let s =
            Settings::load_with(None, env(&[("CABINET__DATABASE__URL", "postgres://u:hunter2@db/x")])).expect("load");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn a_config_file_is_layered_between_defaults_and_environment() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cabinet.toml");
        std::fs::write(&path, "[http]\nport = 7000\nhost = \"0.0.0.0\"\n").expect("write");
        let s = Settings::load_with(Some(&path), env(&[("CABINET__HTTP__PORT", "7001")])).expect("load");
        assert_eq!(s.http.host, "0.0.0.0", "from the file");
        assert_eq!(s.http.port, 7001, "environment wins");
    }

    #[test]
    fn unknown_keys_are_errors_not_silence() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cabinet.toml");
        std::fs::write(&path, "[http]\nprot = 7000\n").expect("write");
        assert!(Settings::load_with(Some(&path), env(&[])).is_err());
    }
}
