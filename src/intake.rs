//! The dispatcher: one ingest run, deciding for each file whether it is a model-call log
//! (streamed by [`crate::calls`], any size) or a document (extracted by [`crate::ingest`]'s
//! worker pool), and for each folder whether it is a production received from another party
//! (loaded through its load files by [`crate::ingest::received`], not walked file by file).
//! Neither pipeline knows the other; this module, above both, hands each its files.

use crate::calls;
use crate::error::Result;
use crate::ingest::{received, IngestOptions, IngestProgress, IngestSummary};
use crate::Matter;
use std::path::PathBuf;

impl Matter {
    /// Ingests files, folders (recursively), archives, mailboxes and model-call logs for one
    /// custodian: walk and skip what is already in (ingest), documents through the worker pool
    /// (ingest), logs through the log importers (calls), then one batch record (ingest).
    pub fn ingest(
        &mut self,
        sources: &[PathBuf],
        opts: &IngestOptions,
        progress: &mut dyn FnMut(&IngestProgress),
    ) -> Result<IngestSummary> {
        // A folder holding load files is a production: its items are its load files' rows.
        // Files in it that no load file names are walked as loose files: nothing is left out.
        let (mut productions, mut walked) = (Vec::new(), Vec::new());
        for s in sources {
            match s.is_dir().then(|| received::production(s)).flatten() {
                Some(p) => {
                    walked.extend(p.loose.iter().cloned());
                    productions.push(p);
                }
                None => walked.push(s.clone()),
            }
        }
        let (mut run, files) = self.begin_ingest(&walked, opts, progress)?;
        for p in &productions {
            for set in p.sets.iter().chain(&p.image_only) {
                self.ingest_received(&mut run, set, progress)?;
            }
            for f in &p.not_images {
                let reason = format!(
                    "{} is in the production's IMAGES folder but is not an image (not a TIFF, PDF, JPEG or PNG), and no load file names it; it was loaded as a loose file",
                    crate::extract::names::display_file_name(f)
                );
                self.record_walk_error(&mut run, f, "production_not_image", reason)?;
            }
        }
        // Each file is sniffed once: a log goes on with the format found.
        let (mut logs, mut documents) = (Vec::new(), Vec::new());
        for f in files {
            match calls::may_be_log(&f.path).then(|| calls::detect(&f.path)).flatten() {
                Some(format) => logs.push((f, format)),
                None => documents.push(f),
            }
        }
        self.ingest_documents(&mut run, documents, opts, progress)?;
        self.import_logs(&mut run, logs, &opts.cancel, progress)?;
        self.finish_ingest(run, progress)
    }
}
