//! `ping`: `GET <origin>/health`.

use super::Client;
use super::http::Request;
use crate::error::Result;
use crate::model::Health;
use reqwest::Method;
use std::time::Instant;

impl Client {
    /// Checks that the API is reachable: one `GET <origin>/health` (the base
    /// URL without `/v1`), not retried. An unhealthy answer is `Ok` with
    /// `ok == false`; only a transport failure is an error.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// let health = client.ping().await?;
    /// println!("{} in {} ms", health.status, health.latency_ms);
    /// # Ok(()) }
    /// ```
    pub async fn ping(&self) -> Result<Health> {
        let inner = self.inner();
        let req = Request::new("GET /health", Method::GET, inner.health.clone());
        let started = Instant::now();
        let reply = crate::client::RetryPolicy::none()
            .run(|attempt| inner.attempt_any(&req, attempt))
            .await?;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let ok_status = reply.is_success();
        let json = reply.json_body();
        let status = match json
            .as_ref()
            .and_then(|j| j.get("status"))
            .and_then(|s| s.as_str())
        {
            Some(s) => s.to_owned(),
            None if json.is_none() && ok_status => "healthy".to_owned(),
            None => format!("error:{}", reply.status),
        };
        let timestamp = json
            .as_ref()
            .and_then(|j| j.get("timestamp"))
            .and_then(|t| t.as_u64())
            .unwrap_or_else(now_ms);
        Ok(Health {
            ok: ok_status && status == "healthy",
            status,
            latency_ms,
            timestamp,
        })
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
