//! Suffixes mean what they say: measures are numbers, `_hash` holds a hash,
//! identifiers are names.
fn literals() {
    let _m = drip::metadata!(
        request_hash = "what is my balance",
        prompt_tokens = "812",
        latency_ms = true,
        customer_id = 1.5,
        model = "gpt 4o  mini",
    );
}

fn raw_text_under_a_hash_key(prompt: String) {
    let _m = drip::metadata!(query_hash = prompt);
}

#[drip::tool(metadata(input_tokens = text))]
fn count(text: &str) -> usize {
    text.len()
}

fn main() {}
