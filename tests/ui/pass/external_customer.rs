// `external_customer = …` takes anything `Display`, in async and sync
// functions, with `stream` and beside the other arguments.
#[drip::run(external_customer = user_id, workflow = "research", stream)]
async fn research(user_id: u64) -> u64 {
    user_id
}

#[drip::run(external_customer = user.as_str(), correlation_id = "req-1")]
fn export(user: String) -> usize {
    user.len()
}

fn main() {
    let _ = research(7);
    assert_eq!(export("user_1".into()), 6);
}
