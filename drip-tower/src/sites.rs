//! The run templates of one layer: one per route template and method,
//! carrying both as literal run metadata.
//!
//! A request's method and route are the same for every request of a route,
//! so they are screened (the metadata rules, by
//! [`RunTemplate::with_metadata`]) once, when the route is first seen, and
//! ride on the template like the literals of `#[drip::run(metadata(..))]` —
//! not screened again on every request's path. A template lives as long as
//! the process, so the table is bounded: past [`MAX_SITES`] routes,
//! requests share the layer's bare template and carry method and route as
//! run-time values, screened per request.

use drip_runtime::{Metadata, RunTemplate};
use http::Method;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// Routes (with their methods) given a template of their own, per layer.
pub(crate) const MAX_SITES: usize = 512;

type ByMethod = Vec<(Method, RunTemplate)>;

pub(crate) struct Sites {
    /// No literals: for routes past the bound.
    pub(crate) bare: RunTemplate,
    table: RwLock<Table>,
}

#[derive(Default)]
struct Table {
    /// Keyed by the route template, kept for the life of the process like
    /// the templates, so a request borrows it instead of copying it.
    routes: HashMap<&'static str, ByMethod>,
    /// Requests without a route template.
    unrouted: ByMethod,
    len: usize,
}

/// Where a request's run starts.
pub(crate) enum SiteOf {
    /// Method and route are on the template; the route as the table keeps it.
    Described(RunTemplate, Option<&'static str>),
    /// The bare template: method and route go on the run as values.
    Bare(RunTemplate),
}

impl SiteOf {
    /// The route to judge and bill the request by: the table's copy, else `route`.
    pub(crate) fn route(&self, route: Option<&str>) -> Option<Cow<'static, str>> {
        match self {
            SiteOf::Described(_, kept) => kept.map(Cow::Borrowed),
            SiteOf::Bare(_) => route.map(|r| Cow::Owned(r.to_owned())),
        }
    }
}

impl Sites {
    pub(crate) fn new(bare: RunTemplate) -> Sites {
        Sites {
            bare,
            table: RwLock::new(Table::default()),
        }
    }

    pub(crate) fn of(&self, method: &Method, route: Option<&str>) -> SiteOf {
        let table = self.table.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(site) = table.find(method, route) {
            return site;
        }
        let full = table.len >= MAX_SITES;
        drop(table);
        if full {
            return SiteOf::Bare(self.bare);
        }
        let mut table = self.table.write().unwrap_or_else(PoisonError::into_inner);
        // Another request may have added it meanwhile.
        if let Some(site) = table.find(method, route) {
            return site;
        }
        if table.len >= MAX_SITES {
            return SiteOf::Bare(self.bare);
        }
        let template = self.describe(method, route);
        table.len += 1;
        let table = &mut *table;
        let (kept, by_method) = match route {
            Some(route) => {
                let kept: &'static str = match table.routes.get_key_value(route) {
                    Some((&kept, _)) => kept,
                    None => Box::leak(route.to_owned().into_boxed_str()),
                };
                (Some(kept), table.routes.entry(kept).or_default())
            }
            None => (None, &mut table.unrouted),
        };
        by_method.push((method.clone(), template));
        SiteOf::Described(template, kept)
    }

    /// A template whose literals are the method and route that pass the rules.
    fn describe(&self, method: &Method, route: Option<&str>) -> RunTemplate {
        let mut m = Metadata::new();
        m.insert("method", method.as_str());
        if let Some(route) = route {
            m.insert("route", route);
        }
        self.bare.with_metadata(m)
    }
}

impl Table {
    fn find(&self, method: &Method, route: Option<&str>) -> Option<SiteOf> {
        let (kept, by_method) = match route {
            Some(route) => {
                let (&kept, by_method) = self.routes.get_key_value(route)?;
                (Some(kept), by_method)
            }
            None => (None, &self.unrouted),
        };
        let &(_, template) = by_method.iter().find(|(m, _)| m == method)?;
        Some(SiteOf::Described(template, kept))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites() -> Sites {
        Sites::new(RunTemplate::new("api").expect("a workflow"))
    }

    fn described(site: SiteOf) -> Option<RunTemplate> {
        match site {
            SiteOf::Described(template, _) => Some(template),
            SiteOf::Bare(_) => None,
        }
    }

    /// The metadata of a run started from `template`.
    fn run_metadata(template: RunTemplate) -> drip_runtime::Metadata {
        let capture = drip_runtime::testing::capture();
        template.start("cus_1").end(drip_runtime::RunEnd::Completed);
        capture.runs()[0].metadata.clone()
    }

    #[test]
    fn each_route_and_method_gets_one_template_until_the_bound() {
        let sites = sites();
        let route = |i: usize| format!("/v1/r{i}");
        let first = described(sites.of(&Method::GET, Some(&route(0)))).expect("a template");
        assert!(described(sites.of(&Method::GET, Some(&route(0)))).is_some());
        assert!(described(sites.of(&Method::POST, Some(&route(0)))).is_some());
        assert_eq!(
            sites.table.read().expect("table").len,
            2,
            "one per route and method"
        );
        assert_eq!(first.workflow(), "api");
        let m = run_metadata(first);
        assert_eq!(m.get("method"), Some(&"GET".into()));
        assert_eq!(m.get("route"), Some(&"/v1/r0".into()));

        for i in 1..MAX_SITES - 1 {
            assert!(described(sites.of(&Method::GET, Some(&route(i)))).is_some());
        }
        let past = sites.of(&Method::GET, Some(&route(MAX_SITES)));
        assert!(matches!(past, SiteOf::Bare(_)));
        assert_eq!(past.route(Some("/v1/past")).as_deref(), Some("/v1/past"));
        assert!(run_metadata(sites.bare).is_empty());
        assert!(described(sites.of(&Method::GET, Some(&route(7)))).is_some());
        assert!(
            described(sites.of(&Method::GET, None)).is_none(),
            "the table is full"
        );
    }

    #[test]
    fn a_route_carrying_personal_data_or_a_secret_is_screened_once() {
        let sites = sites();
        for hostile in ["/u/alice@example.com", "/k/sk_live_0123456789abcdef"] {
            let template = described(sites.of(&Method::GET, Some(hostile))).expect("a template");
            for (_, value) in run_metadata(template) {
                if let drip_runtime::Value::Str(s) = value {
                    assert!(
                        !s.contains("alice@example.com") && !s.contains("sk_live_0123"),
                        "{s}"
                    );
                }
            }
        }
    }
}
