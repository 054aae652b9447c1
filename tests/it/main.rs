//! Every integration test in one binary: one link of the library instead of one per file, which
//! is most of what the test build used to cost. Each module is one suite; run one with
//! `cargo test --test it <module>::`.

mod calls;
mod common;
mod corpus_ingest;
mod email_corpus;
mod email_dedupe;
mod email_python;
mod exposure;
mod exposure_report;
mod freshness;
mod ingest;
mod ingest_fidelity;
mod layering;
mod modellogs_corpus;
mod modellogs_formats;
mod modellogs_generated;
mod modellogs_wild;
mod office_corpus;
mod page_boxes;
mod pdf_corpus;
mod produce;
mod redact;
mod redact_rules;
mod redacted_view;
mod resume;
mod review_cli;
mod search;
mod search_enron;
mod verify_tamper;
