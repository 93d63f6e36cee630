//! Completion where a join is written: after `JOIN x ON`, the pairs of columns of the joined
//! table and the tables before it that share a name or an `_id` stem (`g.genome_id =
//! f.genome_id`, `g.id = f.genome_id` when `g` is `genomes`); inside `USING (`, the columns
//! both sides share. Must not: wait on the catalog past the completion's deadline.

use tokio::time::Instant;

use super::{Candidates, MatchKind};
use crate::session::{Catalog, CatalogColumn};
use crate::sql::cursor::{Context, TableRef};

/// One side of a join: what its columns are qualified with, its table's name, its columns.
struct Side {
    qualifier: String,
    table: String,
    columns: Vec<CatalogColumn>,
}

/// The joined table (the statement's last) and the tables before it, with their columns.
async fn sides(
    catalog: &mut impl Catalog,
    tables: &[TableRef],
    deadline: Instant,
) -> Option<(Side, Vec<Side>)> {
    if tables.len() < 2 {
        return None;
    }
    let mut read = Vec::with_capacity(tables.len());
    for table in tables {
        let columns = catalog
            .columns(&table.name, deadline)
            .await
            .unwrap_or_default();
        let name = table.name.last().cloned().unwrap_or_default();
        read.push(Side {
            qualifier: table.alias.clone().unwrap_or_else(|| name.clone()),
            table: name,
            columns,
        });
    }
    let joined = read.pop()?;
    Some((joined, read))
}

/// Whether `column` (`genome_id`) names the key of `table` (`genomes`, `genome`).
fn names_key_of(column: &str, table: &str) -> bool {
    let Some(stem) = column
        .to_ascii_lowercase()
        .strip_suffix("_id")
        .map(str::to_owned)
    else {
        return false;
    };
    let table = table.to_ascii_lowercase();
    table == stem || table.strip_suffix('s') == Some(&stem)
}

/// After `ON`: the pairs that share a name first, then those an `_id` stem ties.
pub async fn on_pairs(
    catalog: &mut impl Catalog,
    ctx: &Context,
    deadline: Instant,
    out: &mut Candidates,
) {
    let Some((joined, before)) = sides(catalog, &ctx.tables, deadline).await else {
        return;
    };
    let pair = |a: &Side, ac: &str, b: &Side, bc: &str| {
        format!("{}.{ac} = {}.{bc}", a.qualifier, b.qualifier)
    };
    let mut same = Vec::new();
    let mut stems = Vec::new();
    for side in &before {
        for left in &side.columns {
            for right in &joined.columns {
                if left.name.eq_ignore_ascii_case(&right.name) {
                    same.push(pair(side, &left.name, &joined, &right.name));
                } else if (right.name.eq_ignore_ascii_case("id")
                    && names_key_of(&left.name, &joined.table))
                    || (left.name.eq_ignore_ascii_case("id")
                        && names_key_of(&right.name, &side.table))
                {
                    stems.push(pair(side, &left.name, &joined, &right.name));
                }
            }
        }
    }
    out.extend(same.into_iter().chain(stems).map(|p| (p, MatchKind::Join)));
}

/// Inside `USING (`: the columns the joined table shares with a table before it.
pub async fn using_columns(
    catalog: &mut impl Catalog,
    ctx: &Context,
    deadline: Instant,
    out: &mut Candidates,
) {
    let Some((joined, before)) = sides(catalog, &ctx.tables, deadline).await else {
        return;
    };
    for column in &joined.columns {
        let shared = before.iter().any(|side| {
            side.columns
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(&column.name))
        });
        if shared {
            out.push((column.name.clone(), MatchKind::Column));
        }
    }
}
