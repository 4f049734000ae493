//! Semantic checks on parsed arguments: the metadata allowlist (the very
//! functions the runtime uses, from `drip_runtime::fields`), literal values,
//! duplicate keys, required and paired arguments.
//!
//! Every check reports into [`Diagnostics`] and carries on, so one build shows
//! every problem. The result is a plan the expansion can print without
//! further decisions.

use crate::diagnostics::Diagnostics;
use crate::manifest::{self, ProjectExtension};
use crate::parse::{Entry, Named, RunArgs, ToolArgs};
use drip_runtime::fields::{self, KeyRefusal};
use proc_macro2::{Span, TokenStream};
use std::path::PathBuf;
use std::sync::Arc;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, Ident, Lit, LitStr, Path, UnOp};

/// Metadata entries that passed every check.
#[derive(Default)]
pub(crate) struct CheckedMetadata {
    pub entries: Vec<CheckedEntry>,
    /// The manifest whose `allowed-metadata` admitted at least one key: the
    /// expansion makes the build depend on it so editing it re-checks.
    pub depends_on_manifest: Option<PathBuf>,
}

pub(crate) struct CheckedEntry {
    /// Normalised snake_case key.
    pub key: String,
    /// Allowed only by the project's manifest: a `drip::metadata!` map must
    /// tell the run-time sanitiser, which does not read the manifest.
    pub from_manifest: bool,
    pub value: CheckedValue,
}

/// A literal goes into the static call site; anything else is evaluated at call time.
pub(crate) enum CheckedValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Runtime(Expr),
}

impl CheckedMetadata {
    pub(crate) fn literals(&self) -> impl Iterator<Item = (&str, &CheckedValue)> {
        self.entries
            .iter()
            .filter(|e| !matches!(e.value, CheckedValue::Runtime(_)))
            .map(|e| (e.key.as_str(), &e.value))
    }

    /// Keys allowed only by the project's manifest.
    pub(crate) fn manifest_keys(&self) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|e| e.from_manifest)
            .map(|e| e.key.as_str())
            .collect()
    }

    pub(crate) fn runtime(&self) -> impl Iterator<Item = (&str, &Expr)> {
        self.entries.iter().filter_map(|e| match &e.value {
            CheckedValue::Runtime(expr) => Some((e.key.as_str(), expr)),
            _ => None,
        })
    }
}

/// What `#[drip::tool]` generates, fully decided.
pub(crate) struct ToolPlan {
    pub name: String,
    pub metadata: CheckedMetadata,
    /// Where `error_message` was given (generated code checks the error type there).
    pub error_message: Option<Span>,
    /// `customer = …` or `external_customer = …`, with `meter = "…"`:
    /// tracked as usage outside a run.
    pub metered: Option<(Customer, String)>,
    /// `charge`: outside a run, each call is charged instead of tracked.
    pub charge: bool,
    pub krate: Path,
}

/// What `#[drip::run]` generates, fully decided.
pub(crate) struct RunPlan {
    pub workflow: String,
    pub customer: Customer,
    pub correlation_id: Option<Expr>,
    pub metadata: CheckedMetadata,
    /// Where `error_message` was given (generated code checks the error type there).
    pub error_message: Option<Span>,
    pub stream: bool,
    pub krate: Path,
}

/// Whom a run, or a metered tool outside a run, is billed to.
pub(crate) enum Customer {
    /// `customer = …`: Drip's customer id.
    Drip(Expr),
    /// `external_customer = …`: the application's own id, resolved to a
    /// Drip customer by delivery.
    External(Expr),
}

/// `fn_name` is `None` when the item is not a function (already reported);
/// the arguments are still checked so their errors show too.
pub(crate) fn tool(
    args: ToolArgs,
    fn_name: Option<&Ident>,
    diag: &mut Diagnostics,
) -> Option<ToolPlan> {
    let name = match &args.name {
        Some(lit) => checked_label(lit, "tool name", "web-search", diag),
        None => fn_name.map(ident_text),
    };
    let krate = args.krate.unwrap_or_else(default_crate);
    let metadata = metadata_arg(args.metadata.as_ref(), &krate, diag);
    let unmetered =
        args.customer.is_none() && args.external_customer.is_none() && args.meter.is_none();
    let metered = tool_metered(args.customer, args.external_customer, args.meter, diag);
    if let Some(span) = args.charge
        && unmetered
    {
        diag.error_with_hint(
            span,
            "`charge` needs `customer` (or `external_customer`) and `meter`: outside a run, each call is charged to that customer on that meter",
            "add `customer = …` (Drip's customer id) or `external_customer = …` (your own user id), and `meter = \"…\"`; or remove `charge`",
        );
    }
    Some(ToolPlan {
        name: name?,
        metadata,
        error_message: args.error_message,
        metered,
        charge: args.charge.is_some(),
        krate,
    })
}

pub(crate) fn run(
    args: RunArgs,
    fn_name: Option<&Ident>,
    diag: &mut Diagnostics,
) -> Option<RunPlan> {
    let workflow = match &args.workflow {
        Some(lit) => checked_label(lit, "workflow", "research-agent", diag),
        None => fn_name.map(|ident| kebab_case(&ident_text(ident))),
    };
    let krate = args.krate.unwrap_or_else(default_crate);
    let metadata = metadata_arg(args.metadata.as_ref(), &krate, diag);
    let customer = run_customer(args.customer, args.external_customer, diag);
    Some(RunPlan {
        workflow: workflow?,
        customer: customer?,
        correlation_id: args.correlation_id.map(|c| c.value),
        metadata,
        error_message: args.error_message,
        stream: args.stream.is_some(),
        krate,
    })
}

fn metadata_arg(
    arg: Option<&Named<Vec<Entry>>>,
    krate: &Path,
    diag: &mut Diagnostics,
) -> CheckedMetadata {
    match arg {
        Some(list) => metadata(
            &list.value,
            list.name_span,
            Some(&quote::ToTokens::to_token_stream(krate)),
            diag,
        ),
        None => CheckedMetadata::default(),
    }
}

fn default_crate() -> Path {
    syn::parse_quote!(::drip)
}

fn ident_text(ident: &Ident) -> String {
    ident.unraw().to_string()
}

/// `research_agent` → `research-agent`, `researchAgent` → `research-agent`.
pub(crate) fn kebab_case(name: &str) -> String {
    fields::normalize_key(name).replace('_', "-")
}

/// A name-like string (tool name, meter, workflow): non-empty, no spaces or
/// control characters, not secret-looking.
fn checked_label(
    lit: &LitStr,
    what: &str,
    example: &str,
    diag: &mut Diagnostics,
) -> Option<String> {
    let value = lit.value();
    if value.trim().is_empty() {
        diag.error_with_hint(
            lit.span(),
            format_args!("the {what} is empty"),
            format_args!("give it a name, like \"{example}\""),
        );
        return None;
    }
    if value.chars().count() > 100 {
        diag.error_with_hint(
            lit.span(),
            format_args!("the {what} is longer than 100 characters"),
            format_args!("use a short name, like \"{example}\""),
        );
        return None;
    }
    if let Some(bad) = value.chars().find(|c| c.is_whitespace() || c.is_control()) {
        diag.error_with_hint(
            lit.span(),
            format_args!("the {what} `{}` contains {bad:?}", value.escape_debug()),
            format_args!("use letters, digits, `-`, `_` or `.`, like \"{example}\""),
        );
        return None;
    }
    if let Err(refusal) = fields::check_literal_str(&value) {
        diag.error_with_hint(
            lit.span(),
            format_args!("the {what}: {refusal}"),
            refusal.hint(),
        );
        return None;
    }
    Some(value)
}

/// A tool's `customer` or `external_customer` (at most one) with `meter`:
/// all three absent, or one customer and the meter. Reports every broken
/// pairing, each at the argument that breaks it.
fn tool_metered(
    customer: Option<Named<Expr>>,
    external: Option<Named<Expr>>,
    meter: Option<LitStr>,
    diag: &mut Diagnostics,
) -> Option<(Customer, String)> {
    let both = customer.is_some() && external.is_some();
    if let (Some(_), Some(external)) = (&customer, &external) {
        diag.error_with_hint(
            external.name_span,
            "give `customer` or `external_customer`, not both: a metered tool is billed to one customer",
            "keep `customer = …` if you hold Drip's customer id, or `external_customer = …` for your own user id (drip gets or creates the Drip customer for it)",
        );
    }
    let billed = match (customer, external) {
        (Some(customer), external) => {
            check_customer_literal(&customer.value, "customer id", diag);
            if let Some(external) = &external {
                check_customer_literal(&external.value, "external customer id", diag);
            }
            Some((
                customer.name_span,
                "customer",
                Customer::Drip(customer.value),
            ))
        }
        (None, Some(external)) => {
            check_customer_literal(&external.value, "external customer id", diag);
            Some((
                external.name_span,
                "external_customer",
                Customer::External(external.value),
            ))
        }
        (None, None) => None,
    };
    match (billed, meter) {
        (Some((_, _, customer)), Some(meter)) => checked_label(&meter, "meter", "api_calls", diag)
            .filter(|_| !both)
            .map(|m| (customer, m)),
        (None, Some(meter)) => {
            diag.error_with_hint(
                meter.span(),
                "`meter` needs `customer` or `external_customer` too: outside a run, the call is billed to that customer",
                "add `customer = …` (Drip's customer id) or `external_customer = …` (your own user id), or remove `meter`",
            );
            None
        }
        (Some((span, arg, _)), None) => {
            diag.error_with_hint(
                span,
                format_args!(
                    "`{arg}` on a tool needs `meter` too: outside a run, the call is tracked on that meter"
                ),
                format_args!(
                    "add `meter = \"…\"` (for example `meter = \"api_calls\"`), or remove `{arg}`"
                ),
            );
            None
        }
        (None, None) => None,
    }
}

/// Exactly one of `customer` and `external_customer`.
fn run_customer(
    customer: Option<Named<Expr>>,
    external: Option<Named<Expr>>,
    diag: &mut Diagnostics,
) -> Option<Customer> {
    match (customer, external) {
        (Some(customer), None) => {
            check_customer_literal(&customer.value, "customer id", diag);
            Some(Customer::Drip(customer.value))
        }
        (None, Some(external)) => {
            check_customer_literal(&external.value, "external customer id", diag);
            Some(Customer::External(external.value))
        }
        (Some(_), Some(external)) => {
            diag.error_with_hint(
                external.name_span,
                "give `customer` or `external_customer`, not both: a run is billed to one customer",
                "keep `customer = …` if you hold Drip's customer id, or `external_customer = …` for your own user id (drip gets or creates the Drip customer for it)",
            );
            None
        }
        (None, None) => {
            diag.error_with_hint(
                Span::call_site(),
                "#[drip::run] needs `customer = …` or `external_customer = …`: every run is billed to a customer",
                "write `#[drip::run(customer = req.customer_id.as_str())]` with Drip's customer id, or `#[drip::run(external_customer = user.id.as_str())]` with your own user id",
            );
            None
        }
    }
}

/// `customer = "ada@example.com"` is personal data written into the source.
fn check_customer_literal(expr: &Expr, what: &str, diag: &mut Diagnostics) {
    if let Expr::Lit(syn::ExprLit {
        lit: Lit::Str(s), ..
    }) = expr
        && let Err(refusal) = fields::check_literal_str(&s.value())
    {
        diag.error_with_hint(
            s.span(),
            format_args!("the {what}: {refusal}"),
            "use an opaque customer id (your database id), or one made with drip::hash_id",
        );
    }
}

/// Checks `k = v, …` (of `metadata(…)` or `drip::metadata!`); `list_span`
/// points at what introduced the list, for errors about the manifest;
/// `krate` is the facade's path (`::drip` unless renamed), which run-time
/// values under suffix keys are checked through.
pub(crate) fn metadata(
    entries: &[Entry],
    list_span: Span,
    krate: Option<&TokenStream>,
    diag: &mut Diagnostics,
) -> CheckedMetadata {
    let default = quote::quote!(::drip);
    let krate = krate.unwrap_or(&default);
    let mut checked = CheckedMetadata::default();
    if entries.is_empty() {
        return checked;
    }
    let extension = load_extension(list_span, diag);
    let extension_keys: Vec<&str> = extension.keys.iter().map(String::as_str).collect();
    let mut seen: Vec<(String, &str)> = Vec::new();
    for entry in entries {
        let key = match fields::check_key(&entry.key.text, &extension_keys) {
            Ok(key) => key,
            Err(refusal) => {
                report_key_refusal(&entry.key.text, entry.key.span, &refusal, &extension, diag);
                continue;
            }
        };
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            let hint = if *first == entry.key.text {
                format!("give `{key}` once")
            } else {
                format!(
                    "`{first}` and `{}` are the same key once normalised to snake_case; give it once",
                    entry.key.text
                )
            };
            diag.error_with_hint(
                entry.key.span,
                format_args!("duplicate metadata key `{key}`"),
                hint,
            );
            continue;
        }
        seen.push((key.clone(), &entry.key.text));
        let from_manifest = fields::check_key(&entry.key.text, &[]).is_err();
        if from_manifest {
            checked.depends_on_manifest = Some(extension.manifest.clone());
        }
        if let Some(value) = value(&key, &entry.value, diag).map(|v| suffix_bound(&key, v, krate)) {
            checked.entries.push(CheckedEntry {
                key,
                from_manifest,
                value,
            });
        }
    }
    checked
}

fn load_extension(span: Span, diag: &mut Diagnostics) -> Arc<ProjectExtension> {
    let extension = match manifest::current() {
        Ok(extension) => extension,
        Err(problem) => {
            diag.error_with_hint(
                span,
                problem,
                "write it as `allowed-metadata = [\"plan_tier\", \"deployment\"]`",
            );
            return Arc::default();
        }
    };
    // A key the project lists but the rules always refuse is a mistake in the
    // manifest; report it wherever the manifest is consulted.
    for listed in &extension.keys {
        if let Err(refusal) = fields::check_key(listed, &[listed.as_str()]) {
            diag.error_with_hint(
                span,
                format_args!(
                    "`{listed}` is listed in `[package.metadata.drip] allowed-metadata` of {}, but it {}",
                    extension.manifest.display(),
                    refusal.reason()
                ),
                "remove it from the manifest: secrets, content and personal data can never be allowed",
            );
        }
    }
    extension
}

fn report_key_refusal(
    written: &str,
    span: Span,
    refusal: &KeyRefusal,
    extension: &ProjectExtension,
    diag: &mut Diagnostics,
) {
    // Name the key as the user wrote it; show the normalised form only where
    // the rule is about the whole key and the spelling differs.
    let read_as = match refusal {
        KeyRefusal::NotListed { key, .. } | KeyRefusal::Malformed { key } if key != written => {
            format!(" (read as `{key}`)")
        }
        _ => String::new(),
    };
    let reason = format!("metadata key `{written}`{read_as} {}", refusal.reason());
    let normalized = fields::normalize_key(written);
    let listed = extension
        .keys
        .iter()
        .any(|k| fields::normalize_key(k) == normalized);
    let message = if listed {
        format!(
            "{reason}; listing it in {} does not allow it",
            extension.manifest.display()
        )
    } else {
        reason
    };
    diag.error_with_hint(span, message, refusal.hint());
}

const VALUE_KINDS: &str = "a string, integer, float or bool";

fn value(key: &str, expr: &Expr, diag: &mut Diagnostics) -> Option<CheckedValue> {
    match expr {
        Expr::Paren(inner) => value(key, &inner.expr, diag),
        Expr::Group(inner) => value(key, &inner.expr, diag),
        Expr::Lit(lit) => literal(key, &lit.lit, false, diag),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => match &*unary.expr {
            Expr::Lit(lit) if matches!(lit.lit, Lit::Int(_) | Lit::Float(_)) => {
                literal(key, &lit.lit, true, diag)
            }
            _ => Some(CheckedValue::Runtime(expr.clone())),
        },
        Expr::Array(_) | Expr::Repeat(_) => nested(key, expr, "an array", diag),
        Expr::Tuple(t) if !t.elems.is_empty() => nested(key, expr, "a tuple", diag),
        Expr::Tuple(_) => nested(key, expr, "`()`", diag),
        Expr::Struct(_) => nested(key, expr, "a struct", diag),
        Expr::Closure(_) => nested(key, expr, "a closure", diag),
        Expr::Range(_) => nested(key, expr, "a range", diag),
        Expr::Macro(m) if m.mac.path.is_ident("vec") => nested(key, expr, "a vector", diag),
        _ => Some(CheckedValue::Runtime(expr.clone())),
    }
}

fn nested(key: &str, expr: &Expr, what: &str, diag: &mut Diagnostics) -> Option<CheckedValue> {
    diag.error_with_hint(
        expr.span(),
        format_args!("metadata value for `{key}` is {what}; values must be flat: {VALUE_KINDS}"),
        "send one field per value (for example `document_count = docs.len()`), nothing nested",
    );
    None
}

/// A run-time value under a measure or `_hash` key goes through a function
/// whose trait bound (in `__private`) makes a wrong type a compile error at
/// the value's span.
fn suffix_bound(key: &str, value: CheckedValue, krate: &TokenStream) -> CheckedValue {
    let CheckedValue::Runtime(expr) = value else {
        return value;
    };
    let check = match fields::suffix_rule(key) {
        fields::SuffixRule::Measure => quote::format_ident!("measure_value"),
        fields::SuffixRule::Hash => quote::format_ident!("hash_value"),
        _ => return CheckedValue::Runtime(expr),
    };
    let span = expr.span();
    CheckedValue::Runtime(syn::parse_quote_spanned!(span=> #krate::__private::#check(#expr)))
}

fn literal(key: &str, lit: &Lit, negative: bool, diag: &mut Diagnostics) -> Option<CheckedValue> {
    let checked = literal_value(key, lit, negative, diag)?;
    let rule = fields::suffix_rule(key);
    let broken = match &checked {
        CheckedValue::Str(text) => rule.check_str(text),
        CheckedValue::Float(_) => rule.check_scalar(true, false),
        CheckedValue::Bool(_) => rule.check_scalar(false, true),
        CheckedValue::Int(_) | CheckedValue::Runtime(_) => Ok(()),
    };
    match broken {
        Ok(()) => Some(checked),
        Err(refusal) => {
            diag.error_with_hint(
                lit.span(),
                format_args!("metadata value for `{key}`: {refusal}"),
                refusal.hint(),
            );
            None
        }
    }
}

fn literal_value(
    key: &str,
    lit: &Lit,
    negative: bool,
    diag: &mut Diagnostics,
) -> Option<CheckedValue> {
    match lit {
        Lit::Str(s) => {
            let text = s.value();
            match fields::check_literal_str(&text) {
                Ok(()) => Some(CheckedValue::Str(text)),
                Err(refusal) => {
                    diag.error_with_hint(
                        s.span(),
                        format_args!("metadata value for `{key}`: {refusal}"),
                        refusal.hint(),
                    );
                    None
                }
            }
        }
        Lit::Int(int) => {
            let parsed = int
                .base10_parse::<i128>()
                .ok()
                .map(|v| if negative { -v } else { v })
                .and_then(|v| i64::try_from(v).ok());
            if parsed.is_none() {
                diag.error_with_hint(
                    int.span(),
                    format_args!(
                        "metadata value for `{key}` does not fit in a 64-bit signed integer"
                    ),
                    "send a smaller number, or a string",
                );
            }
            parsed.map(CheckedValue::Int)
        }
        Lit::Float(float) => match float.base10_parse::<f64>() {
            Ok(v) if v.is_finite() => Some(CheckedValue::Float(if negative { -v } else { v })),
            _ => {
                diag.error_with_hint(
                    float.span(),
                    format_args!("metadata value for `{key}` is not a finite float"),
                    "send a finite number",
                );
                None
            }
        },
        Lit::Bool(b) => Some(CheckedValue::Bool(b.value)),
        Lit::Char(c) => {
            diag.error_with_hint(
                c.span(),
                format_args!("metadata value for `{key}` is a char; values are {VALUE_KINDS}"),
                format_args!("write it as a string: \"{}\"", c.value().escape_default()),
            );
            None
        }
        other => {
            diag.error_with_hint(
                other.span(),
                format_args!("metadata value for `{key}` is a byte or C string literal; values are {VALUE_KINDS}"),
                "write it as a plain string literal",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::kebab_case;

    #[test]
    fn workflow_defaults_are_kebab_case() {
        assert_eq!(kebab_case("research_agent"), "research-agent");
        assert_eq!(kebab_case("researchAgent"), "research-agent");
        assert_eq!(kebab_case("run"), "run");
    }
}
