//! `#[drip::run]`: opens a run for a customer around the function; tools and
//! events beneath it attach to that run.

use crate::diagnostics::Diagnostics;
use crate::expand::common::{self, Target, Wrapper};
use crate::parse::{self, RunArgs};
use crate::validate::{self, Customer, RunPlan};
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut diag = Diagnostics::new();
    let args = match parse::parse_args(args) {
        Ok(args) => Some(RunArgs::from_args(args, &mut diag)),
        Err(error) => {
            diag.push(error);
            None
        }
    };
    let target = Target::parse(&item, "#[drip::run]", &mut diag);
    let plan = args.and_then(|args| {
        validate::run(args, target.as_ref().map(|t| &t.item.sig.ident), &mut diag)
    });
    match (diag.into_error(), target, plan) {
        (None, Some(target), Some(plan)) => generate(target, &plan),
        (error, _, _) => common::fallback(item, error),
    }
}

fn generate(target: Target, plan: &RunPlan) -> TokenStream {
    let krate = &plan.krate;
    let p = quote!(#krate::__private);
    let workflow = &plan.workflow;
    let metadata = common::literal_metadata(&p, &plan.metadata);
    let error_message = plan.error_message.is_some();
    let stream = plan.stream;
    let (run_enter, customer) = match &plan.customer {
        Customer::Drip(expr) => (quote!(run_enter), common::customer_id(&p, expr)),
        Customer::External(expr) => (
            quote!(run_enter_external),
            common::external_customer(&p, expr),
        ),
    };
    let correlation_id = match &plan.correlation_id {
        Some(expr) => {
            quote!(::core::option::Option::Some(::std::string::ToString::to_string(&(#expr))))
        }
        None => quote!(::core::option::Option::None),
    };
    let site = common::local("__DRIP_SITE");
    // Customer and correlation expressions are only evaluated when the SDK is on.
    let enter = quote! {{
        static #site: #p::RunSite = #p::RunSite {
            workflow: #workflow,
            stream: #stream,
            metadata: #metadata,
            error_message: #error_message,
        };
        if #p::enabled() {
            #p::#run_enter(&#site, #customer, #correlation_id)
        } else {
            #p::RunGuard::inactive()
        }
    }};
    Wrapper {
        private: p,
        guard: common::local("__drip_run"),
        enter,
        metadata: &plan.metadata,
        error_message: plan.error_message,
    }
    .function(target)
}
