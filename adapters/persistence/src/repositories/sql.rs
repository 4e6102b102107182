//! Hand-written SQL with a variable number of values: `$n` placeholders numbered as the values are
//! added, so a statement over a whole batch or list is built in one pass on both databases.

use sea_orm::{DbBackend, Statement, Value};

/// The values of a statement being built, and the placeholders that stand for them.
#[derive(Default, Clone)]
pub(super) struct Bound {
    values: Vec<Value>,
}

impl Bound {
    /// `($k, $k+1, …)` for one row of `row`'s values.
    pub(super) fn row(&mut self, row: impl IntoIterator<Item = Value>) -> String {
        format!("({})", self.list(row))
    }

    /// `$k, $k+1, …` for `items`, as an `IN (…)` list wants them.
    pub(super) fn list(&mut self, items: impl IntoIterator<Item = Value>) -> String {
        items
            .into_iter()
            .map(|value| {
                self.values.push(value);
                format!("${}", self.values.len())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The statement `sql` with these values.
    pub(super) fn statement(self, backend: DbBackend, sql: &str) -> Statement {
        Statement::from_sql_and_values(backend, sql, self.values)
    }
}
