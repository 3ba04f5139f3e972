//! The README's and docs' tables equal what `aerepro docs render` writes from the committed results.
use std::path::Path;

#[test]
fn readme_and_docs_tables_are_rendered_from_the_committed_results() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let stale = aerepro::report::docs::check(root).expect("the results and docs are readable");
    let listed: Vec<String> = stale.iter().map(ToString::to_string).collect();
    assert!(
        stale.is_empty(),
        "out of date (run `cargo run -- docs render`):\n{}",
        listed.join("\n")
    );
}
