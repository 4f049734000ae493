// An e-mail address written as the external customer id is personal data
// in the source: refused at compile time.
#[drip::run(external_customer = "ada@example.com")]
fn agent() {}

fn main() {}
