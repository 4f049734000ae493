//! Procedural macros of the drip SDK. Use them through the `drip` crate.
//!
//! STUB written at project set-up; the macros work replaces it.

use proc_macro::TokenStream;

/// Meters a tool function. See the `drip` crate documentation.
#[proc_macro_attribute]
pub fn tool(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Opens a run around an agent entry point. See the `drip` crate documentation.
#[proc_macro_attribute]
pub fn run(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Builds checked metadata. See the `drip` crate documentation.
#[proc_macro]
pub fn metadata(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
