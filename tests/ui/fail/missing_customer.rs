// Every run is billed to a customer: `customer` is required.
#[drip::run(workflow = "research-agent")]
async fn research() {}

#[drip::run]
fn nightly() {}

fn main() {}
