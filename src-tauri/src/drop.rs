//! Files and folders dropped onto the window. The webview cannot see where a dropped file
//! lives, but the window's native drag-drop event carries real paths: they are checked here
//! (see [`crate::paths::accept`]) and sent to the main webview as the `exhibit:drop` event,
//! which the Ingest screen turns into its list of paths.

use crate::paths::{accept, Rejected};
use serde::Serialize;
use tauri::DragDropEvent;

/// The event the UI listens to.
pub const EVENT: &str = "exhibit:drop";

/// `over` while something is dragged over the window (so the drop zone can light up),
/// `leave` when it goes away, `drop` with the paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DropDto {
    pub kind: &'static str,
    pub paths: Vec<String>,
    pub rejected: Vec<Rejected>,
}

/// What to tell the UI about a native drag-drop event, if anything.
pub fn to_dto(event: &DragDropEvent) -> Option<DropDto> {
    let empty = |kind| Some(DropDto { kind, paths: Vec::new(), rejected: Vec::new() });
    match event {
        DragDropEvent::Enter { .. } => empty("over"),
        DragDropEvent::Leave => empty("leave"),
        DragDropEvent::Drop { paths, .. } => {
            let picked = accept(paths.iter().cloned(), None);
            Some(DropDto { kind: "drop", paths: picked.paths, rejected: picked.rejected })
        }
        // Cursor moves: nothing new for the UI.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use tauri::PhysicalPosition;

    #[test]
    fn a_drop_carries_the_checked_paths() {
        let here = std::env::current_dir().unwrap();
        let ev = DragDropEvent::Drop {
            paths: vec![here.clone(), PathBuf::from("/no/such/exhibit/path")],
            position: PhysicalPosition::new(1.0, 2.0),
        };
        let dto = to_dto(&ev).unwrap();
        assert_eq!(dto.kind, "drop");
        assert_eq!(dto.paths, vec![here.display().to_string()]);
        assert_eq!(dto.rejected.len(), 1);
        assert_eq!(to_dto(&DragDropEvent::Enter { paths: vec![here], position: PhysicalPosition::new(0.0, 0.0) }).unwrap().kind, "over");
        assert_eq!(to_dto(&DragDropEvent::Leave).unwrap().kind, "leave");
        assert!(to_dto(&DragDropEvent::Over { position: PhysicalPosition::new(0.0, 0.0) }).is_none());
    }
}
