//! `#[async_trait]` methods (the `Box::pin(async move { … })` shape), native
//! async trait methods, and a plain fn returning an async block; the
//! futures stay `Send`.
use async_trait::async_trait;
use std::future::Future;

#[async_trait]
trait Tool {
    async fn call(&self, input: &str) -> Result<usize, String>;
}

struct Counter {
    offset: usize,
}

#[async_trait]
impl Tool for Counter {
    #[drip::tool(name = "counter", metadata(retry_count = self.offset))]
    async fn call(&self, input: &str) -> Result<usize, String> {
        if input.is_empty() {
            return Err("empty".to_owned());
        }
        let n: usize = input.len().checked_add(self.offset).ok_or("overflow")?;
        Ok(n)
    }
}

trait NativeTool {
    fn run(&self) -> impl Future<Output = u32> + Send;
}

impl NativeTool for Counter {
    #[drip::tool]
    fn run(&self) -> impl Future<Output = u32> + Send {
        let offset = self.offset as u32;
        async move { offset + 1 }
    }
}

trait Native2 {
    async fn go(&mut self) -> u8;
}

impl Native2 for Counter {
    #[drip::tool]
    async fn go(&mut self) -> u8 {
        self.offset = 0;
        7
    }
}

#[drip::run(customer = "cus_1", metadata(attempt = n))]
async fn agent(c: &Counter, n: u32) -> usize {
    c.call("abc").await.unwrap_or(0) + c.run().await as usize
}

fn assert_send<T: Send>(_: &T) {}

fn main() {
    let c = Counter { offset: 1 };
    let fut = c.call("abc");
    assert_send(&fut);
    let fut = c.run();
    assert_send(&fut);
    // A run's future stays `Send`, so it can be spawned on a multi-threaded runtime.
    let fut = agent(&c, 1);
    assert_send(&fut);
}
