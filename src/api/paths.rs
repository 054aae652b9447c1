//! Which filesystem paths a request names, and the policy a transport applies to them.
//!
//! `exhibit serve` hands the API to a browser tab. A stolen token must not turn that into "read
//! any file the user can read": matters are created and opened, and evidence is read, only
//! under folders the user named when starting the server (`--allow DIR`, plus the `--matter`
//! folder). [`PathPolicy::apply`] resolves every path a request names — symlinks and `..`
//! included — checks it against those roots, and rewrites the request to the resolved path, so
//! what was checked is what the library then uses.

use super::{ApiError, Request};
use std::fmt;
use std::path::{Component, Path, PathBuf};

pub use super::named_paths::{NamesPaths, PathUse};

/// A path the policy refused, and why: crosses a transport as `path_refused`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRefused {
    pub path: PathBuf,
    pub why: String,
}

impl fmt::Display for PathRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused {}: {}", self.path.display(), self.why)
    }
}

impl std::error::Error for PathRefused {}

impl From<PathRefused> for ApiError {
    fn from(e: PathRefused) -> Self {
        ApiError::new(super::ErrorCode::PathRefused, e.to_string())
    }
}

/// The folders a transport may touch: `roots` for everything, `matter` (the matter the server
/// was started on) for opening that one matter again. All held resolved.
#[derive(Debug, Clone, Default)]
pub struct PathPolicy {
    roots: Vec<PathBuf>,
    matter: Option<PathBuf>,
}

impl PathPolicy {
    /// Resolves the allowed folders; one that does not exist is an error now rather than a
    /// puzzling refusal later.
    pub fn new(roots: &[PathBuf], matter: Option<&Path>) -> Result<PathPolicy, PathRefused> {
        let resolve = |p: &Path, what: &str| {
            std::fs::canonicalize(p).map_err(|e| PathRefused { path: p.to_path_buf(), why: format!("{what} cannot be used: {e}") })
        };
        let mut resolved = Vec::new();
        for r in roots {
            let c = resolve(r, "this --allow folder")?;
            if !c.is_dir() {
                return Err(PathRefused { path: r.clone(), why: "--allow takes a folder, and this is not one".into() });
            }
            resolved.push(c);
        }
        let matter = matter.map(|m| resolve(m, "the --matter folder")).transpose()?;
        Ok(PathPolicy { roots: resolved, matter })
    }

    /// The allowed folders, resolved.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Checks every path `req` names and rewrites each to its resolved form.
    pub fn apply(&self, req: &mut Request) -> Result<(), PathRefused> {
        for (usage, path) in req.paths_mut() {
            *path = self.check(usage, path)?;
        }
        Ok(())
    }

    /// One path: resolved, then inside an allowed root (or, for opening, the server's matter).
    pub fn check(&self, usage: PathUse, path: &Path) -> Result<PathBuf, PathRefused> {
        let resolved = resolve(path)?;
        let under_root = self.roots.iter().any(|r| resolved.starts_with(r));
        // The started matter's own folder may be opened again (and created, for a server started
        // on a folder to create), never read from as evidence nor written into as a bundle.
        let is_matter = matches!(usage, PathUse::OpenMatter | PathUse::CreateMatter) && self.matter.as_deref() == Some(resolved.as_path());
        if under_root || is_matter {
            return Ok(resolved);
        }
        let what = match usage {
            PathUse::OpenMatter => "open a matter",
            PathUse::CreateMatter => "create a matter",
            PathUse::Read => "read",
            PathUse::Write => "write a production or a report",
        };
        let shown = if resolved != path { format!(" (it resolves to {})", resolved.display()) } else { String::new() };
        let allowed = if self.roots.is_empty() {
            "this server was started without --allow, so it may not reach any folder".to_string()
        } else {
            let list = self.roots.iter().map(|r| r.display().to_string()).collect::<Vec<_>>().join(", ");
            format!("it is outside the folders this server may use ({list})")
        };
        let suggest =
            if usage == PathUse::Read && resolved.is_file() { resolved.parent().unwrap_or(&resolved) } else { resolved.as_path() };
        Err(PathRefused {
            path: path.to_path_buf(),
            why: format!(
                "the browser may not {what} here{shown}: {allowed}. To allow it, stop the server and start it again with `exhibit serve --allow {}`",
                suggest.display()
            ),
        })
    }
}

/// The path with every symlink and `..` resolved. The part that does not exist yet (a matter
/// folder about to be created) is joined to its deepest existing ancestor, resolved; `..` in
/// that part is applied by name, which is exact there because nothing in it can be a link.
fn resolve(path: &Path) -> Result<PathBuf, PathRefused> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| PathRefused {
                path: path.to_path_buf(),
                why: format!("the server's working folder is unknown ({e}); give an absolute path"),
            })?
            .join(path)
    };
    let mut existing = abs.as_path();
    let mut tail = Vec::new();
    loop {
        match std::fs::canonicalize(existing) {
            Ok(mut base) => {
                for c in tail.iter().rev() {
                    match c {
                        Component::ParentDir => {
                            base.pop();
                        }
                        Component::Normal(n) => base.push(n),
                        _ => {}
                    }
                }
                return Ok(base);
            }
            Err(e) => {
                // Something is there but cannot be resolved (a dangling link, no permission):
                // taking its name as it stands could point anywhere.
                if existing.symlink_metadata().is_ok() {
                    return Err(PathRefused { path: path.to_path_buf(), why: format!("{} cannot be resolved: {e}", existing.display()) });
                }
                let mut comps = existing.components();
                let last = comps.next_back();
                match last {
                    Some(c @ (Component::Normal(_) | Component::ParentDir | Component::CurDir)) => {
                        tail.push(c);
                        existing = comps.as_path();
                    }
                    _ => {
                        return Err(PathRefused { path: path.to_path_buf(), why: "no part of this path exists".into() });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::params::*;

    fn ingest(p: &Path) -> Request {
        Request::Ingest(IngestParams { paths: vec![p.to_path_buf()], custodian: "C".into() })
    }

    fn refused(policy: &PathPolicy, mut req: Request) -> String {
        policy.apply(&mut req).unwrap_err().to_string()
    }

    #[test]
    fn paths_inside_the_roots_pass_resolved_and_others_are_refused() {
        let t = tempfile::tempdir().unwrap();
        let allowed = t.path().join("allowed");
        let outside = t.path().join("outside");
        std::fs::create_dir_all(allowed.join("evidence")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret.txt"), "x").unwrap();
        let policy = PathPolicy::new(std::slice::from_ref(&allowed), None).unwrap();
        let root = std::fs::canonicalize(&allowed).unwrap();

        let mut ok = ingest(&allowed.join("evidence/./../evidence"));
        policy.apply(&mut ok).unwrap();
        let Request::Ingest(p) = &ok else { unreachable!() };
        assert_eq!(&p.paths, &vec![root.join("evidence")]);

        // Outside, directly, through `..`, and through a symlink planted inside the root.
        let msg = refused(&policy, ingest(&outside.join("secret.txt")));
        assert!(msg.contains("outside the folders this server may use") && msg.contains("--allow"), "{msg}");
        assert!(msg.contains(&format!("--allow {}", std::fs::canonicalize(&outside).unwrap().display())), "{msg}");
        refused(&policy, ingest(&allowed.join("../outside")));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&outside, allowed.join("link")).unwrap();
            let msg = refused(&policy, ingest(&allowed.join("link/secret.txt")));
            assert!(msg.contains("resolves to"), "{msg}");
        }
        // A matter to be created: its missing tail is resolved by name.
        let mut create = Request::CreateMatter(CreateMatterParams { dir: allowed.join("new/deeper/../m"), name: "M".into() });
        policy.apply(&mut create).unwrap();
        let Request::CreateMatter(p) = &create else { unreachable!() };
        assert_eq!(&p.dir, &root.join("new/m"));
        refused(&policy, Request::CreateMatter(CreateMatterParams { dir: allowed.join("new/../../outside/m"), name: "M".into() }));
        refused(&policy, Request::OpenMatter(OpenMatterParams { dir: outside.clone() }));
        // Requests without paths pass untouched.
        policy.apply(&mut Request::Status(())).unwrap();
    }

    #[test]
    fn the_started_matter_may_be_reopened_but_not_read_from() {
        let t = tempfile::tempdir().unwrap();
        let matter = t.path().join("m");
        std::fs::create_dir_all(&matter).unwrap();
        let policy = PathPolicy::new(&[], Some(&matter)).unwrap();
        policy.apply(&mut Request::OpenMatter(OpenMatterParams { dir: matter.clone() })).unwrap();
        let msg = refused(&policy, ingest(&matter));
        assert!(msg.contains("started without --allow"), "{msg}");
        refused(&policy, Request::OpenMatter(OpenMatterParams { dir: t.path().to_path_buf() }));
        // Nor is a production written into it, nor one re-verified there.
        let produce = ProduceParams {
            set: ProduceSet::Query("*".into()),
            prefix: "P".into(),
            out: matter.clone(),
            start: None,
            digits: 7,
            volume: "VOL001".into(),
            endorse: String::new(),
            images: Default::default(),
            natives: Default::default(),
            privileged: Default::default(),
            dry_run: false,
        };
        let msg = refused(&policy, Request::Produce(produce));
        assert!(msg.contains("write a production"), "{msg}");
        refused(&policy, Request::VerifyProduction(VerifyProductionParams { dir: matter.clone() }));
    }

    #[test]
    fn a_production_is_written_only_under_the_roots() {
        let t = tempfile::tempdir().unwrap();
        let policy = PathPolicy::new(&[t.path().to_path_buf()], None).unwrap();
        // The folder need not exist yet; it is resolved by name like a matter to be created.
        let mut req = Request::VerifyProduction(VerifyProductionParams { dir: t.path().join("out/ACME001") });
        policy.apply(&mut req).unwrap();
        let Request::VerifyProduction(p) = &req else { unreachable!() };
        assert_eq!(p.dir, std::fs::canonicalize(t.path()).unwrap().join("out/ACME001"));
        refused(&policy, Request::VerifyProduction(VerifyProductionParams { dir: t.path().join("../elsewhere") }));
    }

    #[test]
    fn a_missing_allow_folder_is_an_error_at_start() {
        let t = tempfile::tempdir().unwrap();
        let e = PathPolicy::new(&[t.path().join("nope")], None).unwrap_err();
        assert!(e.to_string().contains("--allow"), "{e}");
    }
}
