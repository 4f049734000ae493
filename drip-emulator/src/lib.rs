//! A local, Drip-compatible usage-billing API server.
//!
//! `drip-emulator` serves the Drip API (`/v1/...` plus `/health`) on loopback from memory,
//! optionally persisted to a JSON file. It is the embedded default for running drip offline
//! and the real HTTP peer of drip's tests. It is an independent implementation of the wire
//! protocol: it shares no code with the drip client, so tests catch client bugs.
//!
//! What it implements: bearer authentication with a public (`pk_test_…`) and a secret
//! (`sk_test_…`) key; scopes (webhooks need the secret key, `403 PUBLIC_KEY_NOT_ALLOWED`);
//! idempotency (a repeated `idempotencyKey` answers `isDuplicate: true` and stores nothing);
//! customers, usage, workflows, runs with their state machine, run events, `/runs/record`,
//! timelines, entitlement checks and webhooks; `400 VALIDATION_ERROR` naming the bad field.
//! Billing: charges (`/usage`, `/usage/async`) priced by the pricing plans
//! ([`EmulatorHandle::set_pricing_plan`], else 0.0001 USDC a unit), balances (funded with
//! [`EmulatorHandle::fund_balance`] minus charges), spending caps that refuse a charge over
//! them with `402 SPENDING_CAP_EXCEEDED`, customer entitlement assignments, charge listings and
//! cost estimates; execution events (`/events`, the stored run events with an outcome and a
//! trace); subscriptions with their state machine (a transition that does not apply is a `409`
//! naming the state); checkout sessions (paid with [`EmulatorHandle::complete_checkout`], which
//! funds the balance); portal sessions; entitlement plans and rules (an assigned plan's rule
//! answers `/entitlements/check`); contracts (an active one prices its customer's charges);
//! withdrawals (idempotent by `idempotency_key`, cancellable while pending).
//!
//! Tests inspect what was stored ([`EmulatorHandle::usage`], [`EmulatorHandle::runs`],
//! [`EmulatorHandle::events`], [`EmulatorHandle::requests`] …) and inject faults
//! ([`EmulatorHandle::faults`], or `POST /_emulator/faults` with the secret key).
//!
//! ```
//! let emulator = drip_emulator::Emulator::builder().start_blocking()?;
//! println!("Drip API on {} (key {})", emulator.base_url(), emulator.public_key());
//! emulator.faults().error_rate(503, 0.2).seed(7);
//! assert!(emulator.usage().is_empty());
//! # Ok::<(), drip_emulator::EmulatorError>(())
//! ```
//!
//! # Admin routes (secret key; never faulted, never in the request log)
//!
//! * `GET {origin}/_emulator/faults` answers the current [`FaultConfig`] (camelCase).
//! * `POST {origin}/_emulator/faults` applies a partial update and answers the result. Fields:
//!   `clear` (bool, applied first), `errorRates` (`{"503": 0.1, "429": 0.1}`), `retryAfter`
//!   (seconds), `latencyMs`, `commitThenDrop` (rate), `dropNext` (count), `failNext`
//!   (`[503, 500]`), `recordEndpoint` (bool), `stall` (bool), `pathPrefix` (`""` removes it),
//!   `seed`. Unknown fields and rates outside `0..=1` are a 400.
//! * `POST {origin}/_emulator/entitlements` with `{featureKey, limit, customerId?}` sets a quota.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = drip_emulator::Emulator::start().await?;
//! let http = reqwest::Client::builder().no_proxy().build()?;
//! let answer = http
//!     .post(format!("{}/_emulator/faults", emulator.origin()))
//!     .bearer_auth(emulator.secret_key())
//!     .header("content-type", "application/json")
//!     .body(r#"{"errorRates": {"503": 0.5}, "seed": 1}"#)
//!     .send()
//!     .await?;
//! assert!(answer.status().is_success());
//! assert_eq!(emulator.faults().config().error_rates.get(&503), Some(&0.5));
//! # Ok(()) }
//! ```
//!
//! # Server semantics beyond the hosted API's documentation
//!
//! Server semantics beyond the hosted API's documentation: customer ids in usage and runs
//! are not checked against stored customers; events for an ended run are refused (`409
//! RUN_ALREADY_ENDED`, or `skipped` with that reason in a batch); `/runs/record` also honours
//! optional `startedAt`, `endedAt` and `durationMs` fields.
//!
//! Billing choices where the hosted API's documentation is silent: an execution event's
//! `outcome` is `FAILURE` for an `error` event or a metadata `status` of `error`/`panicked`,
//! `CANCELLED` for `cancelled`, else `SUCCESS`; its trace follows `parentEventId`, and its
//! retry chain is the run's events sharing its `correlationId`. Subscription periods are 1, 7,
//! 30 or 365 days; `trialDays` makes a `TRIALING` subscription. A checkout URL points at the
//! reserved host `checkout.emulator.invalid`; a portal session lives 60 minutes unless told
//! (1 to 1440). One entitlement plan at most is the default; a rule's `unlimited` answers
//! `limit: -1` in checks. A contract's price is its meter override (else the list price) less
//! `discountPct`. Withdrawals cost 1 % (100 bps) and run from 10 to 100 000 USDC. Listings
//! answer `{data, count}` (subscriptions), `{data, total, limit, offset}` (events), `{plans}`,
//! `{rules}`, `{contracts}`, `{withdrawals, total}`, as the Node SDK reads them.

#![warn(missing_docs)]

mod api;
mod billing;
mod clock;
mod commerce;
mod error;
mod faults;
mod handle;
mod key_index;
mod openai;
mod persist;
mod random;
mod records;
mod refusal;
mod request_log;
mod server;
mod shared;
mod store;
mod stored_event;
mod webhook_delivery;

pub use billing::ChargeRecord;
pub use error::EmulatorError;
pub use faults::{FaultConfig, Faults};
pub use handle::{Emulator, EmulatorBuilder, EmulatorHandle};
pub use openai::{OpenAiExchange, OpenAiFake, OpenAiFakeBuilder, OpenAiFakeHandle, OpenAiUsage};
pub use records::{
    CustomerRecord, EventRecord, RequestRecord, RunRecord, UsageRecord, WebhookRecord,
    WorkflowRecord,
};
