//! A catalog held in memory, for tests of completion and inspection.
//! Must not: be used outside tests.

use std::collections::HashMap;

use tokio::time::Instant;

use super::{Catalog, CatalogColumn, Listing};
use crate::sql::dotted;

#[derive(Debug, Default)]
pub struct FakeCatalog {
    pub lists: HashMap<Listing, Vec<String>>,
    pub columns: HashMap<Vec<String>, Vec<CatalogColumn>>,
    pub functions: HashMap<String, String>,
    pub descriptions: HashMap<Vec<String>, Vec<Vec<String>>>,
    /// What was asked, in order.
    pub asked: Vec<String>,
}

impl FakeCatalog {
    /// A table's columns as (name, type).
    pub fn with_table(mut self, name: &[&str], columns: &[(&str, &str)]) -> FakeCatalog {
        let name: Vec<String> = name.iter().map(|p| (*p).to_owned()).collect();
        let columns = columns
            .iter()
            .map(|(n, t)| CatalogColumn {
                name: (*n).to_owned(),
                type_name: (*t).to_owned(),
                comment: String::new(),
            })
            .collect();
        self.columns.insert(name, columns);
        self
    }

    pub fn with_list(mut self, listing: Listing, names: &[&str]) -> FakeCatalog {
        self.lists
            .insert(listing, names.iter().map(|n| (*n).to_owned()).collect());
        self
    }
}

impl Catalog for FakeCatalog {
    async fn list(&mut self, listing: Listing, _deadline: Instant) -> Vec<String> {
        self.asked.push(format!("list {listing:?}"));
        self.lists.get(&listing).cloned().unwrap_or_default()
    }

    async fn columns(
        &mut self,
        table: &[String],
        _deadline: Instant,
    ) -> Option<Vec<CatalogColumn>> {
        self.asked.push(format!("columns {}", dotted(table)));
        self.columns.get(table).cloned()
    }

    async fn describe_function(&mut self, name: &str, _deadline: Instant) -> Option<String> {
        self.asked.push(format!("function {name}"));
        self.functions.get(&name.to_lowercase()).cloned()
    }

    async fn describe_table(
        &mut self,
        table: &[String],
        _deadline: Instant,
    ) -> Option<Vec<Vec<String>>> {
        self.asked.push(format!("describe {}", dotted(table)));
        self.descriptions.get(table).cloned()
    }
}
