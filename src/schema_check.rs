//! Checking a message against one of the frontend's JSON Schemas (the explorer's protocol, the
//! workbench's), for the tests that keep the kernel's types and the schemas alike.
//! Must not: be built outside tests.

use serde_json::{json, Value};

/// Asserts that `{part: value}` is valid under `schema` (a JSON Schema, as text).
#[track_caller]
pub fn assert_valid(schema: &str, part: &str, value: Value) {
    let schema: Value = serde_json::from_str(schema).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid schema");
    let message = json!({ part: value });
    let errors: Vec<String> = validator
        .iter_errors(&message)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{message} breaks the schema: {errors:#?}"
    );
}
