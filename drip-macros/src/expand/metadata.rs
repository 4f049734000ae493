//! `drip::metadata!(k = v, …)`: a `Metadata` value whose keys (and literal
//! values) were checked at compile time.

use crate::diagnostics::Diagnostics;
use crate::expand::common;
use crate::parse;
use crate::validate;
use proc_macro2::{Span, TokenStream};
use quote::quote;

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let mut diag = Diagnostics::new();
    let input = parse::split_metadata_input(input);
    let p = match &input.krate {
        Some(krate) => quote!(#krate::__private),
        None => quote!(::drip::__private),
    };
    let entries = match parse::parse_entries(input.entries) {
        Ok(entries) => entries,
        Err(error) => return error.to_compile_error(),
    };
    let checked = validate::metadata(&entries, Span::call_site(), input.krate.as_ref(), &mut diag);
    if let Some(error) = diag.into_error() {
        // Still a `Metadata` value, so the surrounding code keeps type-checking.
        let error = error.to_compile_error();
        return quote!({ #error #p::Metadata::new() });
    }
    let map = common::local("__drip_metadata");
    let track = checked
        .depends_on_manifest
        .as_deref()
        .map(common::manifest_dependency);
    if checked.entries.is_empty() {
        return quote!(#p::Metadata::new());
    }
    let register = common::register_manifest_keys(&p, &checked.manifest_keys());
    let inserts = checked.entries.iter().map(|entry| {
        let key = &entry.key;
        let value = common::value_expr(&entry.value);
        quote!(#map.insert(#key, #value);)
    });
    quote! {{
        #track
        #register
        let mut #map = #p::Metadata::new();
        #(#inserts)*
        #map
    }}
}
