// A run is billed to one customer: `customer` (Drip's id) or
// `external_customer` (the application's id), exactly one of them.
#[drip::run(customer = drip_id, external_customer = user_id)]
async fn both(drip_id: &str, user_id: &str) {}

#[drip::run(workflow = "nightly")]
fn neither() {}

fn main() {}
