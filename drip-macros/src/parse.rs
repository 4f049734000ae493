//! Attribute arguments → a small AST that keeps every span.
//!
//! Parsing happens in two steps: the token stream becomes a list of
//! [`Arg`]s (`flag`, `name = expr`, `name(k = v, …)`) — a pure syntax step —
//! and then [`ToolArgs::from_args`] / [`RunArgs::from_args`] sort them into
//! typed fields. Unknown, duplicate and ill-formed arguments are collected
//! into [`Diagnostics`] rather than stopping at the first.

use crate::diagnostics::Diagnostics;
use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Expr, Ident, Lit, LitStr, Path, Token};

/// One attribute argument as written.
pub(crate) struct Arg {
    pub name: Ident,
    pub value: ArgValue,
}

/// The three shapes an argument can take.
pub(crate) enum ArgValue {
    /// `stream`
    Flag,
    /// `name = expr`
    Value(Expr),
    /// `metadata(k = v, …)`
    List(Vec<Entry>),
}

/// One `key = value` metadata entry.
pub(crate) struct Entry {
    pub key: EntryKey,
    pub value: Expr,
}

/// A metadata key as written: an identifier (`query_hash`, `queryHash`) or a
/// string (`"query-hash"`), with the span of the token for error messages.
pub(crate) struct EntryKey {
    pub text: String,
    pub span: Span,
}

/// Parses `a, b = expr, c(k = v)` (possibly empty).
pub(crate) fn parse_args(tokens: TokenStream) -> syn::Result<Vec<Arg>> {
    let parser = |input: ParseStream| {
        let mut args = Vec::new();
        while !input.is_empty() {
            args.push(parse_arg(input)?);
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(args)
    };
    parser.parse2(tokens)
}

fn parse_arg(input: ParseStream) -> syn::Result<Arg> {
    // `crate` is a keyword; `parse_any` accepts it like any other name.
    let name = input.call(Ident::parse_any).map_err(|err| {
        syn::Error::new(
            err.span(),
            "expected an argument name, like `name = \"…\"` or `metadata(…)`",
        )
    })?;
    let value = if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        ArgValue::Value(input.parse()?)
    } else if input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        ArgValue::List(parse_entries_in(&content)?)
    } else {
        ArgValue::Flag
    };
    Ok(Arg { name, value })
}

/// Parses `k = v, …` — the body of `metadata(…)` and of `drip::metadata!(…)`.
pub(crate) fn parse_entries(tokens: TokenStream) -> syn::Result<Vec<Entry>> {
    parse_entries_in.parse2(tokens)
}

/// The input of `metadata!`: an optional `crate = PATH;` (how the facade's
/// `macro_rules!` wrapper passes `$crate`), then the entries.
pub(crate) struct MetadataInput {
    /// Tokens of the crate path, kept verbatim: `$crate` is not a syn `Path`.
    pub krate: Option<TokenStream>,
    pub entries: TokenStream,
}

pub(crate) fn split_metadata_input(tokens: TokenStream) -> MetadataInput {
    use proc_macro2::TokenTree;
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let starts_with_crate = matches!(
        (trees.first(), trees.get(1)),
        (Some(TokenTree::Ident(k)), Some(TokenTree::Punct(eq)))
            if k == "crate" && eq.as_char() == '='
    );
    let end = trees
        .iter()
        .position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ';'));
    match (starts_with_crate, end) {
        (true, Some(end)) if end > 2 => MetadataInput {
            krate: Some(trees[2..end].iter().cloned().collect()),
            entries: trees[end + 1..].iter().cloned().collect(),
        },
        _ => MetadataInput {
            krate: None,
            entries: tokens,
        },
    }
}

fn parse_entries_in(input: ParseStream) -> syn::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    while !input.is_empty() {
        let key = parse_key(input)?;
        if !input.peek(Token![=]) {
            return Err(syn::Error::new(
                key.span,
                format_args!(
                    "metadata key `{}` has no value\n\nhelp: write it as `{} = value`",
                    key.text, key.text
                ),
            ));
        }
        input.parse::<Token![=]>()?;
        let value: Expr = input.parse()?;
        entries.push(Entry { key, value });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(entries)
}

fn parse_key(input: ParseStream) -> syn::Result<EntryKey> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return Ok(EntryKey {
            text: lit.value(),
            span: lit.span(),
        });
    }
    let ident = input.call(Ident::parse_any).map_err(|err| {
        syn::Error::new(
            err.span(),
            "expected a metadata key, like `model = \"gpt-4o\"` or `\"query-hash\" = h`",
        )
    })?;
    let text = ident.unraw().to_string();
    Ok(EntryKey {
        text,
        span: ident.span(),
    })
}

/// Arguments of `#[drip::tool(…)]`.
#[derive(Default)]
pub(crate) struct ToolArgs {
    pub name: Option<LitStr>,
    pub metadata: Option<Named<Vec<Entry>>>,
    pub error_message: Option<Span>,
    pub customer: Option<Named<Expr>>,
    pub external_customer: Option<Named<Expr>>,
    pub meter: Option<LitStr>,
    pub charge: Option<Span>,
    pub krate: Option<Path>,
}

/// Arguments of `#[drip::run(…)]`.
#[derive(Default)]
pub(crate) struct RunArgs {
    pub customer: Option<Named<Expr>>,
    pub external_customer: Option<Named<Expr>>,
    pub workflow: Option<LitStr>,
    pub metadata: Option<Named<Vec<Entry>>>,
    pub correlation_id: Option<Named<Expr>>,
    pub error_message: Option<Span>,
    pub stream: Option<Span>,
    pub krate: Option<Path>,
}

/// A value together with the span of the argument name that introduced it.
pub(crate) struct Named<T> {
    pub name_span: Span,
    pub value: T,
}

const TOOL_ARGS: &[&str] = &[
    "name",
    "metadata",
    "error_message",
    "customer",
    "external_customer",
    "meter",
    "charge",
    "crate",
];
const RUN_ARGS: &[&str] = &[
    "customer",
    "external_customer",
    "workflow",
    "metadata",
    "correlation_id",
    "error_message",
    "stream",
    "crate",
];

impl ToolArgs {
    pub(crate) fn from_args(args: Vec<Arg>, diag: &mut Diagnostics) -> Self {
        let mut out = ToolArgs::default();
        let mut seen = Seen::default();
        for arg in args {
            let key = arg.name.to_string();
            if !seen.first(&arg.name, diag) {
                continue;
            }
            match key.as_str() {
                "name" => out.name = str_value(arg, "name = \"web-search\"", diag),
                "metadata" => out.metadata = list_value(arg, diag),
                "error_message" => out.error_message = flag(arg, diag),
                "customer" => out.customer = expr_value(arg, "customer = req.customer_id", diag),
                "external_customer" => {
                    out.external_customer =
                        expr_value(arg, "external_customer = user.id.as_str()", diag)
                }
                "meter" => out.meter = str_value(arg, "meter = \"api_calls\"", diag),
                "charge" => out.charge = flag(arg, diag),
                "crate" => out.krate = path_value(arg, diag),
                _ => unknown(&arg.name, "#[drip::tool]", TOOL_ARGS, diag),
            }
        }
        out
    }
}

impl RunArgs {
    pub(crate) fn from_args(args: Vec<Arg>, diag: &mut Diagnostics) -> Self {
        let mut out = RunArgs::default();
        let mut seen = Seen::default();
        for arg in args {
            let key = arg.name.to_string();
            if !seen.first(&arg.name, diag) {
                continue;
            }
            match key.as_str() {
                "customer" => out.customer = expr_value(arg, "customer = req.customer_id", diag),
                "external_customer" => {
                    out.external_customer =
                        expr_value(arg, "external_customer = user.id.as_str()", diag)
                }
                "workflow" => out.workflow = str_value(arg, "workflow = \"research-agent\"", diag),
                "metadata" => out.metadata = list_value(arg, diag),
                "correlation_id" => {
                    out.correlation_id = expr_value(arg, "correlation_id = req.trace_id", diag)
                }
                "error_message" => out.error_message = flag(arg, diag),
                "stream" => out.stream = flag(arg, diag),
                "crate" => out.krate = path_value(arg, diag),
                _ => unknown(&arg.name, "#[drip::run]", RUN_ARGS, diag),
            }
        }
        out
    }
}

/// Remembers argument names to refuse duplicates.
#[derive(Default)]
struct Seen {
    names: Vec<String>,
}

impl Seen {
    /// `true` the first time `name` is seen; afterwards reports a duplicate.
    fn first(&mut self, name: &Ident, diag: &mut Diagnostics) -> bool {
        let text = name.to_string();
        if self.names.contains(&text) {
            diag.error_with_hint(
                name.span(),
                format_args!("duplicate argument `{text}`"),
                format_args!("give `{text}` once"),
            );
            return false;
        }
        self.names.push(text);
        true
    }
}

fn unknown(name: &Ident, attribute: &str, known: &[&str], diag: &mut Diagnostics) {
    let text = name.to_string();
    let expected = known
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = match closest(&text, known) {
        Some(best) => format!("did you mean `{best}`? ({attribute} accepts {expected})"),
        None => format!("{attribute} accepts {expected}"),
    };
    diag.error_with_hint(name.span(), format_args!("unknown argument `{text}`"), hint);
}

/// The known name within edit distance 2 of `text`, if any.
fn closest<'a>(text: &str, known: &[&'a str]) -> Option<&'a str> {
    drip_runtime::fields::closest_in(text, known, 2)
}

fn flag(arg: Arg, diag: &mut Diagnostics) -> Option<Span> {
    match arg.value {
        ArgValue::Flag => Some(arg.name.span()),
        ArgValue::Value(expr) => {
            diag.error_with_hint(
                expr.span(),
                format_args!("`{}` is a flag and takes no value", arg.name),
                format_args!("write `{}` alone to turn it on, or leave it out", arg.name),
            );
            None
        }
        ArgValue::List(_) => {
            diag.error_with_hint(
                arg.name.span(),
                format_args!("`{}` is a flag and takes no list", arg.name),
                format_args!("write `{}` alone to turn it on, or leave it out", arg.name),
            );
            None
        }
    }
}

fn expr_value(arg: Arg, example: &str, diag: &mut Diagnostics) -> Option<Named<Expr>> {
    match arg.value {
        ArgValue::Value(value) => Some(Named {
            name_span: arg.name.span(),
            value,
        }),
        _ => {
            diag.error_with_hint(
                arg.name.span(),
                format_args!("`{}` needs a value", arg.name),
                format_args!("write it as `{example}`"),
            );
            None
        }
    }
}

fn str_value(arg: Arg, example: &str, diag: &mut Diagnostics) -> Option<LitStr> {
    match &arg.value {
        ArgValue::Value(Expr::Lit(lit)) if matches!(lit.lit, Lit::Str(_)) => match &lit.lit {
            Lit::Str(s) => Some(s.clone()),
            _ => None,
        },
        ArgValue::Value(other) => {
            diag.error_with_hint(
                other.span(),
                format_args!("`{}` must be a string literal", arg.name),
                format_args!("write it as `{example}`"),
            );
            None
        }
        _ => {
            diag.error_with_hint(
                arg.name.span(),
                format_args!("`{}` needs a value", arg.name),
                format_args!("write it as `{example}`"),
            );
            None
        }
    }
}

fn list_value(arg: Arg, diag: &mut Diagnostics) -> Option<Named<Vec<Entry>>> {
    match arg.value {
        ArgValue::List(entries) => Some(Named {
            name_span: arg.name.span(),
            value: entries,
        }),
        _ => {
            diag.error_with_hint(
                arg.name.span(),
                format_args!("`{}` takes a list of `key = value` pairs", arg.name),
                "write it as `metadata(provider = \"bing\", region = REGION)`",
            );
            None
        }
    }
}

/// `crate = ::my_drip` or, as tokio-macros accepts it, `crate = "my_drip"`.
fn path_value(arg: Arg, diag: &mut Diagnostics) -> Option<Path> {
    let hint = "write it as `crate = ::my_reexport::drip`";
    match arg.value {
        ArgValue::Value(Expr::Path(path)) if path.qself.is_none() && path.attrs.is_empty() => {
            Some(path.path)
        }
        ArgValue::Value(Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        })) => match s.parse::<Path>() {
            Ok(path) => Some(path),
            Err(_) => {
                diag.error_with_hint(
                    s.span(),
                    format_args!("`{}` is not a path", s.value()),
                    hint,
                );
                None
            }
        },
        ArgValue::Value(other) => {
            diag.error_with_hint(other.span(), "`crate` must be a path", hint);
            None
        }
        _ => {
            diag.error_with_hint(arg.name.span(), "`crate` needs a path", hint);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ArgValue, closest, parse_args, parse_entries, split_metadata_input};
    use quote::quote;

    #[test]
    fn reads_flags_values_and_lists_with_keyword_names() {
        let args = parse_args(quote!(
            stream,
            crate = ::x,
            metadata(queryHash = h, "plan-tier" = 1),
        ))
        .unwrap();
        let names: Vec<String> = args.iter().map(|a| a.name.to_string()).collect();
        assert_eq!(names, ["stream", "crate", "metadata"]);
        assert!(matches!(args[0].value, ArgValue::Flag));
        assert!(matches!(args[1].value, ArgValue::Value(_)));
        let ArgValue::List(entries) = &args[2].value else {
            panic!("metadata(…) is a list");
        };
        let keys: Vec<&str> = entries.iter().map(|e| e.key.text.as_str()).collect();
        assert_eq!(keys, ["queryHash", "plan-tier"]);
    }

    #[test]
    fn raw_identifier_keys_lose_their_prefix() {
        let entries = parse_entries(quote!(r#type = 1)).unwrap();
        assert_eq!(entries[0].key.text, "type");
    }

    #[test]
    fn a_key_without_a_value_is_a_syntax_error() {
        let error = parse_entries(quote!(model, region = "eu")).err().unwrap();
        assert!(error.to_string().contains("`model` has no value"));
    }

    #[test]
    fn suggests_only_close_names() {
        assert_eq!(closest("nmae", &["name", "meter"]), Some("name"));
        assert_eq!(
            closest("workflw", &["workflow", "stream"]),
            Some("workflow")
        );
        assert_eq!(closest("timeout", &["name", "meter"]), None);
    }

    #[test]
    fn metadata_input_takes_an_optional_leading_crate_path() {
        let input = split_metadata_input(quote!(crate = ::my::drip; model = "gpt-4o", n = 1));
        assert_eq!(
            input.krate.unwrap().to_string(),
            quote!(::my::drip).to_string()
        );
        assert_eq!(parse_entries(input.entries).unwrap().len(), 2);

        let plain = split_metadata_input(quote!(model = "gpt-4o"));
        assert!(plain.krate.is_none());
        assert_eq!(parse_entries(plain.entries).unwrap().len(), 1);
    }
}
