// The customer id is the `Display` text of `customer = …`: a type without
// `Display` is reported at the user's expression, naming the fix.
struct Customer {
    id: u64,
}

#[drip::run(customer = user)]
async fn agent(user: &Customer) -> u64 {
    user.id
}

#[drip::tool(customer = user, meter = "pages")]
fn ocr(user: &Customer) -> u64 {
    user.id
}

fn main() {}
