//! What `#[drip::tool]` and `#[drip::run]` generate in common: reading the
//! annotated function, wrapping its body so `return` and `?` still work, the
//! status probe, and the fallback that keeps the original item when the
//! attribute has errors.

use crate::diagnostics::Diagnostics;
use crate::validate::{CheckedMetadata, CheckedValue};
use proc_macro2::{Literal, Span, TokenStream};
use quote::{ToTokens, quote};
use std::path::Path as FsPath;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{AttrStyle, Block, Expr, ExprAsync, Ident, Item, ItemFn, ReturnType, Stmt, Type};

/// The annotated function and where its work really happens.
pub(crate) struct Target {
    pub item: ItemFn,
    pub shape: Shape,
}

/// Where the body that must be timed lives.
pub(crate) enum Shape {
    /// `async fn`: the body runs at first poll.
    Async,
    /// A plain `fn` whose work happens during the call.
    Sync,
    /// A plain `fn` returning the future that does the work, as
    /// `#[async_trait]` writes methods: `Box::pin(async move { … })`, or a bare
    /// `async move { … }` tail. The statement at `stmt` holds that block.
    ReturnsFuture { stmt: usize, boxed: bool },
}

impl Target {
    /// Parses the annotated item; reports a non-function or a `const fn`.
    pub(crate) fn parse(
        item: &TokenStream,
        attribute: &str,
        diag: &mut Diagnostics,
    ) -> Option<Target> {
        let item: ItemFn = match syn::parse2(item.clone()) {
            Ok(item) => item,
            Err(_) => {
                not_a_function(item, attribute, diag);
                return None;
            }
        };
        if let Some(constness) = &item.sig.constness {
            diag.error_with_hint(
                constness.span(),
                format_args!("{attribute} cannot go on a `const fn`"),
                "a const fn can run at compile time, where there is nothing to meter; remove `const` or the attribute",
            );
            return None;
        }
        let shape = if item.sig.asyncness.is_some() {
            Shape::Async
        } else {
            returned_future(&item.block).unwrap_or(Shape::Sync)
        };
        Some(Target { item, shape })
    }
}

fn not_a_function(item: &TokenStream, attribute: &str, diag: &mut Diagnostics) {
    let (span, what) = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Struct(s)) => (s.ident.span(), "a struct"),
        Ok(Item::Enum(e)) => (e.ident.span(), "an enum"),
        Ok(Item::Const(c)) => (c.ident.span(), "a const"),
        Ok(Item::Static(s)) => (s.ident.span(), "a static"),
        Ok(Item::Mod(m)) => (m.ident.span(), "a module"),
        Ok(Item::Trait(t)) => (t.ident.span(), "a trait"),
        Ok(Item::Impl(i)) => (i.impl_token.span(), "an impl block"),
        Ok(Item::Type(t)) => (t.ident.span(), "a type alias"),
        Ok(Item::Use(u)) => (u.use_token.span(), "a use declaration"),
        _ => (first_token_span(item), "this item"),
    };
    let hint = if what == "an impl block" {
        format!("put {attribute} on the methods inside the impl block")
    } else {
        "put it on a function with a body (`fn` or `async fn`, free or a method)".to_owned()
    };
    diag.error_with_hint(
        span,
        format_args!("{attribute} goes on a function, not on {what}"),
        hint,
    );
}

fn first_token_span(tokens: &TokenStream) -> Span {
    tokens
        .clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span())
}

/// Detects a body that returns the future doing the work (the shapes
/// tracing-attributes recognises for `#[async_trait]`).
fn returned_future(block: &Block) -> Option<Shape> {
    let (stmt, tail) = block
        .stmts
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, stmt)| match stmt {
            Stmt::Expr(expr, None) => Some((i, expr)),
            _ => None,
        })?;
    match tail {
        Expr::Async(_) => Some(Shape::ReturnsFuture { stmt, boxed: false }),
        Expr::Call(call) => {
            let Expr::Path(func) = &*call.func else {
                return None;
            };
            let segments: Vec<String> = func
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let is_box_pin =
                segments.len() >= 2 && segments[segments.len() - 2..] == ["Box", "pin"];
            (is_box_pin && call.args.len() == 1 && matches!(call.args[0], Expr::Async(_)))
                .then_some(Shape::ReturnsFuture { stmt, boxed: true })
        }
        _ => None,
    }
}

/// Errors next to the untouched original item: the rest of the crate keeps
/// type-checking and IDEs keep working while the attribute is fixed.
pub(crate) fn fallback(item: TokenStream, error: Option<syn::Error>) -> TokenStream {
    let errors = error.map(|e| e.to_compile_error());
    // Parameters used only in the rejected attribute (`customer = req.id`)
    // would otherwise be reported unused beside the real error.
    let quiet = errors
        .is_some()
        .then(|| quote!(#[allow(unused_variables, unused_mut)]));
    quote!(#quiet #item #errors)
}

/// The customer id from the user's `customer = …` expression, as a `String`.
/// Spanned at that expression, so a type that is not `Display` is reported
/// there, by `CustomerArg`'s own message, and not inside drip.
pub(crate) fn customer_id(private: &TokenStream, customer: &syn::Expr) -> TokenStream {
    let span = customer.span();
    quote::quote_spanned! {span=>
        #private::CustomerArg::into_customer_id(&(#customer))
    }
}

/// The application's id from `external_customer = …`, as a `String`,
/// spanned like [`customer_id`].
pub(crate) fn external_customer(private: &TokenStream, external: &syn::Expr) -> TokenStream {
    let span = external.span();
    quote::quote_spanned! {span=>
        #private::ExternalCustomerArg::into_external_customer(&(#external))
    }
}

/// A generated local: `mixed_site` hygiene makes it invisible to (and
/// unclashable with) every name the user writes.
pub(crate) fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// Everything a wrapper needs besides the body.
pub(crate) struct Wrapper<'a> {
    /// `::drip::__private` or `<crate = path>::__private`.
    pub private: TokenStream,
    pub guard: Ident,
    /// An expression creating the guard (`ToolCall` / `RunGuard`).
    pub enter: TokenStream,
    pub metadata: &'a CheckedMetadata,
    /// The span of `error_message`, if given.
    pub error_message: Option<Span>,
}

impl Wrapper<'_> {
    /// The instrumented function, with the signature exactly as written.
    pub(crate) fn function(&self, target: Target) -> TokenStream {
        let Target { item, shape } = target;
        let ItemFn {
            attrs,
            vis,
            sig,
            block,
            ..
        } = item;
        let outer = attrs.iter().filter(|a| matches!(a.style, AttrStyle::Outer));
        let inner = attrs
            .iter()
            .filter(|a| matches!(a.style, AttrStyle::Inner(_)));
        let track = self.manifest_tracking();
        let register = register_manifest_keys(&self.private, &self.metadata.manifest_keys());
        let body = match shape {
            Shape::Async => {
                let edge = return_edge(&sig.output);
                let stmts = &block.stmts;
                self.async_body(quote!(#edge #(#stmts)*), declared_type(&sig.output))
            }
            Shape::Sync => {
                let edge = return_edge(&sig.output);
                let stmts = &block.stmts;
                self.sync_body(quote!(#edge #(#stmts)*), declared_type(&sig.output))
            }
            Shape::ReturnsFuture { stmt, boxed } => {
                let mut stmts: Vec<TokenStream> =
                    block.stmts.iter().map(ToTokens::to_token_stream).collect();
                if let Stmt::Expr(expr, None) = &block.stmts[stmt] {
                    stmts[stmt] = self.returned_future(expr, boxed);
                }
                quote!(#(#stmts)*)
            }
        };
        let mut function = quote!(#(#outer)* #vis #sig);
        // The body keeps the user's braces: the item's span stays the user's
        // own, so lints such as `dead_code` still report the function.
        block.brace_token.surround(&mut function, |tokens| {
            tokens.extend(quote!(#(#inner)* #track #register #body));
        });
        function
    }

    /// Rewrites `async move { … }` / `Box::pin(async move { … })` so the
    /// returned future is the one timed.
    fn returned_future(&self, expr: &Expr, boxed: bool) -> TokenStream {
        let rewrap = |block: &ExprAsync| {
            let ExprAsync {
                attrs,
                async_token,
                capture,
                block,
                ..
            } = block;
            let stmts = &block.stmts;
            let body = self.async_body(quote!(#(#stmts)*), None);
            quote!(#(#attrs)* #async_token #capture { #body })
        };
        match expr {
            Expr::Async(block) if !boxed => rewrap(block),
            Expr::Call(call) if boxed => match &call.args[0] {
                Expr::Async(block) => {
                    let func = &call.func;
                    let future = rewrap(block);
                    quote!(#func(#future))
                }
                _ => expr.to_token_stream(),
            },
            _ => expr.to_token_stream(),
        }
    }

    fn async_body(&self, body: TokenStream, out_ty: Option<TokenStream>) -> TokenStream {
        let guard = &self.guard;
        // Both guards enter their span (`drip.tool` / `drip.run`) around
        // the body; a run's guard also makes the run current.
        let invoke = quote!(#guard.instrument(async move { #body }).await);
        self.around(invoke, out_ty)
    }

    fn sync_body(&self, body: TokenStream, out_ty: Option<TokenStream>) -> TokenStream {
        let guard = &self.guard;
        // An `FnOnce` bound (not a bare `(|| …)()`) lets the body return
        // borrows of captured `&mut` arguments, as the original fn could.
        let invoke = quote!(#guard.enter_sync(move || { #body }));
        self.around(invoke, out_ty)
    }

    /// Guard creation, call-time metadata, the wrapped call, then the outcome.
    fn around(&self, invoke: TokenStream, out_ty: Option<TokenStream>) -> TokenStream {
        let Wrapper { guard, enter, .. } = self;
        let out = local("__drip_out");
        let runtime: Vec<TokenStream> = self
            .metadata
            .runtime()
            .map(|(key, expr)| quote!(#guard.metadata(#key, #expr);))
            .collect();
        let (mutability, metadata) = if runtime.is_empty() {
            (None, None)
        } else {
            (
                Some(quote!(mut)),
                Some(quote!(if #guard.is_active() { #(#runtime)* })),
            )
        };
        let outcome = self.outcome(&out);
        quote! {
            let #mutability #guard = #enter;
            #metadata
            let #out #out_ty = #invoke;
            if #guard.is_active() {
                #guard.finish(#outcome);
            }
            #out
        }
    }

    /// The `Outcome` of `out`, chosen on its declared type by autoref
    /// specialisation: `Result` (`Err` → error), anything else → success.
    fn outcome(&self, out: &Ident) -> TokenStream {
        let p = &self.private;
        let plain = quote! {{
            #[allow(unused_imports)]
            use #p::{ProbePlain as _, ProbeResult as _};
            (&#p::Probe(&#out)).drip_outcome()
        }};
        let Some(span) = self.error_message else {
            return plain;
        };
        // A bound, not a specialisation: `error_message` on a return type
        // that is not `Result<_, impl Display>` is a compile error pointing
        // at `error_message`, instead of a message silently never sent.
        // The argument carries `error_message`'s span, so that is where the
        // compiler points. (Only generated code is in scope in this block.)
        let result = Ident::new("__drip_result", span);
        quote! {{
            let #result = &#out;
            #p::ErrorMessage::drip_outcome_with_message(#result)
        }}
    }

    /// When a key is allowed only by the project's manifest, make the build
    /// depend on that file so removing the key there re-checks this site.
    fn manifest_tracking(&self) -> Option<TokenStream> {
        self.metadata
            .depends_on_manifest
            .as_deref()
            .map(manifest_dependency)
    }
}

/// Tells the run-time sanitiser, once per site, about manifest-allowed keys of
/// a `drip::metadata!` map or a tool or run site: the runtime's boundary
/// applies the key rules to such metadata again (with run-time values among
/// it) and does not read the user's manifest itself.
pub(crate) fn register_manifest_keys(private: &TokenStream, keys: &[&str]) -> Option<TokenStream> {
    if keys.is_empty() {
        return None;
    }
    let once = local("__DRIP_MANIFEST_KEYS");
    Some(quote! {{
        static #once: ::std::sync::Once = ::std::sync::Once::new();
        #once.call_once(|| #private::register_manifest_keys(&[#(#keys),*]));
    }})
}

pub(crate) fn manifest_dependency(path: &FsPath) -> TokenStream {
    let path = path.to_string_lossy();
    quote! {
        const _: &[u8] = ::core::include_bytes!(#path);
    }
}

/// A never-taken `return` of the declared type at the top of the wrapped
/// body, so `?` and integer literals infer against the real return type (as
/// tracing-attributes does). `impl Trait` becomes `_`.
fn return_edge(output: &ReturnType) -> Option<TokenStream> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    if matches!(**ty, Type::Never(_)) {
        return None;
    }
    let mut ty = (**ty).clone();
    EraseImplTrait.visit_type_mut(&mut ty);
    let never = local("__drip_never");
    Some(quote! {
        #[allow(
            unknown_lints,
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::let_unit_value,
            clippy::let_with_type_underscore,
            clippy::needless_return,
            clippy::unreachable
        )]
        if false {
            let #never: #ty = loop {};
            return #never;
        }
    })
}

/// `: T` for the wrapped call's result, so the status probe sees the declared
/// type even when the body diverges (`panic!()` in a `()` function).
fn declared_type(output: &ReturnType) -> Option<TokenStream> {
    match output {
        ReturnType::Default => Some(quote!(: ())),
        ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)) => None,
        ReturnType::Type(_, ty) => {
            let mut ty = (**ty).clone();
            EraseImplTrait.visit_type_mut(&mut ty);
            Some(quote!(: #ty))
        }
    }
}

struct EraseImplTrait;

impl VisitMut for EraseImplTrait {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(imp) = ty {
            *ty = Type::Infer(syn::TypeInfer {
                attrs: Vec::new(),
                underscore_token: syn::Token![_](imp.span()),
            });
        } else {
            syn::visit_mut::visit_type_mut(self, ty);
        }
    }
}

/// `&[("key", LiteralValue::Str("v")), …]` for the static call site.
pub(crate) fn literal_metadata(private: &TokenStream, metadata: &CheckedMetadata) -> TokenStream {
    let entries = metadata.literals().map(|(key, value)| {
        let value = literal_value(private, value);
        quote!((#key, #value))
    });
    quote!(&[#(#entries),*])
}

fn literal_value(p: &TokenStream, value: &CheckedValue) -> TokenStream {
    match value {
        CheckedValue::Str(s) => quote!(#p::LiteralValue::Str(#s)),
        CheckedValue::Int(i) => {
            let lit = Literal::i64_suffixed(*i);
            quote!(#p::LiteralValue::Int(#lit))
        }
        CheckedValue::Float(f) => {
            let lit = Literal::f64_suffixed(*f);
            quote!(#p::LiteralValue::Float(#lit))
        }
        CheckedValue::Bool(b) => quote!(#p::LiteralValue::Bool(#b)),
        CheckedValue::Runtime(expr) => expr.to_token_stream(),
    }
}

/// A checked value as an expression `Metadata::insert` accepts.
pub(crate) fn value_expr(value: &CheckedValue) -> TokenStream {
    match value {
        CheckedValue::Str(s) => quote!(#s),
        CheckedValue::Int(i) => Literal::i64_suffixed(*i).into_token_stream(),
        CheckedValue::Float(f) => Literal::f64_suffixed(*f).into_token_stream(),
        CheckedValue::Bool(b) => quote!(#b),
        CheckedValue::Runtime(expr) => expr.to_token_stream(),
    }
}
