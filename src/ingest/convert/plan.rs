//! The per-file conversion plan: a file's header bound to the canonical columns of its kind,
//! once per file, before any record is read.

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::InputFile;
use crate::error::{Error, Result};
use crate::model::{ColSpec, Fallback, Kind};
use crate::profile::ReadSpec;

/// Where a canonical column's value comes from in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Binding {
    /// Source columns (0-based), joined with spaces when several.
    Source(Vec<usize>),
    /// The same value on every row.
    Const(String),
    /// Nothing: null.
    Null,
}

/// The per-file conversion plan.
#[derive(Debug)]
pub struct Plan {
    pub(super) kind: Kind,
    /// Bindings, one per canonical column of the kind.
    pub bindings: Vec<Binding>,
    /// The profile's value map of each canonical column (keys trimmed and lower-cased).
    pub(super) values: Vec<Option<HashMap<String, String>>>,
    /// The file's profile, resolved (parsers, duration format, field limit).
    pub(super) spec: Arc<ReadSpec>,
    pub(super) file_name: String,
    /// Source columns read for nothing: bound to no canonical column, named by neither the
    /// row filter nor `latest_by`.
    pub unused: Vec<String>,
    /// The profile's row filter, bound to the file's columns.
    pub(super) filter: Vec<FilterColumn>,
    /// The source column of `latest_by` (a population history), and its name.
    pub(super) order_by: Option<(usize, String)>,
}

/// One column of a row filter, bound to the file.
#[derive(Debug)]
pub(super) struct FilterColumn {
    /// The source column (0-based).
    pub col: usize,
    /// Its name, as the profile gives it.
    pub name: String,
    /// `true` for `keep` (the cell must be one of `values`), `false` for `drop` (none).
    pub keep: bool,
    /// The values, trimmed.
    pub values: Vec<String>,
}

impl Plan {
    /// Binds `file`'s source columns (`header`, in file order) to the canonical columns of its
    /// kind. A column the profile maps is looked up by exact name, then ignoring case and
    /// surrounding spaces; an unmapped canonical column binds to the input's `set` if it has a
    /// value for it (even when the header has a column of the same name), else to a source
    /// column of its own name, else to its fallback. The columns of the row filter and of
    /// `latest_by` are looked up the same way.
    ///
    /// # Errors
    /// [`Error::Input`] naming the file and the column when a mapped, filter or `latest_by`
    /// column is missing from the header or appears in it twice, a required column has no
    /// source at all, or one source column feeds two canonical columns and the profile does
    /// not list it in `shared_columns`.
    pub fn new(file: &InputFile, header: &[String]) -> Result<Plan> {
        let kind = file.kind;
        let h = Header {
            file,
            names: header,
        };
        // The canonical column each source column feeds first.
        let mut used: Vec<Option<&'static str>> = vec![None; header.len()];
        let mut bindings = Vec::with_capacity(kind.columns().len());
        for spec in kind.columns() {
            let b = h.bind(spec)?;
            if let Binding::Source(idx) = &b {
                for &i in idx {
                    match used[i] {
                        Some(first) if first != spec.name => h.check_shared(i, first, spec.name)?,
                        _ => used[i] = Some(spec.name),
                    }
                }
            }
            bindings.push(b);
        }
        let filter = h.bind_filter()?;
        let order_by = match &file.spec.latest_by {
            Some(name) => Some((h.require(name, "latest_by")?, name.clone())),
            None => None,
        };
        check_explode(file, header, &used)?;
        let values = kind
            .columns()
            .iter()
            .map(|c| file.spec.values.get(c.name).cloned())
            .collect();
        // A column read only by the row filter or by `latest_by` is used too.
        let read = |i: usize| {
            used[i].is_some()
                || filter.iter().any(|f| f.col == i)
                || order_by.as_ref().is_some_and(|(c, _)| *c == i)
        };
        let unused = header
            .iter()
            .enumerate()
            .filter(|(i, _)| !read(*i))
            .map(|(_, h)| h.clone())
            .collect();
        Ok(Plan {
            kind,
            bindings,
            values,
            spec: file.spec.clone(),
            file_name: file.name.clone(),
            unused,
            filter,
            order_by,
        })
    }

    /// The longest field accepted, in bytes.
    pub fn max_field_bytes(&self) -> usize {
        self.spec.max_field_bytes
    }
}

/// A file's header, as the canonical columns of its kind look for their sources in it.
struct Header<'a> {
    file: &'a InputFile,
    names: &'a [String],
}

impl Header<'_> {
    /// Where canonical column `spec` comes from in this file.
    fn bind(&self, spec: &ColSpec) -> Result<Binding> {
        let file = self.file;
        if let Some(src) = file.spec.columns.get(spec.name) {
            let mut idx = Vec::new();
            for name in src.names() {
                let i = match positional(name, self.names.len()) {
                    Some(i) => Some(i),
                    None => self.find(name)?,
                };
                let Some(i) = i else {
                    return Err(Error::input(
                        &file.path,
                        None,
                        format!(
                            "column {name:?} (mapped to `{}` by profile `{}`) is not in \
                             the header; the header has: {}",
                            spec.name,
                            file.profile_name,
                            quote_list(self.names)
                        ),
                    ));
                };
                idx.push(i);
            }
            return Ok(Binding::Source(idx));
        }
        if let Some(v) = file.set.get(spec.name) {
            return Ok(Binding::Const(v.clone()));
        }
        if let Some(i) = self.find(spec.name)? {
            return Ok(Binding::Source(vec![i]));
        }
        if let Some(v) = fallback_value(file, spec.fallback) {
            return Ok(Binding::Const(v));
        }
        if spec.required {
            return Err(Error::input(
                &file.path,
                None,
                format!(
                    "required column `{}` of kind {} is not mapped by profile `{}` and the \
                     header has no column of that name; the header has: {}",
                    spec.name,
                    file.kind,
                    file.profile_name,
                    quote_list(self.names)
                ),
            ));
        }
        Ok(Binding::Null)
    }

    /// The row filter's columns, `keep` then `drop`, each in name order.
    fn bind_filter(&self) -> Result<Vec<FilterColumn>> {
        let f = &self.file.spec.filter;
        let mut out = Vec::new();
        for (keep, rules) in [(true, &f.keep), (false, &f.drop)] {
            let key = if keep { "keep" } else { "drop" };
            for (name, values) in rules {
                out.push(FilterColumn {
                    col: self.require(name, key)?,
                    name: name.clone(),
                    keep,
                    values: values.clone(),
                });
            }
        }
        Ok(out)
    }

    /// The source column `name` that profile key `key` names (a filter or `latest_by`): by
    /// name as for `columns`, or `#N`.
    fn require(&self, name: &str, key: &str) -> Result<usize> {
        let found = match positional(name, self.names.len()) {
            Some(i) => Some(i),
            None => self.find(name)?,
        };
        found.ok_or_else(|| {
            Error::input(
                &self.file.path,
                None,
                format!(
                    "column {name:?} (named by `{key}` in profile `{}`) is not in the header; \
                     the header has: {}",
                    self.file.profile_name,
                    quote_list(self.names)
                ),
            )
        })
    }

    /// Source column `i` feeds canonical column `first` and now `second`: allowed only when
    /// the profile lists it in `shared_columns`.
    fn check_shared(&self, i: usize, first: &str, second: &str) -> Result<()> {
        let name = &self.names[i];
        let lname = name.trim().to_lowercase();
        let listed = self.file.spec.shared_columns.iter().any(|s| {
            s == name
                || s.trim().to_lowercase() == lname
                || positional(s, self.names.len()) == Some(i)
        });
        if listed {
            return Ok(());
        }
        Err(Error::input(
            &self.file.path,
            None,
            format!(
                "source column {name:?} feeds two canonical columns, `{first}` and `{second}` \
                 (profile `{}`); if that is meant, list it in the profile's `shared_columns`",
                self.file.profile_name
            ),
        ))
    }

    /// The header column named `name`: exactly, else ignoring case and surrounding spaces.
    fn find(&self, name: &str) -> Result<Option<usize>> {
        let header = self.names;
        let exact: Vec<usize> = (0..header.len()).filter(|&i| header[i] == name).collect();
        let hits = if exact.is_empty() {
            let lname = name.trim().to_lowercase();
            (0..header.len())
                .filter(|&i| header[i].trim().to_lowercase() == lname)
                .collect()
        } else {
            exact
        };
        match hits.len() {
            0 => Ok(None),
            1 => Ok(Some(hits[0])),
            _ => Err(Error::input(
                &self.file.path,
                None,
                format!(
                    "column {name:?} appears {} times in the header (columns {}); \
                     the mapping would be ambiguous",
                    hits.len(),
                    hits.iter()
                        .map(|i| (i + 1).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }
}

/// The value of an unmapped canonical column with a fallback, for the files of `file`'s input.
fn fallback_value(file: &InputFile, fb: Fallback) -> Option<String> {
    match fb {
        Fallback::None => None,
        Fallback::FileStem => Some(file.stem()),
        Fallback::Label => Some(file.label.clone().unwrap_or_else(|| file.stem())),
        Fallback::LabelOnly => file.label.clone(),
        Fallback::Const(c) => Some(c.to_string()),
    }
}

/// The profile's `explode` column must be in the header (by its exact name, as the reader finds
/// it) and feed a canonical column: an array nobody reads would only multiply the rows.
fn check_explode(file: &InputFile, header: &[String], used: &[Option<&str>]) -> Result<()> {
    let Some(key) = &file.spec.explode else {
        return Ok(());
    };
    match header.iter().position(|h| h == key) {
        None => Err(Error::input(
            &file.path,
            None,
            format!(
                "explode = {key:?} (profile `{}`): no column of that name; the header has: {}",
                file.profile_name,
                quote_list(header)
            ),
        )),
        Some(i) if used[i].is_none() => Err(Error::input(
            &file.path,
            None,
            format!(
                "explode = {key:?} (profile `{}`): the column feeds no canonical column; map \
                 it, e.g. `number = {key:?}`",
                file.profile_name
            ),
        )),
        Some(_) => Ok(()),
    }
}

/// `"#3"` names the third column (for files without a header).
fn positional(name: &str, ncols: usize) -> Option<usize> {
    let n: usize = name.strip_prefix('#')?.parse().ok()?;
    (n >= 1 && n <= ncols).then(|| n - 1)
}

fn quote_list(h: &[String]) -> String {
    let mut s = h
        .iter()
        .take(40)
        .map(|x| format!("{x:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if h.len() > 40 {
        s.push_str(", ...");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_names() {
        assert_eq!(positional("#1", 3), Some(0));
        assert_eq!(positional("#4", 3), None);
        assert_eq!(positional("1", 3), None);
    }
}
