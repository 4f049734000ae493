// A const fn can be evaluated at compile time: there is nothing to meter.
#[drip::tool]
const fn square(x: u32) -> u32 {
    x * x
}

fn main() {
    let _ = square(2);
}
