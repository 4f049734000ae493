//! Hashes from `drip::hash_id`, digests made elsewhere and numbers under measure keys.
use drip::Value;

#[drip::tool(metadata(input_tokens = text.len(), query_hash = drip::hash_id(text).unwrap()))]
fn count(text: &str) -> usize {
    text.len()
}

fn main() {
    let _cap = drip::testing::capture(); // a runtime with a hash key
    let h = drip::hash_id("what is my balance").unwrap();
    let sha = drip::HashId::parse("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855").unwrap();
    let m = drip::metadata!(
        query_hash = h.clone(),
        document_hash = &sha,
        request_hash = "9f86d081884c7d659a2feaa0c55ad015",
        prompt_tokens = 812_u64,
        latency_ms = 1.5_f32,
        customer_id = "cus_8f14e45f",
    );
    assert_eq!(m.get("query_hash"), Some(&Value::from(h.as_str())));
    assert_eq!(m.get("prompt_tokens"), Some(&Value::Int(812)));
    assert_eq!(count("abc"), 3);
}
