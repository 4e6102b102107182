//! Accounts.

use async_trait::async_trait;
use confab_domain::ports::UserRepository;
use confab_domain::{
    DomainError, Email, NewUser, Page, PageRequest, PasswordHash, User, UserId, UserName,
    UserSummary,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{corrupt, is_unique_violation};
use crate::entities::users;
use crate::error::internal;

/// What a client is told when registering with an address that already has an account.
pub(super) const EMAIL_TAKEN: &str = "The email has already been taken.";

/// [`UserRepository`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaUserRepository {
    db: DatabaseConnection,
}

impl SeaUserRepository {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl UserRepository for SeaUserRepository {
    /// Inserts without looking first: the unique index decides, so of two simultaneous
    /// registrations exactly one wins and the other gets the validation error.
    async fn create(&self, user: NewUser) -> Result<User, DomainError> {
        insert(&self.db, user).await
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, DomainError> {
        users::Entity::find_by_id(id.get())
            .one(&self.db)
            .await
            .map_err(internal)?
            .map(to_user)
            .transpose()
    }

    async fn update_password(&self, id: UserId, hash: PasswordHash) -> Result<(), DomainError> {
        users::Entity::update_many()
            .col_expr(users::Column::PasswordHash, Expr::value(hash.0))
            .filter(users::Column::Id.eq(id.get()))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, DomainError> {
        users::Entity::find()
            .filter(users::Column::Email.eq(email.as_str()))
            .one(&self.db)
            .await
            .map_err(internal)?
            .map(to_user)
            .transpose()
    }

    async fn find_summaries(&self, ids: &[UserId]) -> Result<Vec<UserSummary>, DomainError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = users::Entity::find()
            .filter(users::Column::Id.is_in(ids.iter().map(|id| id.get())))
            // A deleted account can no longer be invited, blocked or written to.
            .filter(users::Column::DeletedAt.is_null())
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(summary).collect())
    }

    /// `LOWER(column) LIKE '%term%'` on name and email, with `%`, `_` and `\` in the term matched
    /// literally. On SQLite `LOWER` folds ASCII only, so a non-ASCII name matches case-sensitively
    /// there; PostgreSQL folds everything.
    async fn search(
        &self,
        search: Option<String>,
        except: UserId,
        page: PageRequest,
    ) -> Result<Page<UserSummary>, DomainError> {
        let mut query = users::Entity::find()
            .filter(users::Column::Id.ne(except.get()))
            .filter(users::Column::DeletedAt.is_null());
        if let Some(term) = search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = format!("%{}%", escape_like(&term.to_lowercase()));
            let matches = |column: users::Column| {
                Expr::expr(Func::lower(Expr::col(column)))
                    .like(LikeExpr::new(pattern.clone()).escape('\\'))
            };
            query = query.filter(
                Condition::any()
                    .add(matches(users::Column::Name))
                    .add(matches(users::Column::Email)),
            );
        }
        let total = query.clone().count(&self.db).await.map_err(internal)?;
        let rows = query
            .order_by_asc(users::Column::Name)
            .order_by_asc(users::Column::Id)
            .limit(page.per_page())
            // Past `i64::MAX` rows is past the end: the databases take a signed offset.
            .offset(Ord::min(page.offset(), i64::MAX as u64))
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(Page {
            items: rows.into_iter().map(summary).collect(),
            request: page,
            total,
        })
    }
}

/// `%`, `_` and the escape character itself, escaped so a search for `50%` means those characters.
fn escape_like(term: &str) -> String {
    let mut escaped = String::with_capacity(term.len());
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

fn summary(row: users::Model) -> UserSummary {
    UserSummary {
        id: UserId(row.id),
        name: row.name,
        avatar: super::user_names::avatar(row.avatar.as_deref()),
    }
}

/// Inserts `user` and returns it with its id. Only the id is read back (`RETURNING id`, or the
/// last insert id), so an account can be created on any schema version the upgrade tests start
/// from; a new account has proved no email yet. A taken email is the unique index's refusal.
pub(super) async fn insert(db: &impl ConnectionTrait, user: NewUser) -> Result<User, DomainError> {
    let inserted = users::Entity::insert(users::ActiveModel {
        name: Set(user.name.as_str().to_owned()),
        email: Set(user.email.as_str().to_owned()),
        password_hash: Set(user.password_hash.0.clone()),
        created_at: Set(user.created_at),
        ..Default::default()
    })
    .exec(db)
    .await
    .map_err(|error| {
        if is_unique_violation(&error) {
            DomainError::invalid("email", EMAIL_TAKEN)
        } else {
            internal(error)
        }
    })?;
    Ok(User {
        id: UserId(inserted.last_insert_id),
        name: user.name,
        email: user.email,
        password_hash: user.password_hash,
        created_at: user.created_at,
        email_verified_at: None,
        avatar: None,
    })
}

pub(super) fn to_user(row: users::Model) -> Result<User, DomainError> {
    Ok(User {
        id: UserId(row.id),
        name: UserName::parse(&row.name).map_err(|e| corrupt("user name", e))?,
        email: Email::parse(&row.email).map_err(|e| corrupt("email", e))?,
        password_hash: PasswordHash(row.password_hash),
        created_at: row.created_at,
        email_verified_at: row.email_verified_at,
        avatar: super::user_names::avatar(row.avatar.as_deref()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_a_search_term_are_escaped() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
