//! Sends one sealed segment's envelopes to the API and settles each of them:
//! sent, duplicate, or dead-lettered. Transient failures are retried here
//! (the client is built with `RetryPolicy::none()`), forever, with capped
//! backoff: only the transport's deadline (flush, shutdown) stops a segment,
//! and what is unsettled then stays in the spool.
//!
//! Order inside a segment: stream-run starts (parents before the runs nested
//! in them, so that a child's start names its parent's server id), then
//! everything else concurrently (record-mode runs, usage, event batches per
//! run), then stream-run ends. Segments are delivered one after another, so a
//! run's start always precedes its events and its end. Work that names its
//! customer by an external id first waits for that id's resolution
//! (`customers.rs`).

mod charge_send;
mod customers;

use super::backoff;
use super::envelope::{Envelope, Start, parent_depths};
use super::event_wire::{self, EventRef};
use super::report::Counters;
use super::run_ids::RunIds;
use super::spool::DeadLetters;
use crate::Error;
use crate::client::{Client, RetryPolicy, fallback};
use crate::config::Config;
use crate::model::{RecordRun, TrackUsage};
use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Which envelopes of a segment are settled, for rewriting the segment when a
/// deadline interrupts it.
#[derive(Debug)]
pub(crate) struct Progress {
    /// Parts still unsettled per envelope (events for stream batches, else 1).
    remaining: Vec<AtomicU32>,
    /// Whether anything settled at all.
    any: AtomicBool,
}

impl Progress {
    pub(crate) fn new(envelopes: &[Envelope]) -> Self {
        Progress {
            remaining: envelopes
                .iter()
                .map(|e| match e {
                    Envelope::StreamEvents { events, .. } => AtomicU32::new(events.len() as u32),
                    Envelope::StreamWire { json, .. } => AtomicU32::new(json.len() as u32),
                    _ => AtomicU32::new(1),
                })
                .collect(),
            any: AtomicBool::new(false),
        }
    }

    fn settle(&self, index: usize, parts: u32) {
        if let Some(r) = self.remaining.get(index) {
            let _ = r.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(parts))
            });
        }
        self.any.store(true, Ordering::Relaxed);
    }

    pub(crate) fn any_settled(&self) -> bool {
        self.any.load(Ordering::Relaxed)
    }

    pub(crate) fn is_settled(&self, index: usize) -> bool {
        self.remaining
            .get(index)
            .is_none_or(|r| r.load(Ordering::Relaxed) == 0)
    }
}

/// Owns the client and the rules for settling envelopes.
#[derive(Debug)]
pub(crate) struct Dispatcher {
    client: Client,
    counters: Arc<Counters>,
    dead: DeadLetters,
    runs: RunIds,
    batch_size: usize,
    permits: Semaphore,
    max_backoff: Duration,
    /// Whether an undecodable 2xx answer was logged (once per pipeline).
    odd_answer_logged: AtomicBool,
    /// Written when the API refuses the key, so that a process with a new
    /// key adopts this spool's work (see `Spool::claim_key_refused`).
    key_refused_marker: Option<std::path::PathBuf>,
    /// What the key-refused marker says (see `spool::key_refused_owner`).
    refused_owner: String,
    key_refused_marked: AtomicBool,
    /// External customer ids and what they resolved to.
    customers: customers::Customers,
}

type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

impl Dispatcher {
    pub(crate) fn new(
        config: &Config,
        counters: Arc<Counters>,
        dead: DeadLetters,
        runs: RunIds,
        key_refused_marker: Option<std::path::PathBuf>,
    ) -> crate::Result<Self> {
        let client = Client::builder()
            .api_key(config.api_key.clone().unwrap_or_default())
            .base_url(config.base_url.clone())
            .timeout(config.request_timeout)
            .retry(RetryPolicy::none())
            .privacy(counters.privacy.clone())
            .build()?;
        Ok(Dispatcher {
            client,
            counters,
            dead,
            runs,
            batch_size: config.batch_size,
            permits: Semaphore::new(config.usage_concurrency),
            max_backoff: config.max_backoff,
            odd_answer_logged: AtomicBool::new(false),
            key_refused_marker,
            refused_owner: super::spool::key_refused_owner(
                &config.base_url,
                config.api_key.as_deref().unwrap_or_default(),
            ),
            key_refused_marked: AtomicBool::new(false),
            customers: customers::Customers::default(),
        })
    }

    /// The stream runs' server ids.
    pub(crate) fn runs(&self) -> &RunIds {
        &self.runs
    }

    /// Settles every envelope of a segment (or runs until the caller drops it).
    pub(crate) async fn deliver(
        self: Arc<Self>,
        envelopes: Arc<Vec<Envelope>>,
        progress: Arc<Progress>,
    ) {
        // 1. Stream-run starts: together, but a nested run's parent first
        //    (its request names the parent's server id).
        let starts: Vec<(usize, Start<'_>)> = envelopes
            .iter()
            .enumerate()
            .filter_map(|(i, env)| Some((i, Start::of(env)?)))
            .collect();
        let depths = parent_depths(&starts.iter().map(|&(_, s)| s).collect::<Vec<_>>());
        for depth in 0..=depths.iter().copied().max().unwrap_or(0) {
            let mut jobs: Vec<Job> = Vec::new();
            for (&(i, _), _) in starts.iter().zip(&depths).filter(|(_, d)| **d == depth) {
                let (me, p, envs) = (self.clone(), progress.clone(), envelopes.clone());
                jobs.push(Box::pin(async move {
                    if let Some(start) = Start::of(&envs[i]) {
                        me.start_run(i, start, &p).await
                    }
                }));
            }
            run_all(jobs).await;
        }

        // 2. Record-mode runs, usage, and event batches.
        let mut jobs: Vec<Job> = Vec::new();
        // Events are referred to as (envelope, event) positions, cloned only
        // into the request body. Each event names its run, so one request
        // carries events of many runs: a segment of short runs is sent in
        // requests of `batch_size`, not one (or more) per run.
        let mut positions: Vec<(usize, usize)> = Vec::new();
        for (i, env) in envelopes.iter().enumerate() {
            match env {
                Envelope::Run { .. } => {
                    // The run is read in place: a whole run can be thousands of events.
                    let (me, p, envs) = (self.clone(), progress.clone(), envelopes.clone());
                    jobs.push(Box::pin(async move {
                        me.record_run(i, &envs[i], &p).await;
                    }));
                }
                Envelope::Usage { .. } | Envelope::Charge { .. } => {
                    let (me, p, envs) = (self.clone(), progress.clone(), envelopes.clone());
                    jobs.push(Box::pin(async move {
                        match &envs[i] {
                            Envelope::Usage { usage, .. } => {
                                me.track_usage(i, usage, &envs[i], &p).await
                            }
                            Envelope::Charge { charge, .. } => {
                                me.charge(i, charge, &envs[i], &p).await
                            }
                            _ => {}
                        }
                    }));
                }
                Envelope::StreamEvents { events, .. } => {
                    positions.extend((0..events.len()).map(|j| (i, j)));
                }
                Envelope::StreamWire { json, .. } => {
                    positions.extend((0..json.len()).map(|j| (i, j)));
                }
                Envelope::StreamStart { .. } | Envelope::StreamEnd { .. } => {}
            }
        }
        for chunk in positions.chunks(self.batch_size.max(1)) {
            let (me, p, chunk) = (self.clone(), progress.clone(), chunk.to_vec());
            let envelopes = envelopes.clone();
            jobs.push(Box::pin(
                async move { me.emit_chunk(envelopes, chunk, p).await },
            ));
        }
        run_all(jobs).await;

        // 3. Stream-run ends.
        let mut jobs: Vec<Job> = Vec::new();
        for (i, env) in envelopes.iter().enumerate() {
            if let Envelope::StreamEnd { .. } = env {
                let (me, p, envs) = (self.clone(), progress.clone(), envelopes.clone());
                jobs.push(Box::pin(async move { me.end_run(i, &envs[i], &p).await }));
            }
        }
        run_all(jobs).await;
    }

    /// Calls `call` until it succeeds or fails permanently, pausing between
    /// attempts. `items` is what the request carries (for `in_flight`).
    async fn retrying<T, F, Fut>(&self, items: u64, mut call: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let mut attempt = 0u32;
        let mut held = KeyRefusal::new(&self.counters);
        loop {
            let result = {
                let _permit = self.permits.acquire().await;
                Counters::add(&self.counters.in_flight, items);
                let r = call().await;
                self.counters.in_flight.fetch_sub(items, Ordering::Relaxed);
                r
            };
            match result {
                Err(e) if matches!(e.status(), Some(401 | 403)) => {
                    held.hold(&e);
                    self.mark_key_refused();
                    tokio::time::sleep(backoff::KEY_REFUSED).await;
                }
                Err(e) if e.is_retryable() => {
                    Counters::add(&self.counters.retries, 1);
                    let pause = backoff::pause(attempt, self.max_backoff, e.retry_after());
                    tracing::debug!(target: "drip", error = %e, attempt, ?pause, "drip delivery will retry");
                    tokio::time::sleep(pause).await;
                    attempt = attempt.saturating_add(1);
                }
                other => return other,
            }
        }
    }

    fn mark_key_refused(&self) {
        if let Some(marker) = &self.key_refused_marker
            && !self.key_refused_marked.swap(true, Ordering::Relaxed)
            && let Err(e) = std::fs::write(marker, &self.refused_owner)
        {
            tracing::warn!(target: "drip", error = %e, "cannot mark the drip spool as held for a refused key");
        }
    }

    /// Whether `error` is a 2xx answer whose body did not decode: the server
    /// stored the request, so it counts as delivered. Logged once.
    fn stored_despite(&self, error: &Error) -> bool {
        let Error::Decode { message } = error else {
            return false;
        };
        if !self.odd_answer_logged.swap(true, Ordering::Relaxed) {
            tracing::warn!(target: "drip", %message, "the Drip API accepted a request with an answer drip cannot read; counted as delivered (later ones are not logged)");
        }
        true
    }

    fn reject(&self, envelope: &Envelope, error: &Error) {
        Counters::add(&self.counters.rejected, envelope.items());
        self.dead.write(envelope, error);
    }

    async fn start_run(&self, index: usize, start: Start<'_>, progress: &Progress) {
        let ext = start.external_run_id();
        // Started already (a replayed start), or refused (and dead-lettered) already.
        if self.runs.get(ext).is_some() || self.runs.is_refused(ext) {
            return progress.settle(index, 1);
        }
        let Some(customer) = self
            .customer_for(&start.run.customer_id, start.envelope)
            .await
        else {
            self.runs.refuse(ext);
            return progress.settle(index, 1);
        };
        let result = self
            .retrying(0, || async {
                let mut req = start.run.clone();
                req.customer_id = customer.clone().into_owned();
                req.workflow_id = self.client.resolve_workflow_id(start.workflow).await?;
                req.parent_run_id = start
                    .parent_external_run_id
                    .and_then(|parent| self.runs.get(parent));
                self.client.start_run(req).await
            })
            .await;
        match result {
            Ok(started) => self.runs.started(ext, &started.id),
            Err(e) => {
                self.runs.refuse(ext);
                self.reject(start.envelope, &e);
            }
        }
        progress.settle(index, 1);
    }

    async fn end_run(&self, index: usize, envelope: &Envelope, progress: &Progress) {
        let Envelope::StreamEnd {
            external_run_id: ext,
            end,
        } = envelope
        else {
            return progress.settle(index, 1);
        };
        let Some(run_id) = self.runs.wait_for(ext).await else {
            self.reject(envelope, &unknown_run());
            return progress.settle(index, 1);
        };
        let result = self
            .retrying(0, || self.client.end_run(&run_id, end.clone()))
            .await;
        match result {
            // 409: already ended by an earlier attempt.
            Ok(_) => self.runs.ended(ext),
            Err(e) if e.status() == Some(409) || self.stored_despite(&e) => self.runs.ended(ext),
            Err(e) => self.reject(envelope, &e),
        }
        progress.settle(index, 1);
    }

    async fn record_run(&self, index: usize, envelope: &Envelope, progress: &Progress) {
        let Envelope::Run {
            run,
            parent_external_run_id,
            events_json,
            ..
        } = envelope
        else {
            return progress.settle(index, 1);
        };
        let n = envelope.items();
        let Some(customer) = self.customer_for(&run.customer_id, envelope).await else {
            return progress.settle(index, 1);
        };
        // Known when the parent is a stream run (its start went first); a
        // record-mode parent is recorded after its children. Otherwise the
        // run is sent from the segment as it is: its events are not copied,
        // and they passed the privacy hook when the transport took them.
        let parent = parent_external_run_id
            .as_deref()
            .and_then(|parent| self.runs.get(parent));
        let body = if parent.is_none() && customer == run.customer_id {
            Cow::Borrowed(run)
        } else {
            let mut changed = run.clone();
            changed.customer_id = customer.into_owned();
            if parent.is_some() {
                changed.parent_run_id = parent;
            }
            Cow::Owned(changed)
        };
        let result = match events_json {
            // Spliced once; each attempt sends these bytes.
            Some(events) => match record_body(&body, events) {
                Some(bytes) => {
                    self.retrying(n, || self.client.record_endpoint_raw(&body, bytes.clone()))
                        .await
                }
                None => Err(Error::Validation {
                    field: "events",
                    reason: "a record-mode run whose body cannot be written".into(),
                }),
            },
            None => {
                self.retrying(n, || self.client.record_endpoint(&body))
                    .await
            }
        };
        match result {
            Ok(Some(recorded)) => {
                // A replayed run the server already has may report neither
                // created nor duplicate events: it is delivered all the same.
                let dups = if recorded.events.created == 0 {
                    n
                } else {
                    recorded.events.duplicates.min(n)
                };
                Counters::add(&self.counters.duplicates, dups);
                Counters::add(&self.counters.sent, n - dups);
            }
            Ok(None) => {
                tracing::debug!(target: "drip", "/runs/record missing (404); recording through the fallback");
                let mut body = body.into_owned();
                if let Some(events) = events_json {
                    body.events = events.typed();
                }
                if let Err(e) = self.record_in_steps(&body).await {
                    self.reject(envelope, &e);
                }
            }
            Err(e) if e.status() == Some(409) => Counters::add(&self.counters.duplicates, n),
            Err(e) if self.stored_despite(&e) => Counters::add(&self.counters.sent, n),
            Err(e) => self.reject(envelope, &e),
        }
        progress.settle(index, 1);
    }

    /// The drip-api.md §2.13 fallback, each step retried on its own: a step
    /// that fails is retried without resending the steps already stored.
    /// Counts the events; an error means nothing of the run was counted.
    async fn record_in_steps(&self, body: &RecordRun) -> Result<(), Error> {
        let n = body.events.len() as u64;
        let workflow_id = self
            .retrying(0, || self.client.resolve_workflow_id(&body.workflow))
            .await?;
        let start = fallback::start(body, &workflow_id);
        let started = self
            .retrying(0, || self.client.start_run(start.clone()))
            .await?;
        if n > 0 {
            let events = fallback::events(body);
            match self
                .retrying(n, || {
                    self.client.emit_events_batch(&started.id, events.clone())
                })
                .await
            {
                Ok(stored) => {
                    let dups = stored.duplicates.min(n);
                    Counters::add(&self.counters.duplicates, dups);
                    Counters::add(&self.counters.sent, n - dups);
                }
                Err(e) if self.stored_despite(&e) => Counters::add(&self.counters.sent, n),
                Err(e) => return Err(e),
            }
        }
        let end = fallback::end(body);
        match self
            .retrying(0, || self.client.end_run(&started.id, end.clone()))
            .await
        {
            // 409: ended already (an earlier attempt's answer was lost).
            Ok(_) => Ok(()),
            Err(e) if e.status() == Some(409) || self.stored_despite(&e) => Ok(()),
            Err(e) => {
                // The events are stored and counted; only the end is missing.
                tracing::warn!(target: "drip", error = %e, run = body.external_run_id.as_deref().unwrap_or_default(), "the Drip API refused to end a run recorded through the fallback");
                Ok(())
            }
        }
    }

    async fn track_usage(
        &self,
        index: usize,
        usage: &TrackUsage,
        envelope: &Envelope,
        progress: &Progress,
    ) {
        let Some(customer) = self.customer_for(&usage.customer_id, envelope).await else {
            return progress.settle(index, 1);
        };
        let result = self
            .retrying(1, || {
                let mut req = usage.clone();
                req.customer_id = customer.clone().into_owned();
                self.client.track_usage(req)
            })
            .await;
        match result {
            Ok(tracked) if tracked.is_duplicate => Counters::add(&self.counters.duplicates, 1),
            Ok(_) => Counters::add(&self.counters.sent, 1),
            Err(e) if e.status() == Some(409) => Counters::add(&self.counters.duplicates, 1),
            Err(e) if self.stored_despite(&e) => Counters::add(&self.counters.sent, 1),
            Err(e) => self.reject(envelope, &e),
        }
        progress.settle(index, 1);
    }

    /// One `/run-events/batch` request, its events of any runs. A
    /// permanent refusal of a batch of several events is bisected, so one
    /// poisoned event cannot hold up the others: only the event the server
    /// refuses on its own is dead-lettered.
    fn emit_chunk(
        self: Arc<Self>,
        envelopes: Arc<Vec<Envelope>>,
        chunk: Vec<(usize, usize)>,
        progress: Arc<Progress>,
    ) -> Job {
        Box::pin(async move {
            let settle_all = |chunk: &[(usize, usize)]| {
                for (i, _) in chunk {
                    progress.settle(*i, 1);
                }
            };
            // Each event with whether the client's checks passed it already.
            let event_at = |&(i, j): &(usize, usize)| -> Option<(&str, EventRef<'_>, bool)> {
                match envelopes.get(i) {
                    Some(Envelope::StreamEvents {
                        external_run_id,
                        events,
                    }) => Some((external_run_id, EventRef::Typed(events.get(j)?), false)),
                    Some(Envelope::StreamWire {
                        external_run_id,
                        json,
                    }) => Some((
                        external_run_id,
                        EventRef::Json(json.event(j)?),
                        json.is_checked(),
                    )),
                    _ => None,
                }
            };
            // The server id of each run in the chunk; events of a run whose
            // start was refused or is missing are dead-lettered.
            // Kept by envelope index, ascending as the chunk is: looked up per
            // event by a binary search, not a hash of the run's id.
            let mut run_ids: Vec<(usize, Option<String>)> = Vec::new();
            let mut by_run: HashMap<&str, Option<String>> = HashMap::new();
            for &(i, _) in &chunk {
                if run_ids.last().is_some_and(|&(last, _)| last == i) {
                    continue;
                }
                let Some(ext) = envelopes.get(i).and_then(Envelope::external_run_id) else {
                    continue;
                };
                let id = match by_run.get(ext) {
                    Some(id) => id.clone(),
                    None => {
                        let id = self.runs.wait_for(ext).await;
                        by_run.insert(ext, id.clone());
                        id
                    }
                };
                run_ids.push((i, id));
            }
            let run_id_of = |i: usize| -> Option<&str> {
                let k = run_ids.binary_search_by_key(&i, |&(at, _)| at).ok()?;
                run_ids[k].1.as_deref()
            };
            let mut chunk = chunk;
            chunk.retain(|at| {
                let Some((ext, event, checked)) = event_at(at) else {
                    progress.settle(at.0, 1);
                    return false;
                };
                let refusal = match run_id_of(at.0) {
                    Some(_) if checked => None,
                    Some(_) => event_wire::refusal_of(event),
                    None => Some(unknown_run()),
                };
                match refusal {
                    // What the server would refuse on its own is dead-lettered here.
                    Some(error) => {
                        self.reject(&one_event(ext, event), &error);
                        progress.settle(at.0, 1);
                        false
                    }
                    None => true,
                }
            });
            if chunk.is_empty() {
                return;
            }
            let n = chunk.len() as u64;
            // Spliced once from the segment's lines; each attempt sends these bytes.
            let body: bytes::Bytes = event_wire::BodyWriter::default()
                .batch(
                    chunk.iter().filter_map(|at| {
                        let (_, event, _) = event_at(at)?;
                        Some((run_id_of(at.0)?, event))
                    }),
                    chunk.len(),
                )
                .into();
            let result = self
                .retrying(n, || self.client.emit_events_batch_raw(body.clone()))
                .await;
            match result {
                Ok(answer) if answer.events.len() == chunk.len() => {
                    let events = chunk.iter().filter_map(event_at);
                    for ((ext, event, _), outcome) in events.zip(&answer.events) {
                        if outcome.skipped {
                            let error = Error::Api {
                                status: 400,
                                code: Some("EVENT_SKIPPED".into()),
                                message: outcome
                                    .reason
                                    .clone()
                                    .unwrap_or_else(|| "skipped by the server".into()),
                            };
                            self.reject(&one_event(ext, event), &error);
                        } else if outcome.is_duplicate {
                            Counters::add(&self.counters.duplicates, 1);
                        } else {
                            Counters::add(&self.counters.sent, 1);
                        }
                    }
                    settle_all(&chunk);
                }
                Ok(answer) => {
                    // No per-event detail: trust the totals.
                    let dups = answer.duplicates.min(n);
                    Counters::add(&self.counters.duplicates, dups);
                    Counters::add(&self.counters.sent, n - dups);
                    settle_all(&chunk);
                }
                Err(e) if e.status() == Some(409) => {
                    Counters::add(&self.counters.duplicates, n);
                    settle_all(&chunk);
                }
                Err(e) if self.stored_despite(&e) => {
                    Counters::add(&self.counters.sent, n);
                    settle_all(&chunk);
                }
                Err(e) if chunk.len() > 1 => {
                    tracing::debug!(target: "drip", error = %e, events = chunk.len(), "event batch refused; bisecting to isolate the refused events");
                    let mut left = chunk;
                    let right = left.split_off(left.len() / 2);
                    let a = self
                        .clone()
                        .emit_chunk(envelopes.clone(), left, progress.clone());
                    let b = self
                        .clone()
                        .emit_chunk(envelopes.clone(), right, progress.clone());
                    run_all(vec![a, b]).await;
                }
                Err(e) => {
                    for (ext, event, _) in chunk.iter().filter_map(event_at) {
                        self.reject(&one_event(ext, event), &e);
                    }
                    settle_all(&chunk);
                }
            }
        })
    }
}

/// One request held because the API refused the key: counted in
/// `Stats::held_by_auth` from its first refusal until it is dropped (settled,
/// or cut short by a deadline). The first request held while none was logs
/// a WARN, so an expired key is noticed without a line per retry.
struct KeyRefusal<'a> {
    counters: &'a Counters,
    holding: bool,
}

impl<'a> KeyRefusal<'a> {
    fn new(counters: &'a Counters) -> Self {
        KeyRefusal {
            counters,
            holding: false,
        }
    }

    fn hold(&mut self, error: &Error) {
        if std::mem::replace(&mut self.holding, true) {
            return;
        }
        if self.counters.held_by_auth.fetch_add(1, Ordering::Relaxed) == 0 {
            tracing::warn!(target: "drip", %error, retry_every = ?backoff::KEY_REFUSED, "the Drip API refuses the API key; billing data is held in the spool and delivered once a valid key is configured (see drip::stats().held_by_auth)");
        }
    }
}

impl Drop for KeyRefusal<'_> {
    fn drop(&mut self) {
        if self.holding {
            self.counters.held_by_auth.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// The `/runs/record` body of `run` (whose `events` is empty) with `events` spliced in.
fn record_body(run: &RecordRun, events: &event_wire::RunEventsJson) -> Option<bytes::Bytes> {
    let head = serde_json::to_vec(run).ok()?;
    let mut body = Vec::new();
    events.splice(&head, &mut body)?;
    Some(body.into())
}

/// One event as a batch of its own, typed (for its dead letter).
fn one_event(ext: &str, event: EventRef<'_>) -> Envelope {
    Envelope::StreamEvents {
        external_run_id: ext.to_owned(),
        events: event_wire::typed(event).into_iter().collect(),
    }
}

fn unknown_run() -> Error {
    Error::Validation {
        field: "externalRunId",
        reason: "the stream run's start was refused or is missing, so its events and end cannot be attached to a run".into(),
    }
}

/// Runs jobs concurrently on the transport's runtime and waits for all.
async fn run_all(jobs: Vec<Job>) {
    if jobs.is_empty() {
        return;
    }
    let mut set = JoinSet::new();
    for job in jobs {
        set.spawn(job);
    }
    while set.join_next().await.is_some() {}
}
