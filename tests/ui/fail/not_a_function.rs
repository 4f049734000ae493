// The attributes go on functions only.
#[drip::tool]
struct Search;

#[drip::run(customer = "cus_1")]
impl Search {}

#[drip::tool]
const LIMIT: u32 = 3;

fn main() {
    let _ = (Search, LIMIT);
}
