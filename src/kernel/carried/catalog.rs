//! The catalog as completion and inspection see it, with the kept results in it: `_N` and `_`
//! are listed among the current database's tables, and their columns come from the results
//! themselves, whether or not Spark has them as views yet.
//! Must not: ask Spark about a kept result.

use tokio::time::Instant;

use super::{Carried, LAST};
use crate::session::{Catalog, CatalogColumn, Listing};

/// `inner` with the results of `carried` in it.
pub struct WithResults<'a, C> {
    pub inner: &'a mut C,
    pub carried: &'a Carried,
}

impl<C: Catalog> WithResults<'_, C> {
    /// The columns of the kept result `table` names (a single name).
    fn result_columns(&self, table: &[String]) -> Option<Vec<CatalogColumn>> {
        let [name] = table else {
            return None;
        };
        let carried = self.carried;
        if name == LAST {
            return carried
                .kept
                .back()
                .filter(|_| !carried.users.contains(LAST))
                .map(|c| c.columns.clone());
        }
        carried.find(name).map(|c| c.columns.clone())
    }
}

impl<C: Catalog> Catalog for WithResults<'_, C> {
    async fn list(&mut self, listing: Listing, deadline: Instant) -> Vec<String> {
        let mut names = self.inner.list(listing.clone(), deadline).await;
        if listing == Listing::Tables(None) {
            for carry in self.carried.kept.iter().rev() {
                if !names.contains(&carry.name) {
                    names.push(carry.name.clone());
                }
            }
        }
        names
    }

    async fn columns(&mut self, table: &[String], deadline: Instant) -> Option<Vec<CatalogColumn>> {
        match self.result_columns(table) {
            Some(columns) => Some(columns),
            None => self.inner.columns(table, deadline).await,
        }
    }

    async fn describe_function(&mut self, name: &str, deadline: Instant) -> Option<String> {
        self.inner.describe_function(name, deadline).await
    }

    async fn describe_table(
        &mut self,
        table: &[String],
        deadline: Instant,
    ) -> Option<Vec<Vec<String>>> {
        self.inner.describe_table(table, deadline).await
    }

    async fn start(&mut self, listings: &[Listing], deadline: Instant) {
        self.inner.start(listings, deadline).await;
    }
}
