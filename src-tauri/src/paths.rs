//! Paths that reach the UI from outside the webview: a native picker's choice or a drop onto
//! the window. The webview never reads the file system itself; it only ever receives path
//! strings from here, which it then sends back in an `ingest` or `open_matter` request.
//!
//! Kept free of Tauri types so the checks can be unit-tested: the native dialogs themselves
//! cannot be driven under tauri-driver.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What the UI asks a picker for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PickKind {
    /// Files to ingest (several).
    Files,
    /// Folders to ingest (several, walked recursively).
    Folders,
    /// One folder to open or create a matter in.
    Matter,
}

impl PickKind {
    pub fn title(self) -> &'static str {
        match self {
            PickKind::Files => "Choose files to ingest",
            PickKind::Folders => "Choose folders to ingest",
            PickKind::Matter => "Choose the matter folder",
        }
    }
}

/// A path that was offered but cannot be used, and why (in words for the user).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    pub path: String,
    pub reason: String,
}

/// What a picker or a drop hands to the UI. Nothing chosen (a closed dialog) is empty `paths`
/// and empty `rejected`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Picked {
    pub paths: Vec<String>,
    pub rejected: Vec<Rejected>,
}

/// Keeps the paths the UI can use for `want`, in order and without repeats; says why the
/// others are left out.
///
/// A path must be absolute (it is sent back to the library as is), must exist, and must be
/// valid UTF-8 (requests are JSON strings, so another name could not round-trip exactly).
/// A matter is one folder. `None` means "anything that exists" (a drop onto the window).
pub fn accept(offered: impl IntoIterator<Item = PathBuf>, want: Option<PickKind>) -> Picked {
    let mut out = Picked::default();
    let mut seen = HashSet::new();
    for p in offered {
        let shown = p.to_string_lossy().into_owned();
        let reject = |out: &mut Picked, reason: &str| out.rejected.push(Rejected { path: shown.clone(), reason: reason.into() });
        let Some(s) = p.to_str() else {
            reject(
                &mut out,
                "its name is not valid UTF-8, so the app cannot pass it on; ingest it with the `exhibit ingest` command instead",
            );
            continue;
        };
        if !p.is_absolute() {
            reject(&mut out, "not a full path");
            continue;
        }
        let Ok(meta) = std::fs::metadata(&p) else {
            reject(&mut out, "it does not exist or cannot be read");
            continue;
        };
        match want {
            Some(PickKind::Folders | PickKind::Matter) if !meta.is_dir() => {
                reject(&mut out, "not a folder");
                continue;
            }
            Some(PickKind::Files) if !meta.is_file() => {
                reject(&mut out, "not a file");
                continue;
            }
            _ => {}
        }
        if seen.insert(normalized(&p)) {
            out.paths.push(s.to_string());
        }
    }
    if want == Some(PickKind::Matter) && out.paths.len() > 1 {
        for extra in out.paths.split_off(1) {
            out.rejected.push(Rejected { path: extra, reason: "a matter is one folder; only the first was kept".into() });
        }
    }
    out
}

/// `a/./b/` and `a/b` are the same choice.
fn normalized(p: &Path) -> PathBuf {
    p.components().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp() -> tempdir::Dir {
        tempdir::Dir::new()
    }

    /// A throwaway folder without a dev-dependency.
    mod tempdir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Self {
                use std::sync::atomic::{AtomicUsize, Ordering};
                static N: AtomicUsize = AtomicUsize::new(0);
                let d = std::env::temp_dir().join(format!(
                    "exhibit-desktop-paths-{}-{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::create_dir_all(&d).unwrap();
                Dir(d)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn keeps_existing_absolute_paths_in_order_once() {
        let d = tmp();
        let (a, b) = (d.0.join("a.txt"), d.0.join("sub"));
        std::fs::write(&a, "x").unwrap();
        std::fs::create_dir(&b).unwrap();
        let got = accept([b.clone(), a.clone(), d.0.join("./sub/"), a.clone()], None);
        assert_eq!(got.paths, vec![b.display().to_string(), a.display().to_string()]);
        assert!(got.rejected.is_empty());
    }

    #[test]
    fn says_why_a_path_is_left_out() {
        let d = tmp();
        let file = d.0.join("a.txt");
        std::fs::write(&file, "x").unwrap();
        let got = accept([PathBuf::from("relative/x"), d.0.join("missing"), file.clone()], Some(PickKind::Folders));
        assert!(got.paths.is_empty());
        let reasons: Vec<_> = got.rejected.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(reasons, ["not a full path", "it does not exist or cannot be read", "not a folder"]);
        let got = accept([d.0.clone()], Some(PickKind::Files));
        assert_eq!(got.rejected[0].reason, "not a file");
    }

    #[test]
    fn a_matter_is_one_folder() {
        let (a, b) = (tmp(), tmp());
        let got = accept([a.0.clone(), b.0.clone()], Some(PickKind::Matter));
        assert_eq!(got.paths, vec![a.0.display().to_string()]);
        assert_eq!(got.rejected.len(), 1);
        assert!(got.rejected[0].reason.contains("one folder"));
    }

    #[test]
    fn a_closed_dialog_is_empty() {
        assert_eq!(accept(Vec::new(), Some(PickKind::Files)), Picked::default());
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_are_refused_with_a_way_out() {
        use std::os::unix::ffi::OsStrExt;
        let d = tmp();
        let odd = d.0.join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt"));
        let _ = std::fs::write(&odd, "x"); // some file systems refuse such names; the check does not care
        let got = accept([odd], None);
        assert!(got.paths.is_empty());
        assert!(got.rejected[0].reason.contains("exhibit ingest"));
    }
}
