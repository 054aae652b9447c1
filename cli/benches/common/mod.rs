//! What several benchmarks share: a matter of generated items, built once and cached under
//! target/ (generating and ingesting 100,000 items takes a minute; each bench then reuses it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The matter `target/bench-{name}-{items}/matter` of `items` items from `exhibit-gen` (seed 7,
/// custodian "Bench"), built when missing. `fresh` is true when it was built by this call, so
/// the caller codes it once.
pub fn generated_matter(name: &str, items: usize) -> (PathBuf, bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../target/bench-{name}-{items}"));
    let matter = root.join("matter");
    if matter.join("exhibit.db").exists() {
        println!("reusing {}", matter.display());
        return (matter, false);
    }
    let _ = std::fs::remove_dir_all(&root);
    let src = root.join("src");
    let t = Instant::now();
    let st =
        Command::new(env!("CARGO_BIN_EXE_exhibit-gen")).arg(&src).args(["--items", &items.to_string(), "--seed", "7"]).status().unwrap();
    assert!(st.success());
    println!("generated {items} items in {:.1} s", t.elapsed().as_secs_f64());
    let exe = env!("CARGO_BIN_EXE_exhibit");
    assert!(Command::new(exe).args(["init", matter.to_str().unwrap()]).status().unwrap().success());
    let t = Instant::now();
    let out = Command::new(exe)
        .args(["--matter", matter.to_str().unwrap(), "ingest", src.to_str().unwrap(), "--custodian", "Bench", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let secs = t.elapsed().as_secs_f64();
    println!("ingested in {secs:.1} s ({:.0} items/s): {}", items as f64 / secs, String::from_utf8_lossy(&out.stdout).replace('\n', " "));
    let _ = std::fs::remove_dir_all(&src);
    (matter, true)
}
