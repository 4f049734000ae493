//! Error collection: every problem in an attribute is reported in one go.
//!
//! Modelled on serde_derive's `Ctxt`: checks push spanned errors instead of
//! returning at the first one, and the expansion turns them all into
//! `compile_error!`s next to the untouched original item.

use proc_macro2::Span;
use std::fmt::Display;

/// Accumulates spanned errors from parsing and validation.
#[derive(Default)]
pub(crate) struct Diagnostics {
    errors: Vec<syn::Error>,
}

impl Diagnostics {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// An error at `span` followed by a `help:` line telling the user what to do instead.
    pub(crate) fn error_with_hint(
        &mut self,
        span: Span,
        message: impl Display,
        hint: impl Display,
    ) {
        self.errors.push(syn::Error::new(
            span,
            format_args!("{message}\nhelp: {hint}"),
        ));
    }

    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// All errors as one `compile_error!` stream, or `None` when there were none.
    pub(crate) fn into_error(self) -> Option<syn::Error> {
        let mut errors = self.errors.into_iter();
        let mut combined = errors.next()?;
        for error in errors {
            combined.combine(error);
        }
        Some(combined)
    }
}
