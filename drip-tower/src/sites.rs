//! The run sites of one layer: one per route template and method, carrying
//! both as literal run metadata.
//!
//! A request's method and route are the same for every request of a route,
//! so they are screened (the metadata rules, [`sanitize_metadata`]) once,
//! when the route is first seen, and ride on the run's site like the
//! literals of `#[drip::run(metadata(..))]` — not screened again on every
//! request's path. A site lives as long as the process (a run refers to its
//! site for its whole life), so the table is bounded: past
//! [`MAX_SITES`] routes, requests share the layer's bare site and carry
//! method and route as run-time values, screened per request.
//!
//! [`sanitize_metadata`]: drip_runtime::privacy::sanitize_metadata

use drip_runtime::Metadata;
use drip_runtime::private::{LiteralValue, RunSite};
use http::Method;
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// Routes (with their methods) given a site of their own, per layer.
pub(crate) const MAX_SITES: usize = 512;

type ByMethod = Vec<(Method, &'static RunSite)>;

pub(crate) struct Sites {
    /// No literals: for routes past the bound.
    pub(crate) bare: &'static RunSite,
    table: RwLock<Table>,
}

#[derive(Default)]
struct Table {
    routes: HashMap<Option<String>, ByMethod>,
    len: usize,
}

/// Where a request's run starts.
pub(crate) enum SiteOf {
    /// Method and route are on the site.
    Described(&'static RunSite),
    /// The bare site: method and route go on the run as values.
    Bare(&'static RunSite),
}

impl Sites {
    pub(crate) fn new(workflow: &'static str) -> Sites {
        Sites {
            bare: leak(workflow, &[]),
            table: RwLock::new(Table::default()),
        }
    }

    pub(crate) fn of(&self, method: &Method, route: &Option<String>) -> SiteOf {
        let table = self.table.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(site) = find(&table, method, route) {
            return SiteOf::Described(site);
        }
        let full = table.len >= MAX_SITES;
        drop(table);
        if full {
            return SiteOf::Bare(self.bare);
        }
        let mut table = self.table.write().unwrap_or_else(PoisonError::into_inner);
        // Another request may have added it meanwhile.
        if let Some(site) = find(&table, method, route) {
            return SiteOf::Described(site);
        }
        if table.len >= MAX_SITES {
            return SiteOf::Bare(self.bare);
        }
        let site = self.describe(method, route.as_deref());
        table.len += 1;
        table
            .routes
            .entry(route.clone())
            .or_default()
            .push((method.clone(), site));
        SiteOf::Described(site)
    }

    /// A site whose literals are the method and route that pass the rules.
    fn describe(&self, method: &Method, route: Option<&str>) -> &'static RunSite {
        let mut m = Metadata::new();
        m.insert("method", method.as_str());
        if let Some(route) = route {
            m.insert("route", route);
        }
        let screened = drip_runtime::privacy::sanitize_metadata(m);
        let literals: Vec<(&'static str, LiteralValue)> = ["method", "route"]
            .into_iter()
            .filter_map(|key| match screened.get(key)? {
                drip_runtime::Value::Str(s) => Some((
                    key,
                    LiteralValue::Str(Box::leak(s.clone().into_boxed_str())),
                )),
                _ => None,
            })
            .collect();
        leak(self.bare.workflow, Box::leak(literals.into_boxed_slice()))
    }
}

fn find(table: &Table, method: &Method, route: &Option<String>) -> Option<&'static RunSite> {
    table
        .routes
        .get(route)?
        .iter()
        .find(|(m, _)| m == method)
        .map(|&(_, site)| site)
}

fn leak(
    workflow: &'static str,
    metadata: &'static [(&'static str, LiteralValue)],
) -> &'static RunSite {
    Box::leak(Box::new(RunSite {
        workflow,
        stream: false,
        metadata,
        error_message: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(site: SiteOf) -> Option<&'static RunSite> {
        match site {
            SiteOf::Described(site) => Some(site),
            SiteOf::Bare(_) => None,
        }
    }

    #[test]
    fn each_route_and_method_gets_one_site_until_the_bound() {
        let sites = Sites::new("api");
        let route = |i: usize| Some(format!("/v1/r{i}"));
        let first = described(sites.of(&Method::GET, &route(0))).expect("a site");
        assert!(std::ptr::eq(
            first,
            described(sites.of(&Method::GET, &route(0))).expect("the same site")
        ));
        assert!(!std::ptr::eq(
            first,
            described(sites.of(&Method::POST, &route(0))).expect("a site per method")
        ));
        assert_eq!(first.workflow, "api");
        let literals: Vec<_> = first.metadata.iter().map(|(k, _)| *k).collect();
        assert_eq!(literals, ["method", "route"]);

        for i in 1..MAX_SITES - 1 {
            assert!(described(sites.of(&Method::GET, &route(i))).is_some());
        }
        assert!(matches!(
            sites.of(&Method::GET, &route(MAX_SITES)),
            SiteOf::Bare(site) if site.metadata.is_empty()
        ));
        assert!(described(sites.of(&Method::GET, &route(7))).is_some());
    }

    #[test]
    fn a_route_carrying_personal_data_or_a_secret_is_screened_once() {
        let sites = Sites::new("api");
        for hostile in ["/u/alice@example.com", "/k/sk_live_0123456789abcdef"] {
            let site =
                described(sites.of(&Method::GET, &Some(hostile.to_owned()))).expect("a site");
            for (_, value) in site.metadata {
                if let LiteralValue::Str(s) = value {
                    assert!(
                        !s.contains("alice@example.com") && !s.contains("sk_live_0123"),
                        "{s}"
                    );
                }
            }
        }
    }
}
