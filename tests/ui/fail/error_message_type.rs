// `error_message` sends the error's `Display` text, so the function must
// return a `Result` whose error type implements `Display`.
#[derive(Debug)]
struct Opaque;

#[drip::tool(error_message)]
fn lookup(id: u32) -> Result<u32, Opaque> {
    if id == 0 { Err(Opaque) } else { Ok(id) }
}

#[drip::run(customer = "cus_1", error_message)]
async fn nightly() -> u32 {
    7
}

fn main() {}
