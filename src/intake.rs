//! The dispatcher: one ingest run, deciding for each file whether it is a model-call log
//! (streamed by [`crate::calls`], any size) or a document (extracted by [`crate::ingest`]'s
//! worker pool). Neither pipeline knows the other; this module, above both, hands each its files.

use crate::calls;
use crate::error::Result;
use crate::ingest::{IngestOptions, IngestProgress, IngestSummary};
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
        let (mut run, files) = self.begin_ingest(sources, opts, progress)?;
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
