//! Procedural macros of the drip SDK: [`macro@tool`], [`macro@run`] and
//! [`metadata!`]. Use them through the `drip` crate (`#[drip::tool]`, …).
//!
//! Each macro goes `parse` (arguments → AST with spans) → `validate` (the
//! allowlist of `drip_runtime::fields`, literal values, required arguments;
//! every error collected) → `expand` (generation). When anything is wrong the
//! original item is emitted unchanged next to the errors, so the rest of the
//! crate keeps type-checking.
#![forbid(unsafe_code)]

mod diagnostics;
mod expand;
mod manifest;
mod parse;
mod validate;

use proc_macro::TokenStream;

/// Meters a tool function: each call inside a [`macro@run`] adds a `tool.call`
/// event with the tool's name, duration, status and metadata.
///
/// ```
/// #[drip::tool]
/// fn word_count(text: &str) -> usize {
///     text.split_whitespace().count()
/// }
///
/// #[derive(Debug)]
/// struct SearchError;
/// impl std::fmt::Display for SearchError {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("search backend unavailable")
///     }
/// }
///
/// const REGION: &str = "eu-west-1";
///
/// #[drip::tool(name = "web-search", metadata(provider = "bing", region = REGION), error_message)]
/// async fn search(query: &str, limit: usize) -> Result<Vec<String>, SearchError> {
///     if query.is_empty() {
///         return Err(SearchError);
///     }
///     Ok(vec![format!("result for {query}"); limit])
/// }
///
/// // Outside any run a tool records nothing, unless it names who pays and on which meter:
/// #[drip::tool(customer = account, meter = "pdf_pages")]
/// fn render_page(account: &str, page: u32) -> Vec<u8> {
///     vec![0; page as usize]
/// }
///
/// // … or names the customer by your own user id: drip gets or creates the Drip customer.
/// #[drip::tool(external_customer = user_id, meter = "ocr_pages")]
/// fn ocr(user_id: u64, image: &[u8]) -> usize {
///     image.len()
/// }
///
/// assert_eq!(word_count("three small words"), 3);
/// assert_eq!(render_page("cus_42", 2).len(), 2);
/// assert_eq!(ocr(8841, b"scan"), 4);
/// ```
///
/// Arguments (all optional):
/// - `name = "…"`: the tool's name; default: the function's name.
/// - `metadata(key = value, …)`: fields added to every call. Keys pass the
///   allowlist at compile time (camelCase is normalised to snake_case); a
///   literal value goes into a static, any other expression is evaluated at
///   call time, only when the call is recorded.
/// - `error_message`: send the error's `Display` text (sanitised) with a failed
///   call; by default only the error type's name (`error_type`, as written in
///   code: `io::Error`, `(StatusCode, String)`) is sent. The function must
///   return `Result<_, E>` with `E: Display` (a compile error otherwise).
/// - `customer = expr, meter = "…"`: outside a run, track each call as usage
///   (quantity 1) on `meter` for `customer` (Drip's customer id, as for
///   [`macro@run`]). Give both or neither. `expr` is
///   evaluated only then (not inside a run, not with the SDK disabled).
/// - `external_customer = expr, meter = "…"`: the same, for the customer your
///   application knows by its own opaque id (`expr: Display`; never an
///   e-mail address or other personal data, as for [`macro@run`]); delivery
///   gets or creates the Drip customer for it. Give `customer` or
///   `external_customer`, not both. An empty id records nothing (warned once);
///   an id that breaks the identifier rule is dropped before it is sent.
/// - `charge` (with `customer` or `external_customer`, and `meter`): outside a run, each call is
///   charged (`POST /usage`, a charge against the customer's balance) instead
///   of tracked as usage — through the same durable pipeline, its
///   idempotency key fixed before the first attempt, so it is charged exactly
///   once. Inside a run it is an ordinary tool call of the run.
/// - `crate = path`: where the `drip` crate is, when it is renamed or re-exported.
///
/// The status is `error` when the function returns `Err` (detected on the
/// declared return type, so type aliases work), `panicked` when it panics (the
/// panic continues), `cancelled` when its future is dropped before finishing,
/// `ok` otherwise. Timing starts at the first poll. With the SDK disabled a
/// call costs one atomic load.
///
/// It goes on `fn` and `async fn`, free functions and methods (any receiver),
/// generic or not, and on `#[async_trait]` methods; the signature stays as written.
#[proc_macro_attribute]
pub fn tool(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::tool::expand(args.into(), item.into()).into()
}

/// Opens a run for a customer around an agent entry point: tools, LLM calls
/// and events beneath it attach to the run, which ends `COMPLETED`, `FAILED`
/// (with the error type, or `panic`) or `CANCELLED` and is then delivered.
///
/// ```
/// struct Request {
///     customer_id: String,
///     question: String,
/// }
///
/// #[drip::tool]
/// async fn lookup(question: &str) -> Result<String, std::fmt::Error> {
///     Ok(format!("{} words", question.split_whitespace().count()))
/// }
///
/// #[drip::run(customer = req.customer_id.as_str(), workflow = "research-agent", metadata(environment = "prod"))]
/// async fn answer(req: Request) -> Result<String, std::fmt::Error> {
///     let facts = lookup(&req.question).await?;
///     Ok(format!("answer using {facts}"))
/// }
///
/// // Plain functions work too; the workflow defaults to the name in kebab-case ("nightly-report").
/// #[drip::run(customer = customer_id)]
/// fn nightly_report(customer_id: u64) -> usize {
///     42
/// }
///
/// assert_eq!(nightly_report(7), 42);
///
/// // With only your own user id: drip gets or creates the Drip customer for it.
/// #[drip::run(external_customer = user_id)]
/// fn export(user_id: &str) -> usize {
///     1
/// }
///
/// assert_eq!(export("user_8841"), 1);
/// ```
///
/// Arguments (exactly one of `customer` and `external_customer`):
/// - `customer = expr`: **Drip's** customer id (`cus_…`, as
///   returned by `Client::get_or_create_customer` or `create_customer`), not
///   your application's own user id; anything `Display`. Evaluated when the
///   run starts, only when the SDK is enabled.
/// - `external_customer = expr`: your application's own opaque id for the
///   customer (a database id — never an e-mail address or other personal
///   data: such a run is dropped before it is spooled, counted in
///   `drip::stats().dropped`, with one WARN). The run records the id and
///   nothing waits for the network: the delivery thread gets or creates the
///   Drip customer for it (one request per distinct id, remembered by the
///   runtime) before sending the run. If the API refuses for good (a key
///   that may not create customers, a bad request), the run is
///   dead-lettered and counted in `drip::stats().customers_refused`;
///   transient failures are retried with the work kept in the spool.
/// - `workflow = "…"`: the workflow slug; default: the function's name in kebab-case.
/// - `metadata(key = value, …)`: run metadata, checked as for [`macro@tool`].
/// - `correlation_id = expr`: your own id for the run (anything `Display`).
/// - `error_message`: send the error's `Display` text (sanitised) on failure;
///   the function must return `Result<_, E>` with `E: Display`.
/// - `stream`: deliver events as they happen instead of in one record at the end.
/// - `crate = path`: where the `drip` crate is, when it is renamed or re-exported.
///
/// A run inside a run is its own run, linked to its parent. On the server the
/// link is made when the parent is a `stream` run, whose server id exists
/// while its children run; a record-mode parent is recorded only when it
/// ends, after its children, so they arrive without the link. Mark a parent
/// `stream` when its nested runs should be linked in Drip (`drip::testing`
/// shows the nesting either way).
#[proc_macro_attribute]
pub fn run(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::run::expand(args.into(), item.into()).into()
}

/// The implementation of `drip::metadata!`; use it through the `drip` crate,
/// whose `macro_rules!` wrapper passes its own path (`crate = $crate;`) so
/// the generated code finds `drip` however it is named.
///
/// ```
/// let m = drip::metadata!(model = "gpt-4o", cached_tokens = 0);
/// assert_eq!(m.len(), 2);
/// ```
#[proc_macro]
pub fn metadata(input: TokenStream) -> TokenStream {
    expand::metadata::expand(input.into()).into()
}
