// The external id is the `Display` text of `external_customer = …`: a type
// without `Display` is reported at the user's expression, naming the fix.
struct User {
    id: u64,
}

#[drip::run(external_customer = user)]
async fn agent(user: &User) -> u64 {
    user.id
}

fn main() {}
