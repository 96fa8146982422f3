//! The session repository: sessions and their rotating refresh tokens.

use async_trait::async_trait;
use cabinet_domain::audit::{NewEvent, RevocationReason};
use cabinet_domain::identity::SessionRepository;
use cabinet_domain::identity::{RefreshToken, Session};
use cabinet_domain::system::TokenHash;
use cabinet_domain::{DomainError, DomainResult, SessionId, UserId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::audit::store::{append, in_transaction, update_one_with_events};
use crate::conn::Conn;
use crate::convert;
use crate::entities::{refresh_tokens, sessions};
use crate::error::{DbResultExt, db_err};

/// Sessions in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlSessionRepository {
    db: Conn,
}

impl SqlSessionRepository {
    pub(crate) fn new(db: Conn) -> Self {
        Self { db }
    }
}

fn token_row(token: &RefreshToken) -> refresh_tokens::ActiveModel {
    refresh_tokens::ActiveModel {
        token_hash: Set(token.hash.as_str().to_owned()),
        session_id: Set(token.session_id.as_uuid()),
        created_at: Set(token.created_at),
        expires_at: Set(token.expires_at),
        used_at: Set(token.used_at),
    }
}

#[async_trait]
impl SessionRepository for SqlSessionRepository {
    #[tracing::instrument(skip_all, fields(session_id = %session.id), err(level = "debug"))]
    async fn create(&self, session: &Session, token: &RefreshToken, events: &[NewEvent]) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            let row = sessions::ActiveModel {
                id: Set(session.id.as_uuid()),
                user_id: Set(session.user_id.as_uuid()),
                created_at: Set(session.created_at),
                last_used_at: Set(session.last_used_at),
                expires_at: Set(session.expires_at),
                revoked_at: Set(session.revoked_at),
                revoked_reason: Set(None),
                user_agent: Set(session.user_agent.clone()),
                ip: Set(session.ip.clone()),
            };
            sessions::Entity::insert(row).exec_without_returning(&txn).await.or_domain()?;
            refresh_tokens::Entity::insert(token_row(token)).exec_without_returning(&txn).await.or_domain()?;
            Ok::<_, DomainError>(())
        })
    }

    async fn get(&self, id: SessionId) -> DomainResult<Option<Session>> {
        Ok(sessions::Entity::find_by_id(id.as_uuid()).one(&self.db).await.or_domain()?.map(convert::session))
    }

    async fn find_refresh_token(&self, hash: &TokenHash) -> DomainResult<Option<(RefreshToken, Session)>> {
        let Some(token) =
            refresh_tokens::Entity::find_by_id(hash.as_str().to_owned()).one(&self.db).await.or_domain()?
        else {
            return Ok(None);
        };
        let session = sessions::Entity::find_by_id(token.session_id).one(&self.db).await.or_domain()?;
        Ok(session.map(|s| (convert::refresh_token(token), convert::session(s))))
    }

    #[tracing::instrument(skip_all, err(level = "debug"))]
    async fn rotate_refresh_token(
        &self,
        old: &TokenHash,
        new: &RefreshToken,
        events: &[NewEvent],
    ) -> DomainResult<bool> {
        let txn = crate::error::begin_write(&self.db).await?;
        // The conditional update is the arbiter: of concurrent rotations of
        // one token exactly one sees `used_at IS NULL` and changes a row.
        let claimed = refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::UsedAt, Expr::value(new.created_at))
            .filter(refresh_tokens::Column::TokenHash.eq(old.as_str()))
            .filter(refresh_tokens::Column::UsedAt.is_null())
            .exec(&txn)
            .await
            .or_domain()?;
        if claimed.rows_affected != 1 {
            txn.rollback().await.map_err(db_err)?;
            return Ok(false);
        }
        refresh_tokens::Entity::insert(token_row(new)).exec_without_returning(&txn).await.or_domain()?;
        sessions::Entity::update_many()
            .col_expr(sessions::Column::LastUsedAt, Expr::value(new.created_at))
            .filter(sessions::Column::Id.eq(new.session_id.as_uuid()))
            .exec(&txn)
            .await
            .or_domain()?;
        append(&txn, events).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(true)
    }

    #[tracing::instrument(skip_all, fields(session_id = %id), err(level = "debug"))]
    async fn revoke(
        &self,
        id: SessionId,
        reason: RevocationReason,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<bool> {
        let revoke = sessions::Entity::update_many()
            .col_expr(sessions::Column::RevokedAt, Expr::value(now))
            .col_expr(sessions::Column::RevokedReason, Expr::value(reason.as_str()))
            .filter(sessions::Column::Id.eq(id.as_uuid()))
            .filter(sessions::Column::RevokedAt.is_null());
        update_one_with_events(&self.db, revoke, events).await
    }

    async fn list_active(&self, user: UserId, now: DateTime<Utc>) -> DomainResult<Vec<Session>> {
        Ok(sessions::Entity::find()
            .filter(sessions::Column::UserId.eq(user.as_uuid()))
            .filter(sessions::Column::RevokedAt.is_null())
            .filter(sessions::Column::ExpiresAt.gt(now))
            .order_by_desc(sessions::Column::CreatedAt)
            .all(&self.db)
            .await
            .or_domain()?
            .into_iter()
            .map(convert::session)
            .collect())
    }
}
