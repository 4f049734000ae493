//! Methods with every receiver, sync and async, including ones that return borrows.
use std::pin::Pin;

struct Agent {
    name: String,
    calls: u32,
}

impl Agent {
    #[drip::tool]
    fn name(&self) -> &str {
        &self.name
    }

    #[drip::tool]
    fn bump(&mut self) -> &mut u32 {
        self.calls += 1;
        &mut self.calls
    }

    #[drip::tool]
    fn into_name(self) -> String {
        self.name
    }

    #[drip::tool]
    fn boxed(self: Box<Self>) -> u32 {
        self.calls
    }

    #[drip::tool(metadata(document_count = self.calls))]
    async fn search(&self, query: &str) -> Vec<String> {
        vec![format!("{}:{query}", self.name)]
    }

    #[drip::tool]
    async fn record(&mut self) -> u32 {
        self.calls += 1;
        self.calls
    }

    #[drip::tool]
    async fn consume(self) -> String {
        self.name
    }

    #[drip::tool]
    async fn pinned(self: Pin<&mut Self>) -> u32 {
        self.calls
    }

    #[drip::run(customer = self.name)]
    fn run_by_ref(&self) -> usize {
        self.name.len()
    }
}

fn main() {
    let mut agent = Agent { name: "scout".into(), calls: 0 };
    assert_eq!(agent.name(), "scout");
    *agent.bump() += 10;
    assert_eq!(agent.calls, 11);
    assert_eq!(agent.run_by_ref(), 5);
    assert_eq!(Box::new(Agent { name: "b".into(), calls: 2 }).boxed(), 2);
    let _ = Agent::search;
    let _ = Agent::record;
    let _ = Agent::consume;
    let _ = Agent::pinned;
    assert_eq!(agent.into_name(), "scout");
}
