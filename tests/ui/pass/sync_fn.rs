//! Plain functions: free, nested in a run, diverging bodies, `unsafe fn`, `extern "C"`.

#[drip::tool(metadata(model = "local", total_tokens = 3 + 4))]
fn tokenize(text: &str) -> Vec<&str> {
    text.split(' ').collect()
}

#[drip::run(customer = "cus_123", workflow = "batch-job", metadata(environment = "test", attempt = 1, version = 0.5, region = std::env::consts::OS))]
fn batch(texts: &[&str]) -> usize {
    texts.iter().map(|t| tokenize(t).len()).sum()
}

#[drip::tool]
fn never_ends() -> u32 {
    loop {}
}

#[drip::tool]
fn unit() {}

#[drip::tool]
unsafe fn raw(ptr: *const u8) -> u8 {
    unsafe { *ptr }
}

#[drip::tool]
extern "C" fn callback(x: i32) -> i32 {
    x * 2
}

fn main() {
    assert_eq!(batch(&["a b", "c"]), 3);
    let byte = 9u8;
    assert_eq!(unsafe { raw(&byte) }, 9);
    assert_eq!(callback(2), 4);
    unit();
    let _ = never_ends;
}

#[drip::tool]
fn crash() {
    panic!("diverges")
}

#[drip::run(customer = "cus_1")]
async fn unfinished() -> Result<u8, String> {
    todo!()
}

#[allow(dead_code)]
fn use_diverging() {
    crash();
    let _ = unfinished();
}
