//! The session: the matter a transport (or the CLI) has open, and the handlers of the methods
//! declared `session` in [`super::methods`].
//!
//! Each handler is the one way its answer is built; a transport reaches it through
//! [`super::methods::answer_in_session`], the CLI by calling it directly.

use super::methods::{answer_in_session, SessionMethods};
use super::params::*;
use super::responses::*;
use super::{ApiError, ErrorCode, Request};
use crate::assess::exposure::{AssessOptions, ExposureInputs, ExposureReport};
use crate::index::facets::Facets;
use crate::index::SearchResult;
use crate::ingest::{IngestOptions, IngestProgress, IngestSummary};
use crate::produce::{GateReport, ProduceOptions, ProduceProgress, ProductionList, ProductionPreview, ProductionReport, Selection};
use crate::redact::{PageBoxes, RegionAdded, RuleRemoved, RuleRun};
use crate::review::terms_report::TermsReport;
use crate::review::{Note, Propagate, SavedSearch, TagChange, Target};
use crate::store::{Status, Summary};
use crate::verify::VerifyReport;
use crate::view::WorkProgress;
use crate::Matter;
use serde_json::Value;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Where a long method (one flagged `Long`) reports its progress, and the flag that stops it.
///
/// A transport sets it on the session for the length of one long request
/// ([`Session::set_work`]); a long request ends with what it committed when `cancel` is set,
/// which a transport may do from another thread while the request holds the session.
pub struct Work {
    pub progress: Box<dyn FnMut(WorkProgress) + Send>,
    pub cancel: Arc<AtomicBool>,
}

impl Work {
    pub fn new(progress: impl FnMut(WorkProgress) + Send + 'static, cancel: Arc<AtomicBool>) -> Self {
        Work { progress: Box::new(progress), cancel }
    }
}

impl Default for Work {
    /// No progress reported, never cancelled.
    fn default() -> Self {
        Work { progress: Box::new(|_| {}), cancel: Arc::default() }
    }
}

/// A transport's state: the matter it has open, if any.
#[derive(Default)]
pub struct Session {
    matter: Option<Matter>,
    work: Work,
}

impl Session {
    pub fn with_matter(matter: Matter) -> Self {
        Session { matter: Some(matter), work: Work::default() }
    }

    /// The folder of the open matter, if one is open.
    pub fn matter_dir(&self) -> Option<&Path> {
        self.matter.as_ref().map(|m| m.dir())
    }

    /// Names who acts in this session's process (a transport's `--actor` or `EXHIBIT_ACTOR`):
    /// every audit entry, tag, note and redaction it writes records that name; `None` means
    /// the operating-system account (`store::actor`).
    pub fn set_actor(&mut self, name: Option<&str>) {
        crate::store::actor::set_actor(name);
    }

    /// Who acts in this session: the name set, else the operating-system account.
    pub fn actor(&self) -> String {
        crate::store::actor::actor()
    }

    /// Sets where the next long requests report progress and how they are stopped; returns the
    /// previous setting.
    pub fn set_work(&mut self, work: Work) -> Work {
        std::mem::replace(&mut self.work, work)
    }

    /// Runs one request the session answers and encodes the answer as a transport sends it.
    pub fn handle(&mut self, req: Request) -> Result<Value, ApiError> {
        answer_in_session(self, req)
    }

    fn matter(&mut self) -> Result<&mut Matter, ApiError> {
        self.matter.as_mut().ok_or_else(no_matter_open)
    }
}

pub(crate) fn no_matter_open() -> ApiError {
    ApiError::new(ErrorCode::NoMatterOpen, "no matter is open: create or open one first")
}

impl Coding {
    fn target(&self) -> Result<(Target, Propagate), ApiError> {
        let t = match (&self.query, self.items.is_empty()) {
            (Some(q), _) => Target::Query(q.clone()),
            (None, false) => Target::Items(self.items.clone()),
            (None, true) => return Err(ApiError::new(ErrorCode::Invalid, "name the items to code, or give a query")),
        };
        Ok((t, Propagate { families: self.family, duplicates: self.duplicates }))
    }
}

impl SessionMethods for Session {
    fn ping(&mut self, _: ()) -> Result<Ping, ApiError> {
        Ok(Ping { ok: true, version: env!("CARGO_PKG_VERSION").into() })
    }

    // Answered with the cheap summary: the full status counts every item (seconds on a
    // million), and the workspace needs only the name and size to start.
    fn create_matter(&mut self, p: CreateMatterParams) -> Result<Summary, ApiError> {
        let m = Matter::create(&p.dir, &p.name)?;
        let out = m.summary()?;
        self.matter = Some(m);
        Ok(out)
    }

    fn open_matter(&mut self, p: OpenMatterParams) -> Result<Summary, ApiError> {
        let m = Matter::open(&p.dir)?;
        let out = m.summary()?;
        self.matter = Some(m);
        Ok(out)
    }

    fn status(&mut self, _: ()) -> Result<Status, ApiError> {
        Ok(self.matter()?.status()?)
    }

    fn summary(&mut self, _: ()) -> Result<Summary, ApiError> {
        Ok(self.matter()?.summary()?)
    }

    fn errors(&mut self, _: ()) -> Result<ErrorList, ApiError> {
        Ok(ErrorList { errors: self.matter()?.errors()? })
    }

    fn ingest(&mut self, p: IngestParams) -> Result<IngestSummary, ApiError> {
        let Session { matter, work } = self;
        let m = matter.as_mut().ok_or_else(no_matter_open)?;
        let opts = IngestOptions { custodian: p.custodian, cancel: work.cancel.clone(), ..Default::default() };
        let summary = m.ingest(&p.paths, &opts, &mut |p: &IngestProgress| (work.progress)(WorkProgress::Ingest(p.clone())));
        // Let go of the index writer (and its lock) once the merges finish, so a CLI ingest
        // into the same matter can run while this session stays open.
        let released = m.wait_for_index_merges();
        let summary = summary?;
        released?;
        Ok(summary)
    }

    fn search(&mut self, p: SearchParams) -> Result<SearchResult, ApiError> {
        let m = self.matter()?;
        Ok(if p.redacted {
            m.search_redacted(&p.query, p.limit, p.offset, p.sort)?
        } else {
            m.search(&p.query, p.limit, p.offset, p.sort)?
        })
    }

    fn item(&mut self, p: ItemParams) -> Result<ItemReply, ApiError> {
        Ok(super::answers::item(self.matter()?, &p.id, p.hits.as_deref(), p.redacted)?)
    }

    fn logs_analyze(&mut self, p: LogsAnalyzeParams) -> Result<LogsAnswer, ApiError> {
        Ok(super::answers::logs_analyze(self.matter()?, p.group_by, p.suspect_outputs.as_deref(), p.tag)?)
    }

    fn logs_section(&mut self, p: LogsSectionParams) -> Result<LogsSection, ApiError> {
        let m = self.matter()?;
        let section = m.model_log_section(&m.analyze_calls(p.group_by, p.suspect_outputs.as_deref())?)?;
        Ok(LogsSection { text: section.render(p.format), section })
    }

    fn logs_calls(&mut self, p: LogsCallsParams) -> Result<GroupCalls, ApiError> {
        Ok(GroupCalls { calls: self.matter()?.group_calls(p.group_by, &p.account)? })
    }

    fn facets(&mut self, p: FacetsParams) -> Result<Facets, ApiError> {
        Ok(self.matter()?.facets(&p.query)?)
    }

    fn tags(&mut self, _: ()) -> Result<TagList, ApiError> {
        Ok(TagList { tags: self.matter()?.tags()? })
    }

    fn tag_add(&mut self, c: Coding) -> Result<TagChange, ApiError> {
        let (target, prop) = c.target()?;
        let m = self.matter()?;
        if !c.create {
            m.require_tag(&c.tag)?;
        }
        Ok(m.tag_add(&c.tag, &target, prop)?)
    }

    fn tag_remove(&mut self, c: Coding) -> Result<TagChange, ApiError> {
        let (target, prop) = c.target()?;
        Ok(self.matter()?.tag_remove(&c.tag, &target, prop)?)
    }

    fn note_add(&mut self, p: NoteAddParams) -> Result<Note, ApiError> {
        Ok(self.matter()?.note_add(&p.item, &p.text)?)
    }

    fn notes(&mut self, p: NotesParams) -> Result<NoteList, ApiError> {
        Ok(NoteList { notes: self.matter()?.notes(&p.item)? })
    }

    fn save_search(&mut self, p: SaveSearchParams) -> Result<SavedSearch, ApiError> {
        Ok(self.matter()?.save_search(&p.name, &p.query)?)
    }

    fn saved_searches(&mut self, _: ()) -> Result<SavedSearchList, ApiError> {
        Ok(SavedSearchList { saved_searches: self.matter()?.saved_searches()? })
    }

    fn delete_saved_search(&mut self, p: DeleteSavedSearchParams) -> Result<SavedSearchRemoved, ApiError> {
        self.matter()?.delete_saved_search(&p.name)?;
        Ok(SavedSearchRemoved { removed: p.name })
    }

    fn terms_report(&mut self, p: TermsReportParams) -> Result<TermsReport, ApiError> {
        Ok(self.matter()?.terms_report(&p.terms)?)
    }

    fn redact_add(&mut self, p: RedactAddParams) -> Result<RedactionAdded, ApiError> {
        Ok(RedactionAdded { redaction: self.matter()?.redact_add(&p.item, p.start, p.end, &p.reason, p.treatment)? })
    }

    fn redact_remove(&mut self, p: RedactRemoveParams) -> Result<RedactionsRemoved, ApiError> {
        Ok(RedactionsRemoved { removed: self.matter()?.redact_remove(p.redaction)? })
    }

    fn redactions(&mut self, p: RedactionsParams) -> Result<RedactionList, ApiError> {
        Ok(super::answers::redactions(self.matter()?, p.item.as_deref(), p.reason.as_deref())?)
    }

    fn redacted_text(&mut self, p: RedactedTextParams) -> Result<RedactedText, ApiError> {
        Ok(RedactedText { text: self.matter()?.redacted_text(&p.item)? })
    }

    fn redact_box(&mut self, p: RedactBoxParams) -> Result<RegionAdded, ApiError> {
        Ok(self.matter()?.redact_box(&p.item, p.page, p.rect, &p.reason, p.treatment)?)
    }

    fn redact_box_remove(&mut self, p: RedactBoxRemoveParams) -> Result<RedactionsRemoved, ApiError> {
        Ok(RedactionsRemoved { removed: self.matter()?.redact_box_remove(p.region)? })
    }

    fn page_boxes(&mut self, p: PageBoxesParams) -> Result<PageBoxes, ApiError> {
        Ok(self.matter()?.page_boxes(&p.item, p.hits.as_deref())?)
    }

    fn redact_rule(&mut self, p: RedactRuleParams) -> Result<RuleRun, ApiError> {
        let mut scope = crate::redact::RuleScope::default_for(&p.spec);
        if let Some(fields) = p.fields {
            scope.fields = fields;
            scope.fields.sort();
            scope.fields.dedup();
        }
        scope.allow = crate::redact::AllowList::new(p.allow.domains, p.allow.values)?;
        Ok(self.matter()?.redact_rule_scoped(p.spec, &p.reason, p.treatment, p.query.as_deref(), scope, p.dry_run)?)
    }

    fn redaction_rules(&mut self, _: ()) -> Result<RuleList, ApiError> {
        Ok(RuleList { rules: self.matter()?.redaction_rules()? })
    }

    fn redact_rule_remove(&mut self, p: RedactRuleRemoveParams) -> Result<RuleRemoved, ApiError> {
        Ok(self.matter()?.redact_rule_remove(p.rule)?)
    }

    fn exposure(&mut self, p: ExposureParams) -> Result<ExposureReport, ApiError> {
        let m = self.matter()?;
        let inputs = match p.inputs {
            Some(i) => i,
            None => m.exposure_inputs()?,
        };
        Ok(m.assess_exposure(&inputs, &AssessOptions { full: p.full, save_searches: false, sample_tag: p.sample_tag })?)
    }

    fn exposure_inputs(&mut self, _: ()) -> Result<ExposureInputs, ApiError> {
        Ok(self.matter()?.exposure_inputs()?)
    }

    fn save_exposure_inputs(&mut self, p: SaveExposureInputsParams) -> Result<ExposureInputs, ApiError> {
        let m = self.matter()?;
        m.save_exposure_inputs(&p.inputs)?;
        Ok(m.exposure_inputs()?)
    }

    fn exposure_sample(&mut self, p: ExposureSampleParams) -> Result<ExposureSampleDrawn, ApiError> {
        let m = self.matter()?;
        let inputs = match p.inputs {
            Some(i) => i,
            None => m.exposure_inputs()?,
        };
        let (tag, items) = m.draw_exposure_sample(&inputs, p.size, p.seed)?;
        Ok(ExposureSampleDrawn { tag, items })
    }

    fn export_exposure(&mut self, p: ExportExposureParams) -> Result<ExposureExported, ApiError> {
        let m = self.matter()?;
        let inputs = match p.inputs {
            Some(i) => i,
            None => m.exposure_inputs()?,
        };
        let format = crate::report::ReportFile::for_path(&p.out)?;
        let report = m.assess_exposure(&inputs, &AssessOptions { full: true, save_searches: true, sample_tag: None })?;
        crate::report::write(&report, &p.out)?;
        Ok(ExposureExported { path: p.out, format, saved_searches: report.saved_search_count() })
    }

    fn verify(&mut self, _: ()) -> Result<VerifyReport, ApiError> {
        Ok(self.matter()?.verify()?)
    }

    fn audit(&mut self, p: AuditParams) -> Result<AuditLog, ApiError> {
        Ok(AuditLog { entries: self.matter()?.audit_log(p.limit)? })
    }

    fn reasons(&mut self, _: ()) -> Result<ReasonList, ApiError> {
        Ok(ReasonList { reasons: self.matter()?.redaction_reasons()? })
    }

    fn produce(&mut self, p: ProduceParams) -> Result<ProductionReport, ApiError> {
        let Session { matter, work } = self;
        let m = matter.as_mut().ok_or_else(no_matter_open)?;
        let selection = match p.set {
            ProduceSet::Query(q) => Selection::Query(q),
            ProduceSet::Tag(t) => Selection::Tag(t),
            // Resolved here, once: the production records the query it ran, so renaming or
            // changing the saved search later does not change what the record says was produced.
            ProduceSet::SavedSearch(name) => {
                let saved = m.saved_searches()?;
                let found = saved.into_iter().find(|s| s.name == name).ok_or_else(|| {
                    ApiError::new(ErrorCode::Invalid, format!("there is no saved search named {name:?}: pick one from the saved searches"))
                })?;
                Selection::Query(found.query)
            }
        };
        let mut opts = ProduceOptions::new(selection, &p.prefix, p.out);
        opts.start = p.start;
        opts.digits = p.digits;
        opts.volume = p.volume;
        opts.endorse = p.endorse;
        opts.images = p.images;
        opts.natives = p.natives;
        opts.privileged = p.privileged;
        opts.dry_run = p.dry_run;
        // `produce` reports through a shared reference; the session's reporter needs `&mut`.
        let report = std::cell::RefCell::new(&mut work.progress);
        let progress = |pp: &ProduceProgress| (report.borrow_mut())(WorkProgress::Produce(pp.clone()));
        Ok(m.produce(&opts, &progress, &work.cancel)?)
    }

    fn productions(&mut self, _: ()) -> Result<ProductionList, ApiError> {
        Ok(ProductionList { productions: self.matter()?.productions()? })
    }

    fn verify_production(&mut self, p: VerifyProductionParams) -> Result<GateReport, ApiError> {
        Ok(self.matter()?.verify_production(&p.dir)?)
    }

    fn production_preview(&mut self, p: ProductionPreviewParams) -> Result<ProductionPreview, ApiError> {
        let m = self.matter()?;
        Ok(m.production_preview(
            &p.item,
            p.privileged.unwrap_or_default(),
            p.endorse.as_deref().unwrap_or(""),
            p.pages.unwrap_or(2) as usize,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_as_code_and_message() {
        let mut s = Session::default();
        let e = s.status(()).unwrap_err();
        assert_eq!(e.code, ErrorCode::NoMatterOpen);
        let dir = tempfile::tempdir().unwrap();
        let e = s.open_matter(OpenMatterParams { dir: dir.path().to_path_buf() }).unwrap_err();
        assert_eq!(e.code, ErrorCode::NoMatter);
        assert!(e.message.contains("exhibit init"));
    }
}
