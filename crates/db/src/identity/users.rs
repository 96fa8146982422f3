//! The user repository.

use async_trait::async_trait;
use cabinet_domain::audit::{NewEvent, RevocationReason};
use cabinet_domain::identity::UserRepository;
use cabinet_domain::identity::{Email, PasswordHash, User};
use cabinet_domain::{Conflict, DomainError, DomainResult, Entity, SessionId, UserId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set};

use crate::audit::store::in_transaction;
use crate::conn::Conn;
use crate::convert;
use crate::entities::{sessions, users};
use crate::error::{DbResultExt, db_err_unique};

/// Users in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlUserRepository {
    db: Conn,
}

impl SqlUserRepository {
    pub(crate) fn new(db: Conn) -> Self {
        Self { db }
    }
}

#[async_trait]
impl UserRepository for SqlUserRepository {
    #[tracing::instrument(skip_all, fields(user_id = %user.id), err(level = "debug"))]
    async fn create(&self, user: &User, events: &[NewEvent]) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            let row = users::ActiveModel {
                id: Set(user.id.as_uuid()),
                email: Set(user.email.as_str().to_owned()),
                display_name: Set(user.display_name.as_str().to_owned()),
                password_hash: Set(user.password_hash.as_phc().to_owned()),
                instance_admin: Set(user.instance_admin),
                disabled_at: Set(user.disabled_at),
                created_at: Set(user.created_at),
                updated_at: Set(user.updated_at),
            };
            users::Entity::insert(row)
                .exec_without_returning(&txn)
                .await
                .map_err(|e| db_err_unique(e, DomainError::Conflict(Conflict::EmailTaken)))?;
            Ok::<_, DomainError>(())
        })
    }

    async fn get(&self, id: UserId) -> DomainResult<Option<User>> {
        users::Entity::find_by_id(id.as_uuid()).one(&self.db).await.or_domain()?.map(convert::user).transpose()
    }

    async fn find_by_email(&self, email: &Email) -> DomainResult<Option<User>> {
        users::Entity::find()
            .filter(users::Column::Email.eq(email.as_str()))
            .one(&self.db)
            .await
            .or_domain()?
            .map(convert::user)
            .transpose()
    }

    async fn count(&self) -> DomainResult<u64> {
        users::Entity::find().count(&self.db).await.or_domain()
    }

    #[tracing::instrument(skip_all, fields(user_id = %id), err(level = "debug"))]
    async fn set_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: Option<SessionId>,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<Vec<SessionId>> {
        in_transaction!(self.db, events, |txn| {
            let updated = users::Entity::update_many()
                .col_expr(users::Column::PasswordHash, Expr::value(hash.as_phc()))
                .col_expr(users::Column::UpdatedAt, Expr::value(now))
                .filter(users::Column::Id.eq(id.as_uuid()))
                .exec(&txn)
                .await
                .or_domain()?;
            if updated.rows_affected == 0 {
                return Err(DomainError::NotFound(Entity::User));
            }
            let mut active = sessions::Entity::find()
                .select_only()
                .column(sessions::Column::Id)
                .filter(sessions::Column::UserId.eq(id.as_uuid()))
                .filter(sessions::Column::RevokedAt.is_null())
                .filter(sessions::Column::ExpiresAt.gt(now));
            if let Some(keep) = keep {
                active = active.filter(sessions::Column::Id.ne(keep.as_uuid()));
            }
            let ids: Vec<uuid::Uuid> = active.into_tuple().all(&txn).await.or_domain()?;
            if !ids.is_empty() {
                sessions::Entity::update_many()
                    .col_expr(sessions::Column::RevokedAt, Expr::value(now))
                    .col_expr(sessions::Column::RevokedReason, Expr::value(RevocationReason::PasswordChanged.as_str()))
                    .filter(sessions::Column::Id.is_in(ids.clone()))
                    .exec(&txn)
                    .await
                    .or_domain()?;
            }
            Ok::<_, DomainError>(ids.into_iter().map(SessionId::from_uuid).collect())
        })
    }
}
