//! Every method of the API, declared once.
//!
//! Each line of the [`methods!`] list below is the whole declaration of one method: its wire
//! name, its `Method`/`Request` variant, its params type, its answer type, its doc, and its
//! flags (`Changes`: it changes the matter; `Long`: it runs long, reports progress and can be
//! cancelled). The block it sits in says where it is answered:
//!
//! * `session`: by the [`super::Session`] (which holds the open matter), one request at a time;
//! * `viewer`: by the read-only [`crate::view::Viewer`] of the open matter;
//! * `beside`: beside the session, from the [`crate::view::ProgressSlot`], because they must
//!   answer while a long request holds the session (`ingest_progress`, `cancel_ingest`; their
//!   names are older than productions, which they serve too).
//!
//! Everything else is derived from the list: the [`Method`] enum (names, flags, place), the
//! [`Request`] enum and its one-pass decoding, one handler trait per place
//! ([`SessionMethods`], [`ViewerMethods`], [`BesideMethods`]: a method without a handler does
//! not compile), the dispatch into them, and the [`Methods`] map the UI's typed client is
//! generated from. Adding a method is one line here plus its handler.

use super::named_paths::{NamesPaths, PathUse};
use super::params::*;
use super::responses::*;
use super::{ApiError, ErrorCode};
use crate::assess::exposure::{ExposureInputs, ExposureReport};
use crate::index::facets::Facets;
use crate::index::SearchResult;
use crate::ingest::IngestSummary;
use crate::produce::{GateReport, ProductionList, ProductionPreview, ProductionReport};
use crate::redact::{PageBoxes, RegionAdded, RuleRemoved, RuleRun};
use crate::review::terms_report::TermsReport;
use crate::review::{Note, SavedSearch, TagChange};
use crate::store::{Status, Summary};
use crate::verify::VerifyReport;
use crate::view::{ItemBody, ProgressState};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

/// What a method's declaration says about it besides its types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// It changes the matter (writes the database, the index or the blobs).
    Changes,
    /// It runs long: it reports progress while it runs and stops when cancelled.
    Long,
}

/// Where a method is answered (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Session,
    Viewer,
    Beside,
}

/// A method's params and answer types, as the UI's generated `Methods` map lists them.
#[derive(TS)]
#[allow(dead_code)]
pub struct Signature<P, A> {
    params: P,
    answer: A,
}

macro_rules! methods {
    (
        session { $( $(#[doc = $sdoc:literal])* $sname:ident : $SVar:ident ($sp:ty) -> $sa:ty [$($sflag:ident),*]; )* }
        viewer { $( $(#[doc = $vdoc:literal])* $vname:ident : $VVar:ident ($vp:ty) -> $va:ty [$($vflag:ident),*]; )* }
        beside { $( $(#[doc = $bdoc:literal])* $bname:ident : $BVar:ident ($bp:ty) -> $ba:ty [$($bflag:ident),*]; )* }
    ) => {
        /// A method of the API, by name. `from_name` is the only place a method name is read.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Method {
            $( $SVar, )*
            $( $VVar, )*
            $( $BVar, )*
        }

        impl Method {
            /// Every method, in declaration order.
            pub const ALL: &'static [Method] = &[$( Method::$SVar, )* $( Method::$VVar, )* $( Method::$BVar, )*];

            /// The wire name (`"search"`).
            pub fn name(self) -> &'static str {
                match self {
                    $( Method::$SVar => stringify!($sname), )*
                    $( Method::$VVar => stringify!($vname), )*
                    $( Method::$BVar => stringify!($bname), )*
                }
            }

            /// The method a wire name names, if any.
            pub fn from_name(name: &str) -> Option<Method> {
                Method::ALL.iter().copied().find(|m| m.name() == name)
            }

            /// Where it is answered.
            pub fn place(self) -> Place {
                match self {
                    $( Method::$SVar => Place::Session, )*
                    $( Method::$VVar => Place::Viewer, )*
                    $( Method::$BVar => Place::Beside, )*
                }
            }

            /// Its flags, as declared.
            pub fn flags(self) -> &'static [Flag] {
                match self {
                    $( Method::$SVar => &[$( Flag::$sflag ),*], )*
                    $( Method::$VVar => &[$( Flag::$vflag ),*], )*
                    $( Method::$BVar => &[$( Flag::$bflag ),*], )*
                }
            }

            /// Its doc comment.
            pub fn doc(self) -> &'static str {
                match self {
                    $( Method::$SVar => concat!($( $sdoc, "\n" ),*), )*
                    $( Method::$VVar => concat!($( $vdoc, "\n" ),*), )*
                    $( Method::$BVar => concat!($( $bdoc, "\n" ),*), )*
                }
            }
        }

        /// One decoded call: the method and its params. Built by [`Request::from_json`] (the
        /// wire) or directly (Rust callers).
        #[derive(Debug, Clone)]
        pub enum Request {
            $( $(#[doc = $sdoc])* $SVar($sp), )*
            $( $(#[doc = $vdoc])* $VVar($vp), )*
            $( $(#[doc = $bdoc])* $BVar($bp), )*
        }

        impl Request {
            pub fn method(&self) -> Method {
                match self {
                    $( Request::$SVar(_) => Method::$SVar, )*
                    $( Request::$VVar(_) => Method::$VVar, )*
                    $( Request::$BVar(_) => Method::$BVar, )*
                }
            }

            /// Every filesystem path this request names, with what it does with it (see
            /// [`NamesPaths`]: each params type says).
            pub fn paths_mut(&mut self) -> Vec<(PathUse, &mut std::path::PathBuf)> {
                match self {
                    $( Request::$SVar(p) => p.paths_mut(), )*
                    $( Request::$VVar(p) => p.paths_mut(), )*
                    $( Request::$BVar(p) => p.paths_mut(), )*
                }
            }

            /// Decodes `params` as `method`'s params type.
            pub fn with_params(method: Method, params: Value) -> Result<Request, serde_json::Error> {
                Ok(match method {
                    $( Method::$SVar => Request::$SVar(decode_params(params)?), )*
                    $( Method::$VVar => Request::$VVar(decode_params(params)?), )*
                    $( Method::$BVar => Request::$BVar(decode_params(params)?), )*
                })
            }
        }

        /// The methods the session answers. Implemented by [`super::Session`]; Rust callers
        /// (the CLI) call these directly and get the same answer a transport sends.
        pub trait SessionMethods {
            $( $(#[doc = $sdoc])* fn $sname(&mut self, params: $sp) -> Result<$sa, ApiError>; )*
        }

        /// The methods the read-only viewer answers.
        pub trait ViewerMethods {
            $( $(#[doc = $vdoc])* fn $vname(&self, params: $vp) -> Result<$va, ApiError>; )*
        }

        /// The methods answered beside the session (while a long request holds it).
        pub trait BesideMethods {
            $( $(#[doc = $bdoc])* fn $bname(&self, params: $bp) -> Result<$ba, ApiError>; )*
        }

        /// Runs a session method and encodes its answer. Other methods are an internal error:
        /// the caller routes by [`Method::place`].
        pub fn answer_in_session<H: SessionMethods + ?Sized>(h: &mut H, req: Request) -> Result<Value, ApiError> {
            match req {
                $( Request::$SVar(p) => encode(h.$sname(p)), )*
                other => Err(misrouted(other.method(), Place::Session)),
            }
        }

        /// Runs a viewer method and encodes its answer.
        pub fn answer_in_viewer<H: ViewerMethods + ?Sized>(h: &H, req: Request) -> Result<Value, ApiError> {
            match req {
                $( Request::$VVar(p) => encode(h.$vname(p)), )*
                other => Err(misrouted(other.method(), Place::Viewer)),
            }
        }

        /// Runs a method answered beside the session and encodes its answer.
        pub fn answer_beside<H: BesideMethods + ?Sized>(h: &H, req: Request) -> Result<Value, ApiError> {
            match req {
                $( Request::$BVar(p) => encode(h.$bname(p)), )*
                other => Err(misrouted(other.method(), Place::Beside)),
            }
        }

        /// Each method's params and answer types, by wire name: the UI's client is typed from
        /// this. Never built; it exists only to be exported to TypeScript.
        #[derive(TS)]
        #[allow(dead_code)]
        pub struct Methods {
            $( $(#[doc = $sdoc])* $sname: Signature<$sp, $sa>, )*
            $( $(#[doc = $vdoc])* $vname: Signature<$vp, $va>, )*
            $( $(#[doc = $bdoc])* $bname: Signature<$bp, $ba>, )*
        }
    };
}

methods! {
    session {
        /// Is the library there, and which version is it.
        ping: Ping(()) -> Ping [];
        /// Creates a matter in an empty folder and opens it.
        create_matter: CreateMatter(CreateMatterParams) -> Summary [Changes];
        /// Opens the matter in a folder.
        open_matter: OpenMatter(OpenMatterParams) -> Summary [];
        /// The open matter's counts by kind, custodian and state (counts every item).
        status: Status(()) -> Status [];
        /// The open matter's name and item count, without `status`'s per-kind counts.
        summary: Summary(()) -> Summary [];
        /// Every ingest error record.
        errors: Errors(()) -> ErrorList [];
        /// Adds files and folders to the matter.
        ingest: Ingest(IngestParams) -> IngestSummary [Changes, Long];
        /// A page of the items matching a query.
        search: Search(SearchParams) -> SearchResult [];
        /// One item; with `hits`, the character offsets of that query's hits in its text.
        item: Item(ItemParams) -> ItemReply [];
        /// Distillation analysis of the matter's model calls (and tags the flagged calls when asked).
        logs_analyze: LogsAnalyze(LogsAnalyzeParams) -> LogsAnswer [Changes];
        /// The exposure report's model-log section: `{section, text}` (`text` rendered in `format`).
        logs_section: LogsSection(LogsSectionParams) -> LogsSection [];
        /// The calls of one analyzed group (an account, key, user or ip), oldest first.
        logs_calls: LogsCalls(LogsCallsParams) -> GroupCalls [];
        /// Counts by facet over the items matching a query.
        facets: Facets(FacetsParams) -> Facets [];
        /// Every tag with its item count.
        tags: Tags(()) -> TagList [];
        /// Tags items (by id or query), with their families and duplicates when asked.
        tag_add: TagAdd(Coding) -> TagChange [Changes];
        /// Untags items, like `tag_add`.
        tag_remove: TagRemove(Coding) -> TagChange [Changes];
        /// Adds a note to an item.
        note_add: NoteAdd(NoteAddParams) -> Note [Changes];
        /// An item's notes.
        notes: Notes(NotesParams) -> NoteList [];
        /// Keeps a query under a name.
        save_search: SaveSearch(SaveSearchParams) -> SavedSearch [Changes];
        /// The saved searches.
        saved_searches: SavedSearches(()) -> SavedSearchList [];
        /// Removes a saved search.
        delete_saved_search: DeleteSavedSearch(DeleteSavedSearchParams) -> SavedSearchRemoved [Changes];
        /// Hit counts per search term.
        terms_report: TermsReport(TermsReportParams) -> TermsReport [];
        /// Redacts characters `start..end` of an item's text.
        redact_add: RedactAdd(RedactAddParams) -> RedactionAdded [Changes];
        /// Removes a text redaction (and its copies on identical content).
        redact_remove: RedactRemove(RedactRemoveParams) -> RedactionsRemoved [Changes];
        /// The text redactions and, for one item, its region (box) redactions.
        redactions: Redactions(RedactionsParams) -> RedactionList [];
        /// The item's text with its redactions applied.
        redacted_text: RedactedText(RedactedTextParams) -> RedactedText [];
        /// Redacts a box drawn on a PDF page; the words inside it are redacted in the text.
        redact_box: RedactBox(RedactBoxParams) -> RegionAdded [Changes];
        /// Removes a region redaction and the text redactions it made.
        redact_box_remove: RedactBoxRemove(RedactBoxRemoveParams) -> RedactionsRemoved [Changes];
        /// A PDF item's page sizes and the page-space boxes of a query's hits and of its redactions.
        page_boxes: PageBoxes(PageBoxesParams) -> PageBoxes [];
        /// Pattern redaction over a set of items (all by default), or a dry run of it.
        redact_rule: RedactRule(RedactRuleParams) -> RuleRun [Changes];
        /// The exposure assessment: what the requests reach and cost, the sampling estimate and the evidence side.
        exposure: Exposure(ExposureParams) -> ExposureReport [];
        /// The exposure inputs kept in the matter (the defaults when none were saved).
        exposure_inputs: ExposureInputsGet(()) -> ExposureInputs [];
        /// Keeps exposure inputs in the matter (checked first: a bad query names its request).
        save_exposure_inputs: SaveExposureInputs(SaveExposureInputsParams) -> ExposureInputs [Changes];
        /// Draws a seeded random sample of the uncoded responsive items and tags it for review.
        exposure_sample: ExposureSample(ExposureSampleParams) -> ExposureSampleDrawn [Changes];
        /// Writes the exposure report (PDF, HTML, CSV or JSON by extension) and saves its figures' searches.
        export_exposure: ExportExposure(ExportExposureParams) -> ExposureExported [Changes];
        /// The stored pattern rules, with their fields and allow-lists.
        redaction_rules: RedactionRules(()) -> RuleList [];
        /// Withdraws a pattern rule and every redaction it made, in one audited change.
        redact_rule_remove: RedactRuleRemove(RedactRuleRemoveParams) -> RuleRemoved [Changes];
        /// Checks the matter's integrity: blobs, audit chain, index and call records.
        verify: Verify(()) -> VerifyReport [];
        /// The newest entries of the audit log.
        audit: Audit(AuditParams) -> AuditLog [];
        /// The redaction reasons a reviewer can pick: the matter's built-in codes and those users added.
        reasons: Reasons(()) -> ReasonList [];
        /// Builds a production (Bates-numbered images, text, load files, logs, manifest) and runs its verification gate; with `dry_run`, counts and lists what it would produce and writes nothing.
        produce: Produce(ProduceParams) -> ProductionReport [Changes, Long];
        /// The matter's productions, newest first, with their Bates ranges and status.
        productions: Productions(()) -> ProductionList [];
        /// Runs a production's verification gate again over its folder on disk, and records the result.
        verify_production: VerifyProduction(VerifyProductionParams) -> GateReport [Changes];
        /// A document's first pages as a production would carry them (redactions burned in, the stamp band), for the dry run.
        production_preview: ProductionPreviewPages(ProductionPreviewParams) -> ProductionPreview [];
    }
    viewer {
        /// The sanitized HTML body (if any) and page count of an item.
        item_body: ItemBody(ItemBodyParams) -> ItemBody [];
        /// Reads a query without running it: where the parser stopped and what it expected, if it could not read it.
        check_query: CheckQuery(CheckQueryParams) -> QueryCheck [];
    }
    beside {
        /// What the long request in flight (an ingest or a production) has done so far.
        ingest_progress: IngestProgress(()) -> ProgressState [];
        /// Asks the running long request to stop: an ingest keeps what it committed, a production is left marked incomplete.
        cancel_ingest: CancelIngest(()) -> CancelAnswer [];
    }
}

impl Method {
    /// Whether it runs long (progress and cancel).
    pub fn is_long(self) -> bool {
        self.flags().contains(&Flag::Long)
    }

    /// Whether it changes the matter.
    pub fn changes_matter(self) -> bool {
        self.flags().contains(&Flag::Changes)
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Request {
    /// Decodes a wire request `{"method": "...", "params": {...}}` in one pass: the method is
    /// looked up by name, then `params` is decoded as that method's params type. `params` may
    /// be left out, `null` or `{}` for a method that takes none.
    pub fn from_json(request: Value) -> Result<Request, ApiError> {
        let Value::Object(mut fields) = request else {
            return Err(ApiError::new(ErrorCode::BadRequest, SHAPE));
        };
        let method = match fields.get("method") {
            Some(Value::String(name)) => Method::from_name(name).ok_or_else(|| {
                ApiError::new(ErrorCode::UnknownMethod, format!("unknown method: {name} (not available in this version)"))
            })?,
            _ => return Err(ApiError::new(ErrorCode::BadRequest, SHAPE)),
        };
        let params = fields.remove("params").unwrap_or(Value::Null);
        Request::with_params(method, params)
            .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("invalid parameters for {method}: {e}")))
    }
}

const SHAPE: &str = "a request is {\"method\": \"...\", \"params\": {...}}";

/// `params` as `P`. Absent params (`null`) and `{}` both mean "none given": `()` reads them as
/// nothing, a params struct as an empty object (so its defaults apply, and a missing required
/// field is named).
fn decode_params<P: DeserializeOwned>(params: Value) -> Result<P, serde_json::Error> {
    let empty = params.is_null() || params.as_object().is_some_and(|o| o.is_empty());
    if empty {
        serde_json::from_value(Value::Null).or_else(|_| serde_json::from_value(Value::Object(Default::default())))
    } else {
        serde_json::from_value(params)
    }
}

fn encode<A: Serialize>(answer: Result<A, ApiError>) -> Result<Value, ApiError> {
    serde_json::to_value(answer?).map_err(|e| ApiError::from(crate::Error::from(e)))
}

fn misrouted(method: Method, tried: Place) -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        format!("{method} is answered by the {:?}, not the {tried:?}; this transport routed it wrongly", method.place()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for &m in Method::ALL {
            assert!(seen.insert(m.name()), "{m} declared twice");
            assert_eq!(Method::from_name(m.name()), Some(m));
            assert!(!m.doc().trim().is_empty(), "{m} has no doc");
        }
        assert_eq!(Method::from_name("frobnicate"), None);
    }

    #[test]
    fn flags_are_as_declared() {
        assert!(Method::Ingest.is_long() && Method::Ingest.changes_matter());
        assert!(!Method::Search.is_long() && !Method::Search.changes_matter());
        assert_eq!(Method::IngestProgress.place(), Place::Beside);
        assert_eq!(Method::ItemBody.place(), Place::Viewer);
        assert_eq!(Method::Status.place(), Place::Session);
    }

    #[test]
    fn requests_decode_in_one_pass() {
        let r = Request::from_json(json!({"method": "search", "params": {"query": "gas"}})).unwrap();
        assert!(matches!(r, Request::Search(SearchParams { ref query, limit: 50, offset: 0, .. }) if query == "gas"));
        for ping in [json!({"method": "ping"}), json!({"method": "ping", "params": {}}), json!({"method": "ping", "params": null})] {
            assert!(matches!(Request::from_json(ping).unwrap(), Request::Ping(())));
        }
        let r = Request::from_json(json!({"method": "audit"})).unwrap();
        assert!(matches!(r, Request::Audit(AuditParams { limit: 50 })));
        let code = |v: Value| Request::from_json(v).unwrap_err().code;
        assert_eq!(code(json!({"method": "frobnicate", "params": {}})), ErrorCode::UnknownMethod);
        assert_eq!(code(json!({"method": "search", "params": {"limit": 3}})), ErrorCode::BadRequest);
        assert_eq!(code(json!({"method": "item_body", "params": {}})), ErrorCode::BadRequest);
        assert_eq!(code(json!({"params": 1})), ErrorCode::BadRequest);
        assert_eq!(code(json!("ping")), ErrorCode::BadRequest);
        let e = Request::from_json(json!({"method": "search", "params": {"limit": 3}})).unwrap_err();
        assert!(e.message.contains("query"), "serde's message names the field: {}", e.message);
    }
}
