//! Which filesystem paths each method's params name, and what the method does with each: every
//! params type says so here, below the method list that requires it ([`super::methods`]), and
//! [`super::paths::PathPolicy`] checks them.

use super::params::*;
use std::path::PathBuf;

/// What a request does with a path it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathUse {
    /// Opens an existing matter folder.
    OpenMatter,
    /// Creates a matter folder (it need not exist yet).
    CreateMatter,
    /// Reads evidence or an input file (ingest, suspect outputs).
    Read,
    /// Writes a production bundle there (it need not exist yet), or re-verifies one, which
    /// rewrites its `verification.json` and `INCOMPLETE` marker.
    Write,
}

/// The filesystem paths a method's params name, with what the method does with each.
///
/// Every params type implements it (the derived [`Request::paths_mut`] calls it for every
/// method), so a new method does not compile until its params say which paths they name: a
/// transport that restricts paths never lets one through unchecked.
pub trait NamesPaths {
    fn paths_mut(&mut self) -> Vec<(PathUse, &mut PathBuf)>;
}

/// Params that name no path.
macro_rules! no_paths {
    ($($t:ty),* $(,)?) => {
        $( impl NamesPaths for $t {
            fn paths_mut(&mut self) -> Vec<(PathUse, &mut PathBuf)> {
                Vec::new()
            }
        } )*
    };
}

no_paths!(
    (),
    SearchParams,
    ItemParams,
    LogsCallsParams,
    FacetsParams,
    Coding,
    NoteAddParams,
    NotesParams,
    SaveSearchParams,
    DeleteSavedSearchParams,
    TermsReportParams,
    RedactAddParams,
    RedactRemoveParams,
    RedactBoxParams,
    RedactBoxRemoveParams,
    PageBoxesParams,
    RedactionsParams,
    RedactedTextParams,
    RedactRuleParams,
    RedactRuleRemoveParams,
    AuditParams,
    ItemBodyParams,
    CheckQueryParams,
    ProductionPreviewParams,
    ExposureParams,
    SaveExposureInputsParams,
    ExposureSampleParams,
);

impl NamesPaths for CreateMatterParams {
    fn paths_mut(&mut self) -> Vec<(PathUse, &mut PathBuf)> {
        vec![(PathUse::CreateMatter, &mut self.dir)]
    }
}

impl NamesPaths for OpenMatterParams {
    fn paths_mut(&mut self) -> Vec<(PathUse, &mut PathBuf)> {
        vec![(PathUse::OpenMatter, &mut self.dir)]
    }
}

impl NamesPaths for IngestParams {
    fn paths_mut(&mut self) -> Vec<(PathUse, &mut PathBuf)> {
        self.paths.iter_mut().map(|p| (PathUse::Read, p)).collect()
    }
}

impl NamesPaths for LogsAnalyzeParams {
    fn paths_mut(&mut self) -> Vec<(PathUse, &mut PathBuf)> {
        self.suspect_outputs.iter_mut().map(|p| (PathUse::Read, p)).collect()
    }
}

impl NamesPaths for ProduceParams {
    fn paths_mut(&mut self) -> Vec<(PathUse, &mut PathBuf)> {
        vec![(PathUse::Write, &mut self.out)]
    }
}

impl NamesPaths for ExportExposureParams {
    fn paths_mut(&mut self) -> Vec<(PathUse, &mut PathBuf)> {
        vec![(PathUse::Write, &mut self.out)]
    }
}

impl NamesPaths for VerifyProductionParams {
    fn paths_mut(&mut self) -> Vec<(PathUse, &mut PathBuf)> {
        vec![(PathUse::Write, &mut self.dir)]
    }
}

impl NamesPaths for LogsSectionParams {
    fn paths_mut(&mut self) -> Vec<(PathUse, &mut PathBuf)> {
        self.suspect_outputs.iter_mut().map(|p| (PathUse::Read, p)).collect()
    }
}
