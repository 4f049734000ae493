// E-mail addresses in literals are personal data, also as a customer id.
#[drip::run(customer = "ada@example.com", metadata(environment = "ops+alerts@example.org"))]
fn nightly() {}

fn main() {}
