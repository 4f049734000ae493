//! `drip::metadata!` normalises keys and keeps values typed.
use drip::Value;

fn main() {
    let docs = vec!["a", "b"];
    let model = String::from("gpt-4o-mini");
    let m = drip::metadata!(
        model = &model,
        "tool-name" = "search",
        documentCount = docs.len(),
        latency_ms = 12,
        temperature_ms = -1.5,
        r#version = "1.2.0",
        status = true,
        attempt = -3,
    );
    assert_eq!(m.get("model"), Some(&Value::from("gpt-4o-mini")));
    assert_eq!(m.get("tool_name"), Some(&Value::from("search")));
    assert_eq!(m.get("document_count"), Some(&Value::Int(2)));
    assert_eq!(m.get("latency_ms"), Some(&Value::Int(12)));
    assert_eq!(m.get("temperature_ms"), Some(&Value::Float(-1.5)));
    assert_eq!(m.get("version"), Some(&Value::from("1.2.0")));
    assert_eq!(m.get("status"), Some(&Value::Bool(true)));
    assert_eq!(m.get("attempt"), Some(&Value::Int(-3)));
    assert!(drip::metadata!().is_empty());
}
