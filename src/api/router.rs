//! The one dispatch every transport calls: a decoded [`Request`] goes where its method's
//! declaration says it is answered ([`Method::place`]).
//!
//! A transport holds the [`Router`] behind a lock and a [`ProgressSlot`] beside it:
//! 1. decode with [`Request::from_json`];
//! 2. a method answered `Beside` (progress, cancel) goes to [`answer_beside`] on the slot, without
//!    the lock, since a long request holds it until it ends;
//! 3. everything else goes to [`Router::handle_tracked`] under the lock, which records a `Long`
//!    method's progress in the slot and hands it the slot's stop flag.

use super::methods::{answer_beside, answer_in_session, answer_in_viewer, BesideMethods, Method, Place, ViewerMethods};
use super::params::{CheckQueryParams, ItemBodyParams};
use super::responses::{CancelAnswer, QueryCheck};
use super::session::{no_matter_open, Session, Work};
use super::{ApiError, ErrorCode, Request};
use crate::view::{ItemBody, ProgressSlot, ProgressState, Viewer, ViewerHandle};
use serde_json::Value;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// The session, and the viewer of the matter it has open (shared with routes that serve bytes).
pub struct Router {
    session: Session,
    viewer: ViewerHandle,
}

impl Default for Router {
    fn default() -> Self {
        Router { session: Session::default(), viewer: Arc::new(RwLock::new(None)) }
    }
}

impl Router {
    /// A router with this matter open. Unlike the `open_matter` request it computes no summary,
    /// so a transport started on a large matter is ready as soon as the matter is open.
    pub fn open(dir: impl AsRef<Path>) -> crate::error::Result<Router> {
        let matter = crate::Matter::open(dir.as_ref())?;
        let viewer = Viewer::open(matter.dir())?;
        Ok(Router { session: Session::with_matter(matter), viewer: Arc::new(RwLock::new(Some(viewer))) })
    }

    pub fn viewer_handle(&self) -> ViewerHandle {
        self.viewer.clone()
    }

    /// The session, for Rust callers that call its methods directly.
    pub fn session(&mut self) -> &mut Session {
        &mut self.session
    }

    /// Runs a request answered by the session or the viewer. A `Beside` method is refused as
    /// misrouted: the transport answers it from its [`ProgressSlot`] with [`answer_beside`].
    pub fn handle(&mut self, req: Request) -> Result<Value, ApiError> {
        match req.method().place() {
            Place::Session => {
                let out = answer_in_session(&mut self.session, req);
                self.follow_session()?;
                out
            }
            Place::Viewer => answer_in_viewer(&self.viewer()?, req),
            Place::Beside => answer_beside(&Unreachable, req),
        }
    }

    /// [`Router::handle`], recording a `Long` method's progress (an ingest's or a production's)
    /// in `slot` for pollers and giving it the slot's stop flag for `cancel_ingest`.
    pub fn handle_tracked(&mut self, req: Request, slot: &ProgressSlot) -> Result<Value, ApiError> {
        let method = req.method();
        if !method.is_long() {
            return self.handle(req);
        }
        let cancel = slot.begin(method.name().to_string());
        let reporter = slot.clone();
        let before = self.session.set_work(Work::new(move |p| reporter.report(p), cancel));
        let out = self.handle(req);
        self.session.set_work(before);
        slot.end();
        out
    }

    /// Keeps the viewer on the matter the session has open (after `open_matter`,
    /// `create_matter`).
    fn follow_session(&mut self) -> Result<(), ApiError> {
        let Some(dir) = self.session.matter_dir() else { return Ok(()) };
        let mut viewer = self.viewer.write().unwrap_or_else(|e| e.into_inner());
        if viewer.as_ref().is_none_or(|v| v.dir() != dir) {
            *viewer = Some(Viewer::open(dir)?);
        }
        Ok(())
    }

    fn viewer(&self) -> Result<Viewer, ApiError> {
        self.viewer.read().unwrap_or_else(|e| e.into_inner()).clone().ok_or_else(no_matter_open)
    }
}

impl ViewerMethods for Viewer {
    fn item_body(&self, p: ItemBodyParams) -> Result<ItemBody, ApiError> {
        Ok(self.body(&p.id)?)
    }

    fn check_query(&self, p: CheckQueryParams) -> Result<QueryCheck, ApiError> {
        Ok(QueryCheck::of(&p.query))
    }
}

impl BesideMethods for ProgressSlot {
    fn ingest_progress(&self, _: ()) -> Result<ProgressState, ApiError> {
        Ok(self.snapshot())
    }

    fn cancel_ingest(&self, _: ()) -> Result<CancelAnswer, ApiError> {
        Ok(CancelAnswer { cancelling: self.request_cancel() })
    }
}

/// What the router answers a `Beside` method with when a transport sent it there: an internal
/// error naming the mistake, not a silent answer.
struct Unreachable;

impl BesideMethods for Unreachable {
    fn ingest_progress(&self, _: ()) -> Result<ProgressState, ApiError> {
        Err(beside_misrouted(Method::IngestProgress))
    }

    fn cancel_ingest(&self, _: ()) -> Result<CancelAnswer, ApiError> {
        Err(beside_misrouted(Method::CancelIngest))
    }
}

fn beside_misrouted(method: Method) -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        format!("{method} is answered by the transport beside the session (from its progress slot); this transport did not"),
    )
}

/// Routes one request as a transport does: `Beside` methods from `slot`, the rest through the
/// router (locked only then, by `router`).
pub fn route<'a>(req: Request, slot: &ProgressSlot, router: impl FnOnce() -> std::sync::MutexGuard<'a, Router>) -> Result<Value, ApiError> {
    match req.method().place() {
        Place::Beside => answer_beside(slot, req),
        Place::Session | Place::Viewer => router().handle_tracked(req, slot),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Mutex;

    fn call(router: &Mutex<Router>, slot: &ProgressSlot, v: Value) -> Result<Value, ApiError> {
        route(Request::from_json(v)?, slot, || router.lock().unwrap())
    }

    #[test]
    fn requests_reach_where_they_are_declared() {
        let (r, slot) = (Mutex::new(Router::default()), ProgressSlot::default());
        assert_eq!(call(&r, &slot, json!({"method": "ping"})).unwrap()["ok"], true);
        assert_eq!(call(&r, &slot, json!({"method": "item_body", "params": {"id": "1"}})).unwrap_err().code, ErrorCode::NoMatterOpen);
        assert_eq!(call(&r, &slot, json!({"method": "status"})).unwrap_err().code, ErrorCode::NoMatterOpen);
        assert_eq!(call(&r, &slot, json!({"method": "ingest_progress"})).unwrap()["running"], false);
        assert_eq!(call(&r, &slot, json!({"method": "cancel_ingest"})).unwrap()["cancelling"], false);
        // Sent to the router itself, a method answered beside it is a routing bug, said so.
        let e = r.lock().unwrap().handle(Request::CancelIngest(())).unwrap_err();
        assert_eq!(e.code, ErrorCode::Internal);
    }

    #[test]
    fn opening_a_matter_opens_its_viewer() {
        let dir = tempfile::tempdir().unwrap();
        let (r, slot) = (Mutex::new(Router::default()), ProgressSlot::default());
        let v = call(&r, &slot, json!({"method": "create_matter", "params": {"dir": dir.path().join("m"), "name": "M"}})).unwrap();
        assert_eq!(v["name"], "M");
        let e = call(&r, &slot, json!({"method": "item_body", "params": {"id": "1"}})).unwrap_err();
        assert_eq!(e.code, ErrorCode::NoItem, "{e}");
        // A query is read, not run: the parser's position and expectation, or nothing.
        let check = |q: &str| call(&r, &slot, json!({"method": "check_query", "params": {"query": q}})).unwrap();
        let bad = check("gas OR AND oil");
        assert_eq!(bad["error"]["position"], 8, "{bad}");
        assert!(bad["error"]["message"].as_str().is_some_and(|m| m.contains("after 'OR'")), "{bad}");
        assert_eq!(check("(gas OR price) AND cap w/5 floor from:kaminski"), json!({}));
    }
}
