//! `#[drip::tool]`: a `tool.call` event per call inside a run, usage on a
//! meter outside one (with `customer` or `external_customer`, and `meter`),
//! nothing otherwise.

use crate::diagnostics::Diagnostics;
use crate::expand::common::{self, Target, Wrapper};
use crate::parse::{self, ToolArgs};
use crate::validate::{self, Customer, ToolPlan};
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut diag = Diagnostics::new();
    let args = match parse::parse_args(args) {
        Ok(args) => Some(ToolArgs::from_args(args, &mut diag)),
        Err(error) => {
            diag.push(error);
            None
        }
    };
    let target = Target::parse(&item, "#[drip::tool]", &mut diag);
    let plan = args.and_then(|args| {
        validate::tool(args, target.as_ref().map(|t| &t.item.sig.ident), &mut diag)
    });
    match (diag.into_error(), target, plan) {
        (None, Some(target), Some(plan)) => generate(target, &plan),
        (error, _, _) => common::fallback(item, error),
    }
}

fn generate(target: Target, plan: &ToolPlan) -> TokenStream {
    let krate = &plan.krate;
    let p = quote!(#krate::__private);
    let name = &plan.name;
    let metadata = common::literal_metadata(&p, &plan.metadata);
    let error_message = plan.error_message.is_some();
    let site = common::local("__DRIP_SITE");
    let (meter, enter) = match &plan.metered {
        None => (
            quote!(::core::option::Option::None),
            quote!(#p::tool_enter(&#site)),
        ),
        Some((customer, meter)) => (
            quote!(::core::option::Option::Some(#meter)),
            // The customer expression is only evaluated when the call is
            // tracked as usage (SDK on, outside any run), and in the body
            // itself, so `.await` and `?` work in it.
            {
                let begun = common::local("__drip_begun");
                let (customer, whose) = match customer {
                    Customer::Drip(expr) => (common::customer_id(&p, expr), ""),
                    Customer::External(expr) => (common::external_customer(&p, expr), "_external"),
                };
                let how = if plan.charge { "charged" } else { "metered" };
                let track = quote::format_ident!("tool_enter_{how}{whose}");
                quote! {
                    match #p::tool_begin_metered(&#site) {
                        ::core::option::Option::Some(#begun) => #begun,
                        ::core::option::Option::None => #p::#track(&#site, #customer),
                    }
                }
            },
        ),
    };
    let enter = quote! {{
        static #site: #p::ToolSite = #p::ToolSite {
            name: #name,
            metadata: #metadata,
            meter: #meter,
            error_message: #error_message,
        };
        #enter
    }};
    Wrapper {
        private: p,
        guard: common::local("__drip_call"),
        enter,
        metadata: &plan.metadata,
        error_message: plan.error_message,
    }
    .function(target)
}
