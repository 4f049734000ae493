//! Wire types of the Drip API (camelCase JSON), and the event model.
//!
//! Requests omit unset optional fields (never `null`); responses tolerate
//! unknown fields and missing optional ones.

mod balance;
mod charge;
mod checkout;
mod contract;
mod cost_estimate;
mod customer;
mod customer_entitlement;
mod deleted;
mod emitted;
mod entitlement;
mod entitlement_plan;
mod event;
mod execution_event;
mod health;
pub(crate) mod idempotency;
mod meter;
mod portal_session;
mod record;
mod run;
mod run_id;
mod spending_cap;
mod status;
mod subscription;
pub(crate) mod time;
mod timeline;
mod usage;
mod webhook;
pub(crate) mod wire;
mod withdrawal;
mod workflow;

pub use balance::Balance;
pub use charge::{Charge, ChargeInfo, ChargeList, ChargeResult, ChargeStatus, ListCharges};
pub use checkout::{Checkout, CheckoutSession};
pub use contract::{
    Contract, ContractList, ContractPriceOverride, ContractStatus, CreateContract, ListContracts,
    SetContractPrice, UpdateContract,
};
pub use cost_estimate::{
    CostEstimate, CostFromUsage, EstimateItem, EstimateLine, HypotheticalCost,
};
pub use customer::{CreateCustomer, Customer, CustomerList, CustomerStatus, ListCustomers};
pub use customer_entitlement::{AssignEntitlement, CustomerEntitlement};
pub use deleted::Deleted;
pub use emitted::{BatchEventOutcome, EventBatchResult, EventEmitted};
pub use entitlement::{CheckEntitlement, Entitlement};
pub use entitlement_plan::{
    CreateEntitlementPlan, CreateEntitlementRule, EntitlementPlan, EntitlementPlanList,
    EntitlementRule, EntitlementRuleList, LimitPeriod, LimitType, UpdateEntitlementPlan,
    UpdateEntitlementRule,
};
pub(crate) use event::BuiltClean;
pub use event::{Event, ToolStatus};
pub(crate) use event::{duration_ms, tool_call_metadata};
pub use execution_event::{
    EventOutcome, EventTrace, ExecutionEvent, ExecutionEventList, ListExecutionEvents,
};
pub use health::Health;
pub use meter::{Meter, MeterList};
pub use portal_session::{CreatePortalSession, PortalSession, PortalSessionRevoked};
pub use record::{RecordRun, RecordRunResult, RecordedEvents, RecordedRun};
pub use run::{EndRun, RunDetails, RunEnded, RunStarted, RunTotals, StartRun};
pub use run_id::{AsRunId, EXTERNAL_RUN_ID_PREFIX, ExternalRunId, RunId};
pub use spending_cap::{CapType, SetSpendingCap, SpendingCap, SpendingCapList, SpendingCapRemoved};
pub use status::RunStatus;
pub use subscription::{
    CancelSubscription, CreateSubscription, ListSubscriptions, PauseSubscription, Subscription,
    SubscriptionInterval, SubscriptionList, SubscriptionStatus, UpdateSubscription,
};
pub use timeline::{
    Anomaly, Timeline, TimelineEvent, TimelineQuery, TimelineSummary, TimelineUsage,
};
pub use usage::{TrackUsage, UsageMode, UsageTracked};
pub use webhook::{
    CreateWebhook, UpdateWebhook, Webhook, WebhookCreated, WebhookDeleted, WebhookFilters,
    WebhookList, WebhookSecretRotated, WebhookStats, WebhookTestResult,
};
pub use withdrawal::{
    ListWithdrawals, Withdraw, Withdrawal, WithdrawalCancelled, WithdrawalFeeEstimate,
    WithdrawalList, WithdrawalStatus,
};
pub use workflow::{CreateWorkflow, ProductSurface, Workflow, WorkflowList};
